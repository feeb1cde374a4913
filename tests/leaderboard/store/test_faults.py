"""Concurrency and faults on SQLite and PostgreSQL: 4 processes writing overlapping rows lose and
duplicate nothing; a PostgreSQL restart mid-run is retried with backoff; a server that stays down ends
in a clear error, and the same writes resume once it is back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from pg_server import PgServer

from babylm.errors import BabyLMError
from babylm.leaderboard.store import ScoreRow, Store

_WRITER = textwrap.dedent(
    """
    import sys
    from babylm.leaderboard.store import Store, ScoreRow
    url, me, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = Store(url)
    total = 0
    for k in range(batches):
        sid = f"s{k % 4}"
        s.upsert_submission(submission_id=sid, team="t", model="m", edition=2025, track="strict-small",
                            backend="causal", meta={"k": sid})
        s.upsert_checkpoint(submission_id=sid, name=f"chck_{k % 5 + 1}M", words_seen=k % 5 + 1,
                            train_flops=None, content_hash=None)
        # every writer writes the same keys (overlap, in its own order) plus a few of its own
        tasks = [f"t{j}" for j in range(10)]
        tasks = tasks[me:] + tasks[:me]
        rows = [ScoreRow(submission_id=sid, checkpoint=f"chck_{k % 5 + 1}M", task=t, metric="acc",
                         value=0.5) for t in tasks]
        rows.append(ScoreRow(submission_id=sid, checkpoint=f"chck_{k % 5 + 1}M", task=f"own{me}",
                             subtask=str(k), metric="acc", value=0.1))
        total += s.add_scores(rows)
        s.add_flag(submission_id=sid, reason="shared", by=f"w{me}")
        print("batch", k, flush=True)
    print("inserted", total, flush=True)
    """
)


def _writer(url: str, me: int, batches: int = 20) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WRITER, url, str(me), str(batches)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _inserted(out: str) -> int:
    return int(out.strip().splitlines()[-1].split()[-1])


def _expected(writers: int, batches: int) -> dict[str, int]:
    """4 submissions x 5 checkpoints; shared keys: 10 tasks per checkpoint; own keys: 1 row per batch."""
    return {"submissions": 4, "checkpoints": 20, "scores": 4 * 5 * 10 + writers * batches, "flags": 4}


def test_four_concurrent_writers_lose_and_duplicate_nothing(store_url: str) -> None:
    # the store is not created beforehand: the writers race to create (migrate) it too
    procs = [_writer(store_url, i) for i in range(4)]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    s = Store(store_url)
    c = s.counts()
    want = _expected(4, 20)
    assert {k: c[k] for k in want} == want
    assert sum(_inserted(out) for out, _ in outs) == want["scores"]  # each row inserted by exactly one
    assert c["latest"] == 4 * (10 + 4 * 5)  # per submission: 10 shared tasks + 4 writers x 5 own rows
    assert s.revision() is not None


def test_a_postgresql_restart_mid_run_is_retried(pg_server: PgServer | None, pg_database: str) -> None:
    if pg_server is None:
        pytest.skip("BABYLM_TEST_PG_URL names a server this test cannot restart")
    Store(pg_database).close()
    proc = _writer(pg_database, 0, batches=200)
    try:
        assert proc.stdout is not None
        for _ in range(3):  # some batches in: the writer's pool holds live connections
            assert proc.stdout.readline().startswith("batch")
        pg_server.restart()
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "retrying (1/" in err  # the restart was seen, and outlived
    c = Store(pg_database).counts()
    want = _expected(1, 200)
    assert {k: c[k] for k in want} == want


def test_a_server_that_stays_down_is_a_clear_error_and_the_run_resumes(pg_server: PgServer | None,
                                                                    pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if pg_server is None:
        pytest.skip("BABYLM_TEST_PG_URL names a server this test cannot stop")
    s = Store(pg_database)
    s.upsert_submission(submission_id="s1", team="t", model="m", edition=2025, track="strict-small",
                        backend="causal")
    rows = [ScoreRow(submission_id="s1", checkpoint="chck_1M", task=f"t{j}", metric="acc", value=0.5)
            for j in range(5)]
    monkeypatch.setattr(Store, "pg_tries", 4)
    monkeypatch.setattr(Store, "retry_base_s", 0.05)
    pg_server.stop_server()
    try:
        t0 = time.monotonic()
        with pytest.raises(BabyLMError, match="could not be reached after 4 tries") as err:
            s.add_scores(rows)
        assert time.monotonic() - t0 < 30  # bounded
        assert "run the command again" in err.value.hint
    finally:
        pg_server.start_server()
    assert s.add_scores(rows) == 5  # nothing went in while down; the same call now does it all
    assert s.add_scores(rows) == 0 and s.counts()["scores"] == 5
