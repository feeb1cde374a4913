"""ReSpect: learning losses, seed data, deployment logging, decoding, ledger charges, resume, variants."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.accounting.episodes import read_episodes, recount
from babylm.tracks.interaction.accounting.verify import verify_run
from babylm.tracks.interaction.games.respect import RespectWorld, play, seed_data, training_examples
from babylm.tracks.interaction.protocols.driver import RoundDriver, get_protocol, open_run
from babylm.tracks.interaction.students.learning import FitConfig, _policy_loss, fit
from babylm.tracks.interaction.students.refgame import Student, Vocab
from babylm.tracks.interaction.teachers import ScriptedTeacher
from babylm.tracks.rules import get_track

TRACK = get_track("interaction").scaled(Fraction(1, 1000))  # 100k words in, 1M seen
TINY = {"games": 5, "seed_games": 6, "epochs": 2}


# ---------------------------------------------------------------- losses and training
def _t(xs):
    import torch

    return torch.tensor(xs, dtype=torch.float)


def test_rl_loss_rewards_and_clipped_importance_weights() -> None:
    import torch

    logp = _t([-1.0, -1.0, -1.0]).requires_grad_()
    modes = torch.tensor([1, 1, 1])  # rl
    r = _t([1.0, -0.1, 0.0])
    dep = _t([-3.0, -3.0, -3.0])  # pi / pi_dep = e^2 > clip 1
    loss = _policy_loss(logp, modes, r, dep, FitConfig(rl_clip=1.0))
    assert loss.tolist() == pytest.approx([1.0, -0.1, 0.0])  # weight 1 for positives, clip(e^2, 1) = 1
    loss = _policy_loss(logp, modes, r, _t([0.0, 0.0, 0.0]), FitConfig(rl_clip=1.0))
    assert loss[1].item() == pytest.approx(-0.1 * torch.exp(_t(-1.0)).item())  # ratio e^-1 < clip


def test_cogen_loss_caps_the_weight_at_five_and_kto_is_bounded() -> None:
    import torch

    logp = _t([-1.0, -1.0]).requires_grad_()
    loss = _policy_loss(logp, torch.tensor([3, 3]), _t([1.0, -1.0]), _t([-10.0, -10.0]), FitConfig())
    assert loss.tolist() == pytest.approx([1.0, -5.0])
    kto = _policy_loss(logp, torch.tensor([2, 2]), _t([1.0, -1.0]), _t([-1.0, -1.0]), FitConfig(kto_beta=0.5))
    assert all(0.0 <= x <= 1.0 for x in kto.tolist())
    kto.sum().backward()
    assert logp.grad[0] < 0 < logp.grad[1]  # desirable pushed up, undesirable pushed down


def test_training_examples_per_learner() -> None:
    turns = [{"utterance": "u", "objs": ["A: red star plain"], "action_idx": 0, "logprob": -0.5}] * 3
    labels = [1, 0, -1]
    assert [e["r"] for e in training_examples(turns, labels, "sup")] == [1.0]
    rl = training_examples(turns, labels, "rl")
    assert [e["r"] for e in rl] == [1.0, 0.0, -0.1] and all(e["mode"] == "rl" for e in rl)
    assert [e["r"] for e in training_examples(turns, labels, "kto")] == [1.0, -1.0]
    with pytest.raises(ValueError):
        training_examples(turns, labels, "dpo")


@pytest.fixture(scope="module")
def seed_student() -> tuple[Student, RespectWorld, list[dict]]:
    world = RespectWorld()
    listener, decoder = seed_data(world, 40, random.Random(0))
    student = Student.fresh(Vocab.for_world(world.lexicon), seed=0)
    fit(student, listener, decoder=decoder, cfg=FitConfig(epochs=8))
    return student, world, listener


def test_seed_data_has_gold_actions_and_annotations() -> None:
    listener, decoder = seed_data(RespectWorld(), 10, random.Random(3))
    assert listener and decoder
    assert all(e["mode"] == "nll" and 0 <= e["action"] < 10 for e in listener)
    assert {e["label"] for e in decoder} <= {-1, 0, 1} and any(e["label"] == -1 for e in decoder)
    assert any("selected last" in " ".join(e["objs"]) for e in listener)  # states after a mistake


def test_seed_training_beats_chance_and_sup_moves_the_policy(seed_student) -> None:
    import torch

    student, world, _ = seed_student
    easy = RespectWorld(synonym_rate=0.0, noise=0.0)
    games = play(student, easy, 40, random.Random(9), greedy=True)
    assert sum(g.success for g in games) / 40 > 0.3  # chance of a whole game is ~0
    turns = [t for g in games for t in g.turns][:30]
    ex = training_examples(turns, [1] * len(turns), "sup")
    before = student.listener_logprobs([t["utterance"] for t in turns], [t["objs"] for t in turns])
    tuned = student.clone()
    fit(tuned, ex, cfg=FitConfig(epochs=5))
    after = tuned.listener_logprobs([t["utterance"] for t in turns], [t["objs"] for t in turns])
    idx = torch.tensor([t["action_idx"] for t in turns])
    gain = (after.gather(1, idx[:, None]) - before.gather(1, idx[:, None])).mean()
    assert gain > 0.05


def test_play_logs_probabilities_of_the_deployed_policy(seed_student) -> None:
    import math

    student, world, _ = seed_student
    games = play(student, world, 5, random.Random(1))
    for g in games:
        assert g.turns and len(g.turns) <= world.max_turns
        for t in g.turns:
            lp = student.listener_logprobs([t["utterance"]], [t["objs"]])[0, t["action_idx"]].item()
            assert math.isclose(lp, t["logprob"], rel_tol=1e-4, abs_tol=1e-5)
            assert t["true_label"] in (-1, 0, 1) and t["next_utterance"]


def test_student_save_load_round_trip(tmp_path, seed_student) -> None:
    student, _, listener = seed_student
    student.save(tmp_path / "p")
    back = Student.load(tmp_path / "p")
    utts, objs = [e["utt"] for e in listener[:4]], [e["objs"] for e in listener[:4]]
    import torch

    assert torch.allclose(back.listener_logprobs(utts, objs), student.listener_logprobs(utts, objs))
    with pytest.raises(BabyLMError, match="student.json"):
        Student.load(tmp_path / "nothing")


# ---------------------------------------------------------------- the protocol on the driver
def _run(tmp_path, name="run", variant="binary-sup", rounds=2, teacher=None, **opts):
    ctx = open_run(tmp_path / name, protocol="respect", track=TRACK, teacher=teacher, seed=0, variant=variant,
                   options=TINY | opts)
    proto = get_protocol("respect")(ctx, **(TINY | opts))
    try:
        summary = RoundDriver(proto, tmp_path / name, rounds, progress=False).run()
    finally:
        ctx.log.close()
    return summary, ctx


def test_respect_run_logs_decodes_and_charges_every_string(tmp_path) -> None:
    summary, ctx = _run(tmp_path)
    assert len(summary["variants"]["binary-sup"]) == 2
    turns = read_episodes(tmp_path / "run" / "episodes.jsonl")
    listen = [t for t in turns if t["role"] == "listener"]
    decoded = [t for t in turns if t["role"] == "decoder"]
    assert len(decoded) == len(listen) > 0
    for t in listen:
        assert t["inputs"]["context"] and t["inputs"]["utterance"] and t["outputs"].split()[0] in ("select", "deselect")
        assert t["logprob"] <= 0 and t["policy_id"].endswith(("seed", "round0")) and t["partner"]
        assert t["outcome"]["true_label"] in (-1, 0, 1)
    assert {t["feedback"]["label"] for t in decoded} <= {-1, 1}  # binary
    assert {t["round"] for t in listen} == {0, 1}
    totals = json.loads((tmp_path / "run" / "word_ledger.json").read_text())["counts"]
    logged = recount(turns)
    assert totals["teacher_visible"] == logged["teacher_visible"] > 0
    assert totals["student_generated"] == logged["student_generated"] == 2 * len(listen)
    assert totals["corpus"] == logged["corpus"] > 0  # the seed demonstrations are logged as one turn
    seed = [t for t in turns if t["role"] == "corpus"]
    assert len(seed) == 1 and seed[0]["round"] == 0 and seed[0]["episode"] == "seed"
    rep = verify_run(tmp_path / "run")
    assert rep.ok, [c for c in rep.checks if not c.ok]
    metrics = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(0 <= m["decoder_accuracy"] <= 1 and m["games"] == TINY["games"] for m in metrics)
    assert (tmp_path / "run" / "rounds" / "1" / "policy" / "model.safetensors").is_file()
    for png in ("success.png", "decoder_accuracy.png"):
        assert (tmp_path / "run" / "plots" / png).read_bytes()[:4] == b"\x89PNG"


def test_respect_resume_after_a_crash_in_train_gives_the_same_run(tmp_path, crash_on_call) -> None:
    import babylm.tracks.interaction.protocols.respect as pr

    clean, _ = _run(tmp_path, "clean", variant="ternary-rl")
    restore = crash_on_call(pr, "fit", 3)  # seed, round 0, then crash in round 1's train
    with pytest.raises(RuntimeError, match="boom"):
        _run(tmp_path, "crashy", variant="ternary-rl")
    restore()
    resumed, _ = _run(tmp_path, "crashy", variant="ternary-rl")
    assert resumed["variants"] == clean["variants"]
    assert resumed["ledger"]["teacher_visible"] == clean["ledger"]["teacher_visible"]
    turns = read_episodes(tmp_path / "crashy" / "episodes.jsonl")
    assert len([t for t in turns if t["role"] == "listener"]) == len(
        [t for t in read_episodes(tmp_path / "clean" / "episodes.jsonl") if t["role"] == "listener"])


def test_teacher_decoder_labels_reach_training_and_failures_are_skipped(tmp_path) -> None:
    def answer(prompt: str, max_words: int) -> str:
        reply = prompt.split("reply:")[1]
        if "?" in reply or "!" in reply:
            return "unsure"
        return "negative" if any(w in reply for w in ("no", "undo", "ugh", "meant")) else "positive"

    teacher = ScriptedTeacher({"generate": answer})
    _run(tmp_path, variant="ternary-kto", teacher=teacher, decoder="teacher", rounds=1)
    turns = read_episodes(tmp_path / "run" / "episodes.jsonl")
    fb = [t["feedback"] for t in turns if t["role"] == "decoder"]
    assert fb and all(f["decoder"] == "teacher" for f in fb)
    data = json.loads((tmp_path / "run" / "rounds" / "0" / "data.json").read_text())["data"]
    assert len(data) == sum(f["label"] in (1, -1) for f in fb)  # KTO: neutral and unparsed dropped


@pytest.mark.parametrize("variant", ["binary", "ternary-dpo", "sup-binary"])
def test_unknown_variant_is_a_user_error(tmp_path, variant) -> None:
    with pytest.raises(BabyLMError, match="respect variant"):
        _run(tmp_path, variant=variant)


def test_bad_options_are_user_errors(tmp_path) -> None:
    with pytest.raises(BabyLMError, match="decoder"):
        _run(tmp_path, decoder="oracle")
    with pytest.raises(BabyLMError, match="needs a teacher"):
        _run(tmp_path, "t2", decoder="teacher")
