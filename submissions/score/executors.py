"""Where scoring jobs run, with a deadline and a memory limit per job.

`JobLimits(timeout_s, memory_mb)`: when either is set, each job runs in a child process of the
executor's worker (one child per worker process, reused from job to job, started again after a kill)
whose address space is capped at `memory_mb` (RLIMIT_AS) and which is killed when a job runs past
`timeout_s`. A killed or dead job is a result with an "error" (and "deadline": True past the
deadline), so it becomes a failure of the summary, never a hang.

Executors yield (job, result) as jobs finish; every result carries "node": the Ray node id that ran
it ("local" in this process), counted in the summary. On Ray a job whose worker or node dies is
retried elsewhere (`max_retries`); its rows are committed once because store writes are keyed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.executors import RayExecutor

JobFn = Callable[[Any], dict[str, Any]]
LOCAL_NODE = "local"
CHILD_START_S = 120.0  # a fresh child must be ready (imports done) within this, before any deadline runs
WARM_MODULES = ("babylm.submissions.score.run", "babylm.evaluation.registry")
RAY_MAX_RETRIES = 3  # re-runs of a job whose Ray worker or node died


@dataclass(frozen=True)
class JobLimits:
    timeout_s: float | None = None
    memory_mb: int | None = None

    @property
    def isolated(self) -> bool:
        return self.timeout_s is not None or self.memory_mb is not None


def _child_main(conn: Any, memory_mb: int | None) -> None:
    """Child side: cap the address space, then run (fn, job) pairs from the pipe until it closes."""
    os.environ["BABYLM_JOB_CHILD"] = "1"  # lets a plugin tell a job's child from the scorer
    if memory_mb is not None:
        from babylm.submissions.safe_load.limits import cap_address_space

        cap_address_space(int(memory_mb) * 1024 * 1024)
    import importlib

    for mod in WARM_MODULES:
        importlib.import_module(mod)
    conn.send("ready")
    while True:
        try:
            fn, job = conn.recv()
        except EOFError:
            return
        try:
            res = fn(job)
        except MemoryError:  # run_job catches Exception; a MemoryError while reporting lands here
            res = {"error": "MemoryError"}
        if memory_mb is not None and "MemoryError" in str(res.get("error", "")):
            res["error"] = f"{res['error']} (over the job memory limit of {memory_mb} MB)"
        conn.send(res)


class ChildRunner:
    """One child process that runs jobs under `limits` (see the module docstring)."""

    def __init__(self, limits: JobLimits) -> None:
        self.limits = limits
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # never fork a process with threads (Ray workers have many)
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child, self.limits.memory_mb), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        if not (parent.poll(CHILD_START_S) and parent.recv() == "ready"):
            raise EOFError("the job child did not start")

    def run(self, fn: JobFn, job: Any) -> dict[str, Any]:
        timeout = self.limits.timeout_s
        try:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            self._conn.send((fn, job))
            if not self._conn.poll(timeout):
                self.kill()
                return {"error": f"ran past its deadline of {timeout:g} s and was killed "
                                 "(raise --job-timeout if the job is honest)", "deadline": True}
            return self._conn.recv()
        except (EOFError, OSError):
            code = None
            if self._proc is not None:
                self._proc.join(2)
                code = self._proc.exitcode
            self.kill()
            mem = f"; memory limit {self.limits.memory_mb} MB" if self.limits.memory_mb else ""
            return {"error": f"the job's child process died (exit code {code}{mem})"}

    def kill(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(Exception):
                self._proc.kill()
                self._proc.join(5)
            with contextlib.suppress(Exception):
                self._conn.close()
        self._proc = self._conn = None

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        self.kill()


_RUNNERS: dict[JobLimits, ChildRunner] = {}  # per process: a Ray worker keeps its child between jobs


@dataclass(frozen=True)
class GuardedJob:
    """`fn` under `limits`: picklable, so a Ray worker runs it with its own child."""

    fn: JobFn
    limits: JobLimits

    def __call__(self, job: Any) -> dict[str, Any]:
        if not self.limits.isolated:
            return self.fn(job)
        runner = _RUNNERS.get(self.limits)
        if runner is None:
            runner = _RUNNERS[self.limits] = ChildRunner(self.limits)
        return runner.run(self.fn, job)


def _on_ray_node(fn: GuardedJob, job: Any) -> dict[str, Any]:
    """Ray task body: run the job, and say which node ran it."""
    import ray

    return {**fn(job), "node": ray.get_runtime_context().get_node_id()}


class InProcessJobs:
    """Runs jobs one after another in this process (or its one child, under limits)."""

    name = "inprocess"

    def __init__(self, limits: JobLimits) -> None:
        self.limits = limits

    def map_unordered(self, fn: JobFn, jobs: Sequence[Any]) -> Iterator[tuple[Any, dict[str, Any]]]:
        guarded = GuardedJob(fn, self.limits)
        for job in jobs:
            yield job, {**guarded(job), "node": LOCAL_NODE}

    def close(self) -> None:
        runner = _RUNNERS.pop(self.limits, None)
        if runner is not None:
            runner.kill()


class RayJobs(RayExecutor):
    """Jobs fanned out to Ray (a local instance or a cluster's address), each under `limits`; a job
    whose worker or node dies is retried up to RAY_MAX_RETRIES times on any node."""

    def __init__(self, address: str | None = None, *, limits: JobLimits, num_cpus: int | None = None,
                 gpus_per_job: float = 0.0, max_retries: int = RAY_MAX_RETRIES) -> None:
        super().__init__(address, num_cpus=num_cpus, gpus_per_job=gpus_per_job)
        self.limits = limits
        self.max_retries = max_retries

    def map_unordered(self, fn: JobFn, jobs: Sequence[Any]) -> Iterator[tuple[Any, dict[str, Any]]]:
        ray = self._ray
        remote = ray.remote(num_cpus=self.cpus_per_job, num_gpus=self.gpus_per_job,
                            max_retries=self.max_retries)(_on_ray_node)
        guarded = ray.put(GuardedJob(fn, self.limits))
        pending: dict[Any, Any] = {}
        queue = list(jobs)
        while queue or pending:
            while queue and len(pending) < self.max_in_flight:
                job = queue.pop(0)
                pending[remote.remote(guarded, job)] = job
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                job = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # retries exhausted: the job failed, the others go on
                    result = {"error": f"ray: {type(exc).__name__}: {str(exc)[:300]}"}
                yield job, result


def make_executor(kind: str, *, limits: JobLimits | None = None, address: str | None = None,
                  num_cpus: int | None = None, gpus_per_job: float = 0.0) -> InProcessJobs | RayJobs:
    """The executor called `kind` ("inprocess" or "ray"), running each job under `limits`."""
    limits = limits or JobLimits()
    if limits.timeout_s is not None and limits.timeout_s <= 0:
        raise BabyLMError(f"--job-timeout must be positive, got {limits.timeout_s:g}", "give seconds, e.g. 1800")
    if limits.memory_mb is not None and limits.memory_mb < 256:
        raise BabyLMError(f"--job-memory-mb {limits.memory_mb} is too small to import the scorer",
                          "give at least 256 MB (a CPU job with torch needs about 1 GB of address space)")
    if kind == "inprocess":
        if address or gpus_per_job:
            raise BabyLMError("--address and --gpus-per-job need --executor ray", "add --executor ray")
        return InProcessJobs(limits)
    if kind == "ray":
        return RayJobs(address, limits=limits, num_cpus=num_cpus, gpus_per_job=gpus_per_job)
    raise BabyLMError(f"unknown executor {kind!r}", "use inprocess or ray")


__all__ = ["GuardedJob", "InProcessJobs", "JobLimits", "RayJobs", "make_executor"]
