"""Organizer scoring under faults, on SQLite and on a real PostgreSQL server (`store_url`): 4 concurrent
scorers over overlapping bundles, kill -9 then a re-run, the database server stopped mid-run (retried
with backoff; or, past the retries, a clear stop and a resume), a full disk, and per-job deadlines and
memory limits. Each run is `babylm submission score` in a child process, compared with an
uninterrupted run into a second store of the same kind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pg_server as pgs
import pytest
from ops_scoring import SLOW, dump, env, run_score, same_kind_store, score_cmd, score_rows, wait_for_rows
from submission_factory import copy_bundle_as

from babylm.leaderboard.store import Store
from babylm.submissions.score import score_bundle

pg_server, pg_url, pg_database, store_url = pgs.pg_server, pgs.pg_url, pgs.pg_database, pgs.store_url  # fixtures
TOY = ["submission_factory:register_toy_task"]
ROWS_PER_BUNDLE = 18  # 3 checkpoints x (gold + reeval) x (task + 2 sub-tasks)


@pytest.fixture
def reference(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty store of the same kind as `store_url`, for the uninterrupted run."""
    url, cleanup = same_kind_store(store_url, tmp_path, "ref")
    yield url
    cleanup()


def _clean_run(bundles: list[Path], gold: Path, url: str) -> dict:
    for b in bundles:
        score_bundle(b, url, gold=gold, allow_scaled=True, sample=3, load=False, plugins=TOY, progress=False)
    return dump(url)


def _diff(got: dict, ref: dict) -> str:
    out = []
    for table in ref:
        for a, b in zip(got.get(table, []), ref[table], strict=False):
            out += [f"{table}[{i}]: {x!r:.300} != {y!r:.300}" for i, (x, y) in enumerate(zip(a, b, strict=False))
                    if x != y]
        if len(got.get(table, [])) != len(ref[table]):
            out.append(f"{table}: {len(got.get(table, []))} rows, expected {len(ref[table])}")
    return "\n".join(out[:20])


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text, text[-3000:]


