"""Where scoring jobs run: in this process (default) or fanned out to a Ray cluster.

An executor takes a picklable job function and a list of picklable jobs (`score.jobs.ScoreJob`
dataclasses) and yields (job, result) pairs as jobs finish; the caller commits each result on its own, so a crash loses at most the jobs in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from babylm.errors import BabyLMError

J = TypeVar("J")
JobFn = Callable[[J], dict[str, Any]]


class Executor(Protocol):
    name: str

    def map_unordered(self, fn: JobFn[J], jobs: Sequence[J]) -> Iterator[tuple[J, dict[str, Any]]]:
        ...

    def close(self) -> None:
        ...


class InProcessExecutor:
    """Runs jobs one after another in this process (models stay cached between jobs)."""

    name = "inprocess"

    def map_unordered(self, fn: JobFn[J], jobs: Sequence[J]) -> Iterator[tuple[J, dict[str, Any]]]:
        for job in jobs:
            yield job, fn(job)

    def close(self) -> None:
        pass


class RayExecutor:
    """Fans jobs out to Ray: a local instance (`address=None`, `num_cpus` workers) or a cluster address.

    Each job asks for `cpus_per_job` CPUs and `gpus_per_job` GPUs. Ray is started here only when no
    Ray instance is connected yet; `close()` shuts down only an instance this executor started.
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None, cpus_per_job: float = 1.0,
                 gpus_per_job: float = 0.0, max_in_flight: int = 64) -> None:
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - ray is a dependency
            raise BabyLMError("the ray executor needs the `ray` package", "pip install 'ray[default]'") from exc
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = num_cpus or 2
            try:
                ray.init(**kwargs)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise BabyLMError(f"cannot connect to Ray at {address or 'a new local instance'}: {exc}",
                                  "start the cluster (`ray start --head`) and pass its address") from None
            self._started = True
        if gpus_per_job and not ray.cluster_resources().get("GPU"):
            raise BabyLMError(f"--gpus-per-job {gpus_per_job} but the Ray cluster has no GPUs",
                              "drop --gpus-per-job or connect to a cluster with GPU nodes")
        self.cpus_per_job = cpus_per_job
        self.gpus_per_job = gpus_per_job
        self.max_in_flight = max_in_flight

    def map_unordered(self, fn: JobFn[J], jobs: Sequence[J]) -> Iterator[tuple[J, dict[str, Any]]]:
        ray = self._ray
        remote = ray.remote(num_cpus=self.cpus_per_job, num_gpus=self.gpus_per_job, max_retries=1)(fn)
        pending: dict[Any, J] = {}
        queue = list(jobs)
        while queue or pending:
            while queue and len(pending) < self.max_in_flight:
                job = queue.pop(0)
                pending[remote.remote(job)] = job
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                job = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # a worker died: report the job as failed, keep going
                    result = {"error": f"ray: {type(exc).__name__}: {str(exc)[:300]}"}
                yield job, result

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def make_executor(kind: str, *, address: str | None = None, num_cpus: int | None = None,
                  gpus_per_job: float = 0.0) -> InProcessExecutor | RayExecutor:
    """The executor called `kind` (one of `score.EXECUTORS`)."""
    if kind == "inprocess":
        if address or gpus_per_job:
            raise BabyLMError("--address and --gpus-per-job need --executor ray", "add --executor ray")
        return InProcessExecutor()
    if kind == "ray":
        return RayExecutor(address, num_cpus=num_cpus, gpus_per_job=gpus_per_job)
    raise BabyLMError(f"unknown executor {kind!r}", "use inprocess or ray")
