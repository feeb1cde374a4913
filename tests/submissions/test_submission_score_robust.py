"""Scoring under stress: kill -9 and resume, 4 concurrent scorers on one SQLite store (slow), and a real
local Ray instance with 2 workers (about 12 s on an idle 2-core machine, so in the default set)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from submission_factory import copy_bundle_as, dump_store

from babylm.leaderboard.store import Store
from babylm.submissions.score import score_bundle

HERE = Path(__file__).parent
BABYLM = [sys.executable, "-c", "from babylm.cli import main; main()"]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def _cmd(bundle: Path, url: str, gold: Path, plugin: str = "submission_factory:register_toy_task") -> list[str]:
    return [*BABYLM, "submission", "score", str(bundle), "--store", url, "--eval-data", str(gold), "--allow-scaled", "--sample", "3",
            "--no-load", "--plugin", plugin, "--json"]


def _reference(bundle: Path, gold: Path, url: str) -> dict:
    score_bundle(bundle, url, gold=gold, allow_scaled=True, sample=3, load=False,
                 plugins=["submission_factory:register_toy_task"], progress=False)
    return dump_store(url)


@pytest.mark.slow
def test_kill9_mid_run_then_rerun_equals_clean_run(built: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, gold = built
    clean = _reference(bundle, gold, f"sqlite:///{tmp_path / 'clean.db'}")
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    proc = subprocess.Popen(_cmd(bundle, url, gold, "submission_factory:slow_down"), env=_env(BABYLM_TEST_JOB_SLEEP="1.5"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    killed_at = None
    while time.time() < deadline and proc.poll() is None:
        if (tmp_path / "crash.db").exists():
            try:
                n = Store(url).counts()["scores"]
            except Exception:
                n = 0
            if n > 0:
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = n
                break
        time.sleep(0.2)
    proc.wait()
    assert killed_at is not None, "scorer finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL
    partial = Store(url).counts()["scores"]
    assert 0 < partial < sum(len(v) for k, v in clean.items() if k == "scores")
    r = subprocess.run(_cmd(bundle, url, gold), env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["jobs_skipped"] >= 1
    assert dump_store(url) == clean


@pytest.mark.slow
def test_four_concurrent_scorers_on_one_sqlite_store(built: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, gold = built
    other = copy_bundle_as(bundle, tmp_path / "other", team="Other Team")
    ref_url = f"sqlite:///{tmp_path / 'ref.db'}"
    _reference(bundle, gold, ref_url)
    ref = _reference(other, gold, ref_url)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    Store(url).close()  # create the schema once, as an organizer would
    procs = [subprocess.Popen(_cmd(b, url, gold), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for b in (bundle, other, bundle, other)]
    outs = [p.communicate(timeout=400) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "database is locked" not in err
    got = dump_store(url)
    assert got == ref
    st = Store(url)
    assert st.counts()["submissions"] == 2 and st.counts()["scores"] == 2 * 18


def test_ray_two_workers_equal_in_process(built: tuple[Path, Path], tmp_path: Path, monkeypatch) -> None:
    bundle, gold = built
    ref = _reference(bundle, gold, f"sqlite:///{tmp_path / 'ref.db'}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    url = f"sqlite:///{tmp_path / 'ray.db'}"
    from babylm.errors import BabyLMError
    from babylm.submissions.executors import RayExecutor

    ray_ex = RayExecutor(num_cpus=2)  # a real local Ray instance with 2 worker CPUs
    try:
        s = score_bundle(bundle, url, gold=gold, allow_scaled=True, sample=3, load=False, executor="ray",
                         plugins=["submission_factory:register_toy_task"], progress=False)
        assert s.failures == [] and s.executor == "ray" and s.jobs_run == 6
        assert dump_store(url) == ref
        import ray

        assert ray.cluster_resources().get("CPU") == 2
        with pytest.raises(BabyLMError, match="no GPUs"):
            RayExecutor(gpus_per_job=1)
    finally:
        ray_ex.close()
