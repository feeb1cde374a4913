"""reinforce end to end: rubric scores, explicit parse failures skipped from the update, word accounting."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from babylm.tracks.interaction.accounting.episodes import read_episodes
from babylm.tracks.interaction.protocols.driver import RoundDriver, get_protocol, open_run
from babylm.tracks.interaction.protocols.reinforce import reinforce_loss
from babylm.tracks.interaction.teachers import ScriptedTeacher
from babylm.tracks.rules import get_track

TRACK = get_track("interaction").scaled(Fraction(1, 10_000))
OPTS = {"episodes_per_round": 6, "corpus_words": 1500}


def _flaky_scorer():
    calls = {"n": 0}

    def score(context, text, rubric):
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            return "What a lovely story!"  # no rubric numbers: must be a logged parse failure
        lvl = min(3, len(text.split()) // 2)
        return "\n".join(f"{name}: {lvl}" for name in rubric)

    return score


def test_loss_gradient_direction():
    import torch

    from babylm.tracks.interaction.students.policy import completion_logprobs, tiny_gpt2, train_tokenizer

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tok = train_tokenizer("the dog runs . the cat sleeps .\n" * 20, vocab_size=280)
    model = tiny_gpt2(tok, n_layer=1, n_embd=32)
    p, good, bad = tok("the").input_ids, tok(" dog runs").input_ids, tok(" cat sleeps").input_ids

    def lps():
        with torch.no_grad():
            lp, _ = completion_logprobs(model, [p, p], [good, bad], tok.pad_token_id)
        return lp

    before = lps()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        lp, _ = completion_logprobs(model, [p, p], [good, bad], tok.pad_token_id)
        loss = reinforce_loss(lp, torch.tensor([1.0, 0.0]), baseline=0.5)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = lps()
    assert after[0] > before[0] and after[1] < before[1]


@pytest.mark.parametrize("rewards_as_words", [False, True])
def test_two_rounds_with_parse_failures(tmp_path, rewards_as_words):
    out = tmp_path / "run"
    teacher = ScriptedTeacher({"score": _flaky_scorer()})
    run = open_run(out, protocol="reinforce", track=TRACK, teacher=teacher, rewards_as_words=rewards_as_words,
                   options=OPTS, n_rounds=2)
    summary = RoundDriver(get_protocol("reinforce")(run, **OPTS), out, 2, progress=False).run()
    turns = read_episodes(out / "episodes.jsonl")
    assert len(turns) == 12
    failed = [t for t in turns if "parse_error" in t["outcome"]]
    assert len(failed) == 4 and all(t["outcome"]["reward"] is None for t in failed)
    assert all(t["teacher"] == "What a lovely story!" for t in failed)
    scored = [t for t in turns if t["outcome"]["reward"] is not None]
    assert all(0.0 <= t["outcome"]["reward"] <= 1.0 for t in scored)
    data0 = json.loads((out / "rounds" / "0" / "data.json").read_text())["data"]
    assert len(data0) == 4  # the two parse failures of round 0 are not in the update
    metrics = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["parse_failures"] for m in metrics] == [2, 2] and [m["n_scored"] for m in metrics] == [4, 4]
    assert summary["variants"]["default"][0] == pytest.approx(
        sum(t["outcome"]["reward"] for t in scored if t["round"] == 0) / 4)
    # ledger = independent recount of the logged texts
    counts = json.loads((out / "word_ledger.json").read_text())["counts"]
    assert counts["corpus"] == sum(len(t["inputs"]["prompt"].split()) for t in turns)
    assert counts["student_generated"] == sum(len(t["outputs"].split()) for t in turns)
    reward_words = sum(len(t["teacher"].split()) for t in turns)
    assert counts["reward"] == (reward_words if rewards_as_words else 0)
    assert summary["ledger"]["input"] == counts["corpus"] + counts["reward"]


@pytest.mark.slow
def test_reinforce_raises_a_rubric_reward(tmp_path):
    """A briefly pre-trained student, a scripted rubric that rewards lexicon words: reward goes up."""
    import torch

    from babylm.tracks.demo_corpus import LEXICON
    from babylm.tracks.interaction.students.policy import build_tiny_teacher

    torch.set_num_threads(1)
    vocab = {w.lower().strip(".!?,") for v in LEXICON.values() for x in v for w in x.split()}

    def score(ctx, text, rubric):
        ws = [w.lower().strip(".!?,") for w in text.split()]
        lvl = round(3 * sum(w in vocab for w in ws) / max(1, len(ws)))
        return "\n".join(f"{n}: {lvl}" for n in rubric)

    student = build_tiny_teacher(tmp_path / "student", n_words=20_000, steps=300, seed=5)
    opts = {"student": str(student), "episodes_per_round": 32, "corpus_words": 20_000, "lr": 3e-3, "epochs": 2}
    track = get_track("interaction").scaled(Fraction(1, 1000))
    run = open_run(tmp_path / "run", protocol="reinforce", track=track, teacher=ScriptedTeacher({"score": score}),
                   options=opts, n_rounds=6)
    rewards = RoundDriver(get_protocol("reinforce")(run, **opts), tmp_path / "run", 6, progress=False).run()
    curve = rewards["variants"]["default"]
    assert curve[-1] > curve[0] + 0.2, curve
