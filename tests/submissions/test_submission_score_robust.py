"""Scoring on a real local Ray instance with 2 workers (about 12 s on an idle 2-core machine, so in the
default set). kill -9 and resume, 4 concurrent scorers, database restarts and a full disk, on SQLite and
PostgreSQL: test_submission_ops_faults.py; a two-node Ray cluster: test_submission_ops_ray.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from submission_factory import dump_store

from babylm.submissions.score import score_bundle

HERE = Path(__file__).parent


def _reference(bundle: Path, gold: Path, url: str) -> dict:
    score_bundle(bundle, url, gold=gold, allow_scaled=True, sample=3, load=False,
                 plugins=["submission_factory:register_toy_task"], progress=False)
    return dump_store(url)


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
        # each job in a child of its Ray worker, under a deadline and a memory limit: the same rows
        url2 = f"sqlite:///{tmp_path / 'ray_limits.db'}"
        s = score_bundle(bundle, url2, gold=gold, allow_scaled=True, sample=3, load=False, executor="ray",
                         plugins=["submission_factory:register_toy_task"], progress=False, job_timeout_s=300,
                         job_memory_mb=4096)
        assert s.failures == [] and len(s.nodes) == 1 and sum(s.nodes.values()) == 6
        assert dump_store(url2) == ref
        import ray

        assert ray.cluster_resources().get("CPU") == 2
        with pytest.raises(BabyLMError, match="no GPUs"):
            RayExecutor(gpus_per_job=1)
    finally:
        ray_ex.close()
