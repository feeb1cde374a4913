"""CoGen: joint inference, data sharing, the four treatments on the driver, ledger charges."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.accounting.episodes import read_episodes, recount
from babylm.tracks.interaction.accounting.verify import verify_run
from babylm.tracks.interaction.games.cogen import (
    CogenWorld,
    joint_listener_logprobs,
    play_listener,
    play_speaker,
    seed_data,
    training_examples,
)
from babylm.tracks.interaction.protocols.driver import RoundDriver, get_protocol, open_run
from babylm.tracks.interaction.students.learning import FitConfig, fit
from babylm.tracks.interaction.students.refgame import Student, Vocab
from babylm.tracks.rules import get_track

TRACK = get_track("interaction").scaled(Fraction(1, 1000))
TINY = {"games": 6, "seed_examples": 20, "epochs": 2, "n_candidates": 4}


@pytest.fixture(scope="module")
def trained() -> tuple[Student, CogenWorld]:
    world = CogenWorld()
    lis, spk = seed_data(world, 40, random.Random(0))
    student = Student.fresh(Vocab.for_world(world.lexicon), seed=0)
    fit(student, lis, speaker=spk, cfg=FitConfig(epochs=4))
    return student, world


def test_seed_speaker_data_is_partly_careless() -> None:
    from babylm.tracks.interaction.games.world import DEFAULT_LEXICON, parse_description

    _, careless = seed_data(CogenWorld(careless_rate=1.0), 30, random.Random(1))
    assert all(len(parse_description(e["utt"], DEFAULT_LEXICON)) == 1 for e in careless)
    _, careful = seed_data(CogenWorld(careless_rate=0.0), 30, random.Random(1))
    assert sum(len(parse_description(e["utt"], DEFAULT_LEXICON)) for e in careful) > 30


def test_joint_inference_is_a_normalised_mixture(trained) -> None:
    import torch

    student, world = trained
    games = play_listener(student, world, 5, random.Random(2), joint_inference=False)
    utts, lines = [g["utt"] for g in games], [g["objs"] for g in games]
    joint = joint_listener_logprobs(student, utts, lines, 0.5)
    assert torch.allclose(joint.exp().sum(-1), torch.ones(5), atol=1e-5)
    only_l = joint_listener_logprobs(student, utts, lines, 1.0)
    assert torch.allclose(only_l, student.listener_logprobs(utts, lines), atol=1e-5)
    assert not torch.allclose(joint, only_l)


def test_joint_inference_speaker_keeps_the_candidate_its_listener_likes_best(trained) -> None:
    student, world = trained
    games = play_speaker(student, world, 6, random.Random(3), joint_inference=True)
    for g in games:
        assert len(g["candidates"]) == world.n_candidates and g["utt"] in g["candidates"]
        scores = student.listener_logprobs(g["candidates"], [g["objs"]] * len(g["candidates"]))[:, g["target"]]
        scores = scores.detach()
        assert scores[g["candidates"].index(g["utt"])] == pytest.approx(scores.max().item(), abs=1e-5)
        assert g["reward"] in (1, -1) and g["logprob"] <= 0
    plain = play_speaker(student, world, 6, random.Random(3), joint_inference=False)
    assert all(g["candidates"] is None for g in plain)


def test_data_sharing_moves_only_successes_across_roles() -> None:
    spk = [{"objs": ["A: red star plain"], "target": 0, "utt": "the red one", "pick": 0, "reward": 1, "logprob": -1},
           {"objs": ["A: red star plain"], "target": 0, "utt": "the one", "pick": 1, "reward": -1, "logprob": -2}]
    lis = [{"objs": ["A: red star plain"], "target": 0, "utt": "the crimson one", "pick": 0, "reward": 1,
            "logprob": -0.1},
           {"objs": ["A: red star plain"], "target": 0, "utt": "the box", "pick": 1, "reward": -1, "logprob": -0.3}]
    l_ds, s_ds = training_examples(spk, lis, data_sharing=True)
    l_no, s_no = training_examples(spk, lis, data_sharing=False)
    assert len(l_no) == 2 and len(s_no) == 2
    assert len(l_ds) == 3 and len(s_ds) == 3
    shared_l = [e for e in l_ds if e["logp_dep"] is None]
    shared_s = [e for e in s_ds if e["logp_dep"] is None]
    assert [e["utt"] for e in shared_l] == ["the red one"] and [e["utt"] for e in shared_s] == ["the crimson one"]
    assert all(e["mode"] == "cogen" for e in l_ds + s_ds)


def _run(tmp_path, variant, rounds=2, name="run"):
    ctx = open_run(tmp_path / name, protocol="cogen", track=TRACK, teacher=None, seed=0, variant=variant,
                   options=TINY)
    proto = get_protocol("cogen")(ctx, **TINY)
    try:
        return RoundDriver(proto, tmp_path / name, rounds, progress=False).run()
    finally:
        ctx.log.close()


@pytest.mark.parametrize(("variant", "ji"), [("full", True), ("no-ji", False)])
def test_cogen_run_logs_both_roles_and_charges_generated_words(tmp_path, variant, ji) -> None:
    summary = _run(tmp_path, variant)
    assert set(summary["variants"]) == {f"{variant}/generation", f"{variant}/comprehension"}
    assert all(len(v) == 2 for v in summary["variants"].values())
    turns = read_episodes(tmp_path / "run" / "episodes.jsonl")
    speak = [t for t in turns if t["role"] == "speaker"]
    listen = [t for t in turns if t["role"] == "listener"]
    assert len(speak) == len(listen) == 2 * TINY["games"]
    assert all(t["outcome"]["reward"] in (1, -1) and t["policy_id"] for t in speak + listen)
    cands = [t["extra"]["candidates"] for t in speak]
    assert all((c is not None and len(c) == TINY["n_candidates"]) == ji for c in cands)
    counts = json.loads((tmp_path / "run" / "word_ledger.json").read_text())["counts"]
    logged = recount(turns)
    assert counts["student_generated"] == logged["student_generated"]
    assert counts["corpus"] == logged["corpus"] > 0  # the seed demonstrations are logged as one turn
    rep = verify_run(tmp_path / "run")
    assert rep.ok, [c for c in rep.checks if not c.ok]
    generated = sum(len(u.split()) for c, t in zip(cands, speak, strict=True) for u in (c or [t["outputs"]]))
    assert counts["student_generated"] == generated + 2 * len(listen)
    data = json.loads((tmp_path / "run" / "rounds" / "1" / "data.json").read_text())["data"]
    assert len(data["speaker"]) >= 4 * TINY["games"] // 2  # two rounds of speaker turns (+ shared)
    assert (tmp_path / "run" / "plots" / "comprehension.png").read_bytes()[:4] == b"\x89PNG"


def test_unknown_treatment_is_a_user_error(tmp_path) -> None:
    with pytest.raises(BabyLMError, match="cogen variant"):
        _run(tmp_path, "no-everything")


def test_cli_runs_cogen_and_reports_json(tmp_path, run_cli) -> None:
    res = run_cli("interact", "run", "--protocol", "cogen", "--rounds", "1", "--out", tmp_path / "c", "--track",
                  "interaction", "--scale", "1/1000", "--variant", "baseline", "--option", "games=4",
                  "--option", "seed_examples=10", "--option", "epochs=1", "--json")
    assert res.code == 0, res.output
    report = json.loads(res.stdout)
    assert set(report["variants"]) == {"baseline/generation", "baseline/comprehension"}
    bad = run_cli("interact", "run", "--protocol", "cogen", "--rounds", "1", "--out", tmp_path / "d", "--track",
                  "interaction", "--scale", "1/1000", "--variant", "half")
    assert bad.code == 2 and "Traceback" not in bad.output


@pytest.mark.slow  # the respect resume test covers the shared machinery in the fast subset
def test_cogen_resume_after_a_crash_in_deploy_gives_the_same_run(tmp_path, crash_on_call) -> None:
    import babylm.tracks.interaction.protocols.cogen as pc

    clean = _run(tmp_path, "no-ds", name="clean")
    restore = crash_on_call(pc, "play_listener", 2)  # round 1's deploy, after its speaker games were played
    with pytest.raises(RuntimeError, match="boom"):
        _run(tmp_path, "no-ds", name="crashy")
    restore()
    resumed = _run(tmp_path, "no-ds", name="crashy")
    assert resumed["variants"] == clean["variants"]
    assert resumed["ledger"]["student_generated"] == clean["ledger"]["student_generated"]
