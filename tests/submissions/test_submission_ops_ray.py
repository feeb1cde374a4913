"""Scoring on a real two-node Ray cluster: a head (`ray start --head`) and a worker node (`ray start
--address`) in its own network namespace where the machine allows (loopback otherwise; the test output
says which). Jobs run on both nodes; the worker node is killed (SIGKILL, all its processes) while it
runs a job; Ray retries that job on the head and the store ends up with exactly the rows of an
uninterrupted run, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pg_server as pgs
import pytest
import ray_nodes
from ops_scoring import dump, env, same_kind_store, score_cmd

from babylm.submissions.score import score_bundle

pg_server, pg_url, pg_database, store_url = pgs.pg_server, pgs.pg_url, pgs.pg_database, pgs.store_url  # fixtures
JOB_SLEEP_S = 2.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ray_nodes.RayCluster]:
    """A Ray head of 1 CPU; each test adds (and kills) its own worker node."""
    pytest.importorskip("ray")
    log = tmp_path_factory.mktemp("raylog") / "jobs.log"
    node_env = env(**{ray_nodes.LOG: str(log), "BABYLM_TEST_JOB_SLEEP": str(JOB_SLEEP_S)})
    try:
        c = ray_nodes.start_cluster(node_env, workers=0, namespaces=1)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot start a Ray head here: {exc}")
    print(f"ray cluster network: {c.network}; head at {c.address}")
    if not c.network.startswith("netns"):
        warnings.warn(f"the Ray worker node runs on loopback, not in a network namespace: {c.network}",
                      stacklevel=1)
    c.log = log
    try:
        yield c
    finally:
        c.stop()


def _in_flight_on(log: list[tuple[str, str, str]], mark: str) -> str | None:
    """A task that started on node `mark` and has not ended there (None if there is none)."""
    open_tasks: set[str] = set()
    for task, node, what in log:
        if node == mark:
            (open_tasks.add if what == "start" else open_tasks.discard)(task)
    return next(iter(open_tasks), None)


@pytest.fixture
def reference(store_url: str, tmp_path: Path) -> Iterator[str]:
    url, cleanup = same_kind_store(store_url, tmp_path, "ref")
    yield url
    cleanup()


# PostgreSQL adds half a minute and nothing Ray-specific (its faults: test_submission_ops_faults.py)
@pytest.mark.parametrize("store_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)], indirect=True)
def test_jobs_run_on_two_nodes_and_survive_a_killed_node(cluster: ray_nodes.RayCluster, built: tuple[Path, Path],
                                                         store_url: str, reference: str) -> None:
    bundle, gold = built
    score_bundle(bundle, reference, gold=gold, allow_scaled=True, sample=3, load=False,
                 plugins=["submission_factory:register_toy_task"], progress=False)
    ref = dump(reference)
    assert cluster.log is not None
    log_path = cluster.log
    log_path.write_text("")
    worker = cluster.add_worker(cluster.netns[0] if cluster.netns else None)
    t0 = time.time()
    cmd = score_cmd(bundle, store_url, gold, "--executor", "ray", "--address", cluster.address,
                    plugin="ray_nodes:probe_plugin")
    proc = subprocess.Popen(cmd, env=env(**cluster.driver_env()), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    killed = None
    try:
        while time.time() - t0 < 180 and proc.poll() is None:
            log = ray_nodes.read_log(log_path)
            ended_there = any(n == worker.mark and w == "end" for _t, n, w in log)
            task = _in_flight_on(log, worker.mark)
            if ended_there and task:  # the worker has finished a job and is in the middle of another
                assert cluster.kill(worker), "no process of the worker node found"
                killed = task
                break
            time.sleep(0.1)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert killed, f"the worker node never ran a second job; log:\n{log_path.read_text()}\n{err[-2000:]}"
    assert proc.returncode == 0, err[-3000:]
    doc = json.loads(out)
    assert doc["failures"] == [] and doc["jobs_run"] == doc["jobs_total"] == 6
    assert len(doc["nodes"]) == 2, doc["nodes"]  # results came back from both nodes
    log = ray_nodes.read_log(log_path)
    head = cluster.nodes[0].mark
    runs = [(n, w) for t, n, w in log if t == killed]
    assert (worker.mark, "start") in runs and (worker.mark, "end") not in runs  # killed mid-job ...
    assert (head, "start") in runs and (head, "end") in runs  # ... and run again on the head
    assert dump(store_url) == ref  # nothing lost, nothing doubled
    print(f"network {cluster.network}: killed task {killed} on {worker.mark} ({worker.ip}); retried on the head; "
          f"{time.time() - t0:.1f} s")

