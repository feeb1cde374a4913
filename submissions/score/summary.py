"""What `babylm submission score` reports per bundle, and the options it scores with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TOLERANCE = 0.01  # absolute difference in a task score before a re-evaluation is flagged
EXECUTORS = ("inprocess", "ray")
COMPATS = ("babylm", "official")


@dataclass
class ScoreSummary:
    submission_id: str
    store: str
    valid: bool
    jobs_total: int = 0
    jobs_run: int = 0
    jobs_skipped: int = 0
    rows_inserted: int = 0
    flags_added: int = 0
    flags: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    sampled_checkpoints: list[str] = field(default_factory=list)
    executor: str = "inprocess"
    nodes: dict[str, int] = field(default_factory=dict)  # jobs finished per Ray node id ("local": here)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: submission_id, store, valid, jobs_total, jobs_run, jobs_skipped, rows_inserted,
        flags_added, flags, failures (a job past its deadline has "deadline": true), sampled_checkpoints,
        executor, nodes."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class ScoreOptions:
    """How to score. `gold`: the organizers' data root (may hold unseen items); without it the claimed
    scores are stored as such. `sample`: checkpoints re-evaluated (seeded by the submission and `seed`).
    `reeval_tasks`: re-evaluate only these (None: all). `compat`: how the organizers score (ties count 0.5
    under "babylm"), whatever the bundle claims. `job_timeout_s`, `job_memory_mb`: each job runs in a
    child process killed past the deadline and capped at that address space (None: no limit)."""

    gold: Path | None = None
    executor: str = "inprocess"
    address: str | None = None
    num_cpus: int | None = None
    gpus_per_job: float = 0.0
    sample: int = 2
    seed: int = 0
    tolerance: float = DEFAULT_TOLERANCE
    allow_scaled: bool = False
    load: bool = True
    workdir: Path | None = None
    plugins: tuple[str, ...] | list[str] | None = None
    progress: bool = True
    reeval_tasks: list[str] | None = None
    compat: str = "babylm"
    job_timeout_s: float | None = None
    job_memory_mb: int | None = None
