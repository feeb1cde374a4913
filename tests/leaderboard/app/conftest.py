"""A small hand-made store for the app tests: a complete real entry, an incomplete one with higher
scores, a SCALED and a SYNTHETIC entry, an unscored one with training FLOPs, a team name that is a
Markdown link, an entry scored on the demo task, the only `mlm` entry (flagged), and a busier interaction board of the same edition."""

from __future__ import annotations

from pathlib import Path

import pytest

EVIL_TEAM = "[Official BabyLM baseline](https://evil.example)"
CHECKPOINTS = (("chck_1M", 1_000_000), ("chck_10M", 10_000_000))


def _metric(task: str) -> str:
    from babylm.leaderboard.board_tasks import primary_metric

    return primary_metric(task) or "accuracy"


def _rows(sid: str, tasks: dict[str, float], *, interval: bool = True) -> list:
    from babylm.leaderboard.store import ScoreRow

    out = []
    for ck, _words in CHECKPOINTS:
        for task, v in tasks.items():
            if interval:  # sub-task rows: the bootstrap has something to resample
                out += [ScoreRow(submission_id=sid, checkpoint=ck, task=task, subtask=f"s{k}", metric=_metric(task),
                                 value=v + 0.02 * (k - 1)) for k in range(3)]
            out.append(ScoreRow(submission_id=sid, checkpoint=ck, task=task, metric=_metric(task), value=v))
    return out


def _full(level: float) -> dict[str, float]:
    from babylm.tracks.rules import TEXT_TASKS

    out = {t: level for t in TEXT_TASKS.linguistic}
    out |= {t: level * (100 if t == "reading" else 0.5) for t in TEXT_TASKS.human_likeness}
    return out


def _entry(s: object, sid: str, team: str, *, track: str = "strict-small", meta: dict | None = None,
           synthetic: bool = False, flops: float | None = 1e15, backend: str = "causal") -> None:
    s.upsert_submission(submission_id=sid, team=team, model="m", edition=2025, track=track, backend=backend,
                        n_params=10_000_000, train_flops=flops, words_seen=10_000_000, meta=meta, synthetic=synthetic)
    for ck, words in CHECKPOINTS:
        s.upsert_checkpoint(submission_id=sid, name=ck, words_seen=words, train_flops=flops,
                            content_hash=f"{sid}-{ck}")


@pytest.fixture(scope="session")
def honest_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from babylm.leaderboard.store import Store

    path = tmp_path_factory.mktemp("lbapp") / "honest.sqlite"
    s = Store(path)
    _entry(s, "real", "Real Team")
    s.add_scores(_rows("real", _full(0.6)))
    _entry(s, "partial", "Partial Team")  # higher scores, but only two tasks
    s.add_scores(_rows("partial", {"blimp": 0.95, "ewok": 0.95}))
    _entry(s, "evil", EVIL_TEAM)
    s.add_scores(_rows("evil", _full(0.5), interval=False))  # no sub-task rows: no interval
    _entry(s, "scaled", "Scaled Team", meta={"scale": "1/100"})
    s.add_scores(_rows("scaled", _full(0.9)))
    _entry(s, "synth", "Synth Team", synthetic=True)
    s.add_scores(_rows("synth", _full(0.8)))
    _entry(s, "nothing", "Unscored Team", flops=1e13)
    _entry(s, "demo", "Demo Team")
    s.add_scores(_rows("demo", {"demo": 0.7}))
    _entry(s, "flagged", "Flagged Team", backend="mlm")  # the only mlm entry, hidden: filtering on mlm is empty
    s.add_scores(_rows("flagged", _full(0.7)))
    s.add_flag(submission_id="flagged", reason="over the exposure cap", by="organizers")
    for k in range(8):  # a busier board than strict-small: the app must still open on the main track
        _entry(s, f"inter-{k}", f"Inter {k}", track="interaction")
        s.add_scores(_rows(f"inter-{k}", {"blimp": 0.5}))
    s.close()
    return f"sqlite:///{path}"


@pytest.fixture()
def app_store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.sqlite'}"