def test_four_concurrent_scorers_overlapping_bundles(built: tuple[Path, Path], tmp_path: Path, store_url: str,
                                                     reference: str) -> None:
    bundle, gold = built
    other = copy_bundle_as(bundle, tmp_path / "other", team="Other Team")
    ref = _clean_run([bundle, other], gold, reference)
    Store(store_url).close()  # the organizer opens (creates) the store once
    # every scorer gets both bundles, in different orders: each job is raced by all four
    orders = [[bundle, other], [other, bundle], [bundle, other], [other, bundle]]
    procs = [subprocess.Popen(score_cmd(o, store_url, gold), env=env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for o in orders]
    outs = [p.communicate(timeout=400) for p in procs]
    inserted = 0
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        _no_traceback(err)
        docs = json.loads(out)
        assert all(d["failures"] == [] for d in docs)
        inserted += sum(d["rows_inserted"] for d in docs)
    assert inserted == 2 * ROWS_PER_BUNDLE  # each row inserted by exactly one scorer
    assert dump(store_url) == ref
    assert Store(store_url).counts()["scores"] == 2 * ROWS_PER_BUNDLE


def test_kill9_mid_run_then_rerun_equals_clean_run(built: tuple[Path, Path], store_url: str, reference: str) -> None:
    bundle, gold = built
    ref = _clean_run([bundle], gold, reference)
    Store(store_url).close()
    proc = subprocess.Popen(score_cmd(bundle, store_url, gold, plugin=SLOW), env=env(BABYLM_TEST_JOB_SLEEP="1.0"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert wait_for_rows(store_url, proc) > 0, "the scorer ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert 0 < score_rows(store_url) < ROWS_PER_BUNDLE
    r = run_score(bundle, store_url, gold)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(r.stdout)
    assert doc["jobs_skipped"] >= 1 and doc["jobs_run"] + doc["jobs_skipped"] == doc["jobs_total"]
    assert dump(store_url) == ref


PG_ONLY = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite has no server to restart


def _slow_run_on_own_server(built: tuple[Path, Path], store_url: str, reference: str,
                            request: pytest.FixtureRequest, **extra_env: str) -> tuple[Any, Path, Path, str, Any]:
    """The test's own PostgreSQL server, the reference rows, and a slow scorer that has stored some rows."""
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("BABYLM_TEST_PG_URL names an outside server; this test stops its own")
    bundle, gold = built
    ref = _clean_run([bundle], gold, reference)
    proc = subprocess.Popen(score_cmd(bundle, store_url, gold, plugin=SLOW),
                            env=env(BABYLM_TEST_JOB_SLEEP="1.0", **extra_env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_for_rows(store_url, proc) > 0
    return server, bundle, gold, ref, proc


@PG_ONLY
def test_server_restart_mid_run_is_retried_and_run_finishes(built: tuple[Path, Path], store_url: str,
                                                            reference: str, request: pytest.FixtureRequest) -> None:
    server, bundle, gold, ref, proc = _slow_run_on_own_server(built, store_url, reference, request)
    server.stop_server()  # pg_ctl stop -m fast: every connection is cut
    try:
        time.sleep(3.0)  # the scorer finishes a job meanwhile and has to wait for the server
    finally:
        server.start_server()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert "retrying" in err, err[-3000:]  # the backoff was used (logged once per try)
    _no_traceback(err)
    assert json.loads(out)["failures"] == []
    assert dump(store_url) == ref


@PG_ONLY
def test_server_down_past_retries_stops_clearly_then_resumes(built: tuple[Path, Path], store_url: str,
                                                             reference: str, request: pytest.FixtureRequest) -> None:
    server, bundle, gold, ref, proc = _slow_run_on_own_server(built, store_url, reference, request,
                                                              BABYLM_STORE_RETRIES="3")
    server.stop_server()
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        server.start_server()
    assert proc.returncode == 2, err[-3000:]
    assert "could not be reached after 3 tries" in err and "run the command again" in err, err[-3000:]
    _no_traceback(err)
    partial = score_rows(store_url)
    assert 0 < partial < ROWS_PER_BUNDLE
    r = run_score(bundle, store_url, gold)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout)["rows_inserted"] == ROWS_PER_BUNDLE - partial
    assert dump(store_url) == ref


# ---- a full disk ----

def _tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a full disk) needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(folder: Path, leave: int) -> Path:
    """Write a filler file until the disk of `folder` is full, then give back `leave` bytes."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
        os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return filler


def _job_rows(url: str) -> dict[tuple, list]:
    """Score rows by (checkpoint, task, metric): the rows one job commits together."""
    import sqlalchemy as sa

    from babylm.leaderboard.store import normalize_url

    eng = sa.create_engine(normalize_url(url))
    out: dict[tuple, list] = {}
    with eng.connect() as conn:
        for r in conn.execute(sa.text("SELECT checkpoint, task, metric, subtask, value FROM scores")):
            out.setdefault((r.checkpoint, r.task, r.metric), []).append((r.subtask, r.value))
    eng.dispose()
    return {k: sorted(v) for k, v in out.items()}


@pytest.fixture
def full_disk_pg(request: pytest.FixtureRequest) -> Iterator[tuple[str, Path, object]]:
    """(store URL, the data folder, the server) of a PostgreSQL server of its own on a 64 MB tmpfs."""
    from pg_server import PgServer, find_binary

    if not find_binary("initdb"):
        pytest.skip("no PostgreSQL server binaries")
    import tempfile

    mnt = Path(tempfile.mkdtemp(prefix="babylm-pgdisk-"))  # outside tmp_path: the postgres user must reach it
    request.addfinalizer(lambda: mnt.rmdir() if mnt.is_dir() else None)
    _tmpfs(mnt, "64m")
    try:
        server = PgServer(root=mnt / "pg").start()
    except Exception as exc:
        _umount(mnt)
        pytest.skip(f"cannot start a PostgreSQL server on a small tmpfs: {exc}")
    try:
        yield server.url, mnt, server
    finally:
        server.stop()
        _umount(mnt)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_full_disk_gives_a_clear_error_and_a_consistent_store(kind: str, built: tuple[Path, Path], tmp_path: Path,
                                                             request: pytest.FixtureRequest) -> None:
    bundle, gold = built
    ref_url = f"sqlite:///{tmp_path / 'ref.sqlite'}"
    if kind == "sqlite":
        disk = tmp_path / "disk"
        _tmpfs(disk, "2m")
        request.addfinalizer(lambda: _umount(disk))
        url = f"sqlite:///{disk / 'store.sqlite'}"
    else:
        url, disk, _server = request.getfixturevalue("full_disk_pg")
        ref_url, _ = same_kind_store(url, tmp_path, "ref")  # goes with the server at teardown
    ref = _clean_run([bundle], gold, ref_url)
    Store(url).close()
    if kind == "postgresql":  # PostgreSQL has room in its pages for score rows: full before the first big row
        filler = _fill(disk, leave=0)
    proc = subprocess.Popen(score_cmd(bundle, url, gold, plugin=SLOW),
                            env=env(BABYLM_TEST_JOB_SLEEP="1.0", BABYLM_STORE_RETRIES="2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kind == "sqlite":  # mid-run: the next commit cannot grow the WAL file
        assert wait_for_rows(url, proc) > 0
        filler = _fill(disk, leave=0)
    out, err = proc.communicate(timeout=300)
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert r.returncode == 2, (r.returncode, r.stderr[-3000:])
    assert "disk is full" in r.stderr and "free space" in r.stderr, r.stderr[-3000:]
    _no_traceback(r.stderr)
    filler.unlink()
    print(f"{kind}: the disk filled up after {score_rows(url)} of {ROWS_PER_BUNDLE} score rows")
    # consistent: readable, and each job's rows are all there or none
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ref_jobs, got_jobs = _job_rows(ref_url), _job_rows(url)
    assert all(rows == ref_jobs[k] for k, rows in got_jobs.items()), (got_jobs, ref_jobs)
    r = run_score(bundle, url, gold)  # space again: the re-run completes the store
    assert r.returncode == 0, r.stderr[-3000:]
    got = dump(url)
    assert got == ref, _diff(got, ref)


# ---- per-job deadlines and memory limits ----

def test_job_past_its_deadline_is_a_failure_not_a_hang(built: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, gold = built
    url = f"sqlite:///{tmp_path / 'deadline.sqlite'}"
    t0 = time.time()
    r = subprocess.run(score_cmd(bundle, url, gold, "--sample", "0", "--job-timeout", "1",
                                 plugin="ray_nodes:slow_in_job_child"),
                       env=env(BABYLM_TEST_JOB_SLEEP="30"), capture_output=True, text=True, timeout=200)
    assert time.time() - t0 < 120  # three jobs of 30 s each, killed after 1 s
    assert r.returncode == 1, r.stderr[-3000:]
    doc = json.loads(r.stdout)
    assert doc["jobs_run"] == 0 and len(doc["failures"]) == doc["jobs_total"] == 3
    assert all(f["deadline"] and "deadline of 1 s" in f["error"] for f in doc["failures"])
    assert Store(url).counts()["scores"] == 0


def test_job_memory_limit_and_deadline_in_the_child() -> None:
    import ray_nodes

    from babylm.submissions.score.executors import InProcessJobs, JobLimits

    ex = InProcessJobs(JobLimits(timeout_s=5, memory_mb=1024))
    try:
        res = dict(ex.map_unordered(ray_nodes.probe_job, [("sleep", 0.0), ("alloc", 4096), ("sleep", 60.0),
                                                          ("alloc", 16), ("pid", 0)]))
    finally:
        ex.close()
    assert res[("sleep", 0.0)]["ok"] and res[("alloc", 16)]["ok"]
    assert "memory limit of 1024 MB" in res[("alloc", 4096)]["error"]
    assert res[("sleep", 60.0)]["deadline"] is True
    assert res[("pid", 0)]["pid"] != os.getpid()  # the jobs ran in a child, started again after the kill


def test_memory_limit_is_checked() -> None:
    from babylm.errors import BabyLMError
    from babylm.submissions.score.executors import JobLimits, make_executor

    with pytest.raises(BabyLMError, match="too small"):
        make_executor("inprocess", limits=JobLimits(memory_mb=10))
    with pytest.raises(BabyLMError, match="positive"):
        make_executor("inprocess", limits=JobLimits(timeout_s=0))

