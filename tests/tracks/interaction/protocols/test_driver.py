"""The round driver: step order, persisted state, resume after a crash at any step, budget stops."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.accounting.episodes import read_episodes, recount
from babylm.tracks.interaction.accounting.word_ledger import BudgetExceededError
from babylm.tracks.interaction.protocols.driver import (
    STEPS,
    InteractionProtocol,
    RoundDriver,
    get_protocol,
    open_run,
    register_protocol,
)
from babylm.tracks.interaction.teachers import ScriptedTeacher
from babylm.tracks.rules import get_track

TRACK = get_track("interaction").scaled(Fraction(1, 100_000))  # budget 1000 words


class Toy(InteractionProtocol):
    """Each deploy logs 2 episodes of 10 corpus words; train 'sees' 20 words; crash where told."""

    name = "toy"

    def __init__(self, run, crash_at=None, words=10):
        super().__init__(run)
        self.crash_at = crash_at
        self.words = words
        self.calls: list[tuple[int, str]] = []

    def _maybe_crash(self, r, step):
        self.calls.append((r, step))
        if self.crash_at == (r, step):
            raise RuntimeError(f"boom at {r} {step}")

    def deploy(self, r):
        eps = []
        for e in range(2):
            d = self.run.ledger.charge_turn({"corpus": " ".join(["w"] * self.words)}, episode=e)
            self.run.log.append({"round": r, "episode": e, "turn": 0, "role": "student", "ledger": d})
            eps.append(e)
            if e == 0 and self.crash_at == (r, "deploy"):
                raise RuntimeError("boom mid-deploy")  # after one logged, charged episode
        self.calls.append((r, "deploy"))
        return eps

    def decode(self, r):
        self._maybe_crash(r, "decode")

    def aggregate(self, r):
        self._maybe_crash(r, "aggregate")
        return [{"round": r, "n": 2}]

    def train(self, r, data):
        assert data == [{"round": r, "n": 2}]
        self._maybe_crash(r, "train")
        self.run.ledger.seen(20)

    def evaluate(self, r):
        self._maybe_crash(r, "evaluate")
        return {"success": 0.1 * (r + 1)}


register_protocol("toy", lambda run, **kw: Toy(run, **kw))


def _open(tmp_path):
    return open_run(tmp_path / "run", protocol="toy", track=TRACK, teacher=ScriptedTeacher(), seed=1)


def test_runs_all_steps_and_writes_outputs(tmp_path):
    run = _open(tmp_path)
    proto = get_protocol("toy")(run)
    summary = RoundDriver(proto, run.run_dir, 3, progress=False).run()
    assert summary["variants"] == {"default": [0.1, 0.2, pytest.approx(0.3)]}
    assert summary["format"] == "babylm.interaction_summary/1" and summary["rounds"] == 3
    metrics = [json.loads(x) for x in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [m["round"] for m in metrics] == [0, 1, 2]
    state = json.loads((run.run_dir / "state.json").read_text())
    assert state["last"] == [2, "evaluate"]
    turns = read_episodes(run.run_dir / "episodes.jsonl")
    assert recount(turns)["corpus"] == run.ledger.totals()["corpus"] == 60
    assert run.ledger.words_seen == 60
    from babylm.tracks.interaction.accounting.word_ledger import verify_chain

    chain = [json.loads(x) for x in (run.run_dir / "word_ledger.jsonl").read_text().splitlines()]
    steps = [(x["round"], x["step"]) for x in chain if x["event"] == "step"]
    assert steps == [(r, s) for r in range(3) for s in STEPS] and verify_chain(run.run_dir / "word_ledger.jsonl")[0]


@pytest.mark.parametrize("step", STEPS)
def test_crash_at_any_step_resumes_at_that_step(tmp_path, step):
    run = _open(tmp_path)
    proto = Toy(run, crash_at=(1, step))
    with pytest.raises(RuntimeError, match="boom"):
        RoundDriver(proto, run.run_dir, 2, progress=False).run()
    run.log.close()
    # restart in a fresh process-like state: reopen everything
    run2 = _open(tmp_path)
    proto2 = Toy(run2)
    summary = RoundDriver(proto2, run2.run_dir, 2, progress=False).run()
    # round 0 is not redone; round 1 restarts at the crashed step
    assert proto2.calls[0] == (1, step)
    assert all(r == 1 for r, _ in proto2.calls)
    assert summary["variants"]["default"] == [0.1, 0.2]
    turns = read_episodes(run2.run_dir / "episodes.jsonl")
    assert len(turns) == 4  # the crashed deploy's partial episode was rolled back
    assert recount(turns)["corpus"] == run2.ledger.totals()["corpus"] == 40
    assert run2.ledger.words_seen == 40


def test_crash_in_first_step_restarts_clean(tmp_path):
    run = _open(tmp_path)
    with pytest.raises(RuntimeError):
        RoundDriver(Toy(run, crash_at=(0, "deploy")), run.run_dir, 1, progress=False).run()
    run.log.close()
    run2 = _open(tmp_path)
    RoundDriver(Toy(run2), run2.run_dir, 1, progress=False).run()
    assert run2.ledger.totals()["corpus"] == 20 == recount(read_episodes(run2.run_dir / "episodes.jsonl"))["corpus"]


def test_budget_stop_is_clean_and_sticky(tmp_path):
    run = _open(tmp_path)
    proto = Toy(run, words=300)  # 600 words per round; budget 1000
    with pytest.raises(BudgetExceededError, match="input budget"):
        RoundDriver(proto, run.run_dir, 3, progress=False).run()
    state = json.loads((run.run_dir / "state.json").read_text())
    assert state["stopped"]["round"] == 1 and state["stopped"]["cap"] == "input_budget"
    turns = read_episodes(run.run_dir / "episodes.jsonl")
    assert len(turns) == 3 and recount(turns)["corpus"] == run.ledger.totals()["corpus"] == 900
    assert json.loads((run.run_dir / "summary.json").read_text())["variants"]["default"] == [0.1]
    run.log.close()
    run2 = _open(tmp_path)
    with pytest.raises(BabyLMError, match="stopped at round 1"):
        RoundDriver(Toy(run2), run2.run_dir, 3, progress=False).run()


def test_reopen_with_other_settings_refused(tmp_path):
    _open(tmp_path).log.close()
    with pytest.raises(BabyLMError, match="different interaction run"):
        open_run(tmp_path / "run", protocol="toy", track=TRACK, teacher=ScriptedTeacher(), seed=2)


def test_refuses_a_non_empty_foreign_folder(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "ledger.jsonl").write_text("{}\n")
    with pytest.raises(BabyLMError, match="not empty"):
        _open(tmp_path)
    assert (tmp_path / "run" / "ledger.jsonl").read_text() == "{}\n"


def test_unknown_protocol_and_bad_rounds(tmp_path):
    with pytest.raises(BabyLMError, match="unknown interaction protocol"):
        get_protocol("nope")
    run = _open(tmp_path)
    with pytest.raises(BabyLMError, match="rounds"):
        RoundDriver(Toy(run), run.run_dir, 0)


def test_teacher_not_allowed(tmp_path):
    t = ScriptedTeacher(model_id="gpt-4")
    t.n_params = None
    with pytest.raises(BabyLMError, match="not allowed.*Llama-3.1-8B-Instruct"):
        open_run(tmp_path / "r", protocol="toy", track=TRACK, teacher=t)
