"""simpo end to end on CPU: two rounds with a tiny student and a tiny local teacher; budget stops."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import pytest

from babylm.tracks.interaction.accounting.episodes import read_episodes
from babylm.tracks.interaction.accounting.word_ledger import BudgetExceededError
from babylm.tracks.interaction.protocols.driver import RoundDriver, get_protocol, open_run
from babylm.tracks.interaction.protocols.simpo import simpo_loss
from babylm.tracks.interaction.teachers import LocalHFTeacher, ScriptedTeacher
from babylm.tracks.rules import get_track

TRACK = get_track("interaction").scaled(Fraction(1, 10_000))  # budget 10,000 words; checkpoints every 100 seen
SMALL = {"windows_per_round": 4, "corpus_words": 1500, "lm_epochs": 1, "simpo_epochs": 1}


def _run(out, track, teacher, **opts):
    options = SMALL | opts
    run = open_run(out, protocol="simpo", track=track, teacher=teacher, seed=0, options=options, n_rounds=2)
    proto = get_protocol("simpo")(run, **options)
    return run, RoundDriver(proto, out, 2, progress=False)


def _recount(turns):
    """Independent recount: re-split the logged texts the student saw or wrote."""
    out = {"corpus": 0, "teacher_visible": 0, "student_generated": 0}
    for t in turns:
        out["corpus"] += len(t["inputs"]["context"].split())
        out["teacher_visible"] += len(t["teacher"].split())
        out["student_generated"] += len(t["outputs"].split())
    return out


def test_simpo_loss_prefers_winner():
    import torch

    w = torch.tensor([-1.0, -1.0], requires_grad=True)
    lo = torch.tensor([-1.0, -3.0])
    loss = simpo_loss(w, lo, beta=2.0, gamma=1.0)
    # pair 0: margin 0 - gamma = -1 -> -logsig(-1) = 1.3133; pair 1: 4 - 1 = 3 -> 0.0486
    assert float(loss.detach()) == pytest.approx((1.31326 + 0.04859) / 2, abs=1e-4)
    loss.backward()
    assert (w.grad < 0).all()  # raising the winner's log-prob lowers the loss


def test_two_rounds_local_teacher_ledger_matches_recount(tmp_path, tiny_teacher_dir):
    teacher = LocalHFTeacher(tiny_teacher_dir)
    run, driver = _run(tmp_path / "run", TRACK, teacher, lm_epochs=3)
    summary = driver.run()
    assert summary["rounds"] == 2 and len(summary["variants"]["default"]) == 2
    turns = read_episodes(tmp_path / "run" / "episodes.jsonl")
    assert [t["round"] for t in turns] == [0] * 4 + [1] * 4
    assert {t["policy_id"] for t in turns if t["round"] == 1} == {"round0"}
    assert all(isinstance(t["logprob"], float) and t["logprob"] < 0 for t in turns)
    ledger = json.loads((tmp_path / "run" / "word_ledger.json").read_text())["counts"]
    recount = _recount(turns)
    for src, n in recount.items():
        assert ledger[src] == n > 0, src
    assert ledger["hidden_prompt"] == 0
    assert summary["ledger"]["input"] == recount["corpus"] + recount["teacher_visible"]
    # checkpoints at words-seen milestones, loadable offline
    from transformers import AutoModelForCausalLM

    names = summary["ledger"]["checkpoints"]
    assert names and names[0] == "chck_1M"
    meta = json.loads((tmp_path / "run" / names[0] / "babylm_checkpoint.json").read_text())
    assert meta["words_seen"] >= 100 and meta["nominal_words"] == 1_000_000
    AutoModelForCausalLM.from_pretrained(tmp_path / "run" / names[0])
    # the training ledger (tracks/ledger.py format) verifies, checkpoints included
    from babylm.tracks.ledger import verify_ledger

    rep = verify_ledger(tmp_path / "run")
    assert rep.ok and rep.complete and not rep.errors, rep.errors
    assert list(rep.checkpoints) == names and rep.words == summary["ledger"]["words_seen"]
    assert meta["ledger_hash"] and meta["train_flops"] > 0
    # run.json in the training-run shape (what `babylm submission init` reads) and the data manifest
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["format"] == "babylm.run/1" and info["track"] == "interaction" and info["status"] == "completed"
    assert info["teacher"] == {"model_id": teacher.model_id, "n_params": teacher.n_params,
                               "words": recount["teacher_visible"]}
    from babylm.tracks.manifest import verify_manifest

    assert verify_manifest(tmp_path / "run" / "data_manifest.json").ok
    metrics = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    kept = [t for t in turns if t["round"] == 1 and t["outcome"]["pair"] == "kept"]
    assert metrics[1]["n_pairs"] == len(kept) > 0 and 0.0 <= metrics[1]["pref_acc"] <= 1.0


def _assert_stopped_cleanly(out, cap):
    state = json.loads((out / "state.json").read_text())
    assert state["stopped"]["cap"] == cap
    turns = read_episodes(out / "episodes.jsonl")
    ledger = json.loads((out / "word_ledger.json").read_text())["counts"]
    assert _recount(turns) == {k: ledger[k] for k in ("corpus", "teacher_visible", "student_generated")}
    return state, turns


def _run_until_stopped(out, cap, match, **rules):
    """Run simpo on TRACK with `rules` changed until `cap` stops it; (state, turns) as it stopped."""
    run, driver = _run(out, dataclasses.replace(TRACK, **rules), ScriptedTeacher())
    with pytest.raises(BudgetExceededError, match=match):
        driver.run()
    return _assert_stopped_cleanly(out, cap)


def test_input_budget_stop_keeps_log_and_checkpoints(tmp_path):
    # round 0 reads ~45 input words and trains on ~100+ (chck_1M at 100 words seen); round 1 crosses 60
    state, turns = _run_until_stopped(tmp_path / "run", "input_budget", "input budget", word_budget=60)
    assert state["stopped"]["round"] == 1 and state["stopped"]["step"] == "deploy"
    assert {t["round"] for t in turns} == {0, 1}
    assert (tmp_path / "run" / "chck_1M" / "model.safetensors").is_file()
    from babylm.tracks.ledger import verify_ledger

    rep = verify_ledger(tmp_path / "run")
    assert rep.ok and rep.complete and rep.status == "stopped_at_input_budget" and "chck_1M" in rep.checkpoints
    assert json.loads((tmp_path / "run" / "word_ledger.json").read_text())["counts"]["corpus"] <= 60


def test_generation_cap_stop(tmp_path):
    state, turns = _run_until_stopped(tmp_path / "run", "generation_cap", "generation cap",
                                      student_generation_cap=12)
    assert sum(len(t["outputs"].split()) for t in turns) <= 12


@pytest.mark.parametrize("step", ["deploy", "train", "evaluate"])
def test_crash_and_resume_reloads_the_right_policy(tmp_path, monkeypatch, step):
    from babylm.tracks.interaction.protocols.simpo import SimPOProtocol

    real = getattr(SimPOProtocol, step)
    crashed = {"done": False}

    def flaky(self, round_, *args):
        out = real(self, round_, *args)
        if round_ == 1 and not crashed["done"]:
            crashed["done"] = True
            raise RuntimeError("power cut")
        return out

    monkeypatch.setattr(SimPOProtocol, step, flaky)
    out = tmp_path / "run"
    run, driver = _run(out, TRACK, ScriptedTeacher())
    with pytest.raises(RuntimeError, match="power cut"):
        driver.run()
    run.log.close()
    run2, driver2 = _run(out, TRACK, ScriptedTeacher())
    summary = driver2.run()
    assert summary["rounds"] == 2
    turns = read_episodes(out / "episodes.jsonl")
    assert [t["round"] for t in turns] == [0] * 4 + [1] * 4
    assert {t["policy_id"] for t in turns if t["round"] == 1} == {"round0"}
    ledger = json.loads((out / "word_ledger.json").read_text())["counts"]
    assert _recount(turns) == {k: ledger[k] for k in ("corpus", "teacher_visible", "student_generated")}
    assert (out / "rounds" / "1" / "policy" / "config.json").is_file()
    from babylm.tracks.ledger import verify_ledger

    rep = verify_ledger(out)
    assert rep.ok and rep.complete, rep.errors
    assert rep.words == json.loads((out / "word_ledger.json").read_text())["words_seen"]
    assert sorted(p.name for p in out.glob("chck_*")) == sorted(rep.checkpoints)


def test_completion_logprobs_fit_the_model_context():
    import torch

    from babylm.tracks.interaction.students.policy import completion_logprobs, tiny_gpt2, train_tokenizer

    torch.set_num_threads(1)
    tok = train_tokenizer("the dog runs . the cat sleeps .\n" * 20, vocab_size=280)
    model = tiny_gpt2(tok, n_layer=1, n_embd=32, n_positions=16)
    prompt, short, long = list(range(5, 25)), [5, 6, 7], list(range(5, 45))
    lp, n = completion_logprobs(model, [prompt, prompt], [short, long], tok.pad_token_id)
    assert n.tolist() == [3.0, 15.0] and torch.isfinite(lp).all()


def test_no_feedback_control_and_bad_variant(tmp_path):
    from babylm.errors import BabyLMError

    options = SMALL | {"lm_epochs": 1}
    run = open_run(tmp_path / "nf", protocol="simpo", track=TRACK, teacher=ScriptedTeacher(), variant="no-feedback",
                   options=options, n_rounds=2)
    summary = RoundDriver(get_protocol("simpo")(run, **options), tmp_path / "nf", 2, progress=False).run()
    curve = summary["variants"]["no-feedback"]
    assert len(curve) == 2 and all(0 < x < 1 for x in curve)
    led = summary["ledger"]
    assert led["corpus"] > 0 and led["teacher_visible"] == 0 and led["student_generated"] == 0
    turns = read_episodes(tmp_path / "nf" / "episodes.jsonl")
    assert sum(len(t["inputs"]["context"].split()) for t in turns) == led["corpus"]
    bad = open_run(tmp_path / "bad", protocol="simpo", track=TRACK, teacher=ScriptedTeacher(), variant="dpo")
    with pytest.raises(BabyLMError, match="unknown simpo variant"):
        get_protocol("simpo")(bad)
