"""One scoring job: a picklable dataclass (Ray ships it to a worker; the in-process executor calls it
here), and its result rows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

JobKind = Literal["claimed", "gold", "preds", "reeval"]


@dataclass(frozen=True)
class JobBase:
    """What every job of one submission shares."""

    submission_id: str
    backend: str
    compat: str  # how the organizers score
    split: str
    harness_version: str
    tolerance: float
    plugins: tuple[str, ...] = ()  # 'module:function' to call first (registers extra tasks)
    gold: str | None = None  # the organizers' data root
    claimed_compat: str = "babylm"  # how the bundle's results were computed


@dataclass(frozen=True)
class ScoreJob(JobBase):
    """One (checkpoint, task) to score. `kind`: "claimed" (store the bundle's rows: the validator has
    recomputed an accuracy task's score and sub-task scores from its per-item results, validate/recompute.py;
    what no item backs, a correlation or AoA score, fast_eval_results, a ci95, stays a claim), "gold"
    (re-score the bundle's item scores against gold), "preds" (accuracy of bare official predictions),
    "reeval" (load the checkpoint here and evaluate it)."""

    kind: JobKind = "claimed"
    checkpoint: str = ""
    task: str = ""
    content_hash: str | None = None
    claimed_score: float | None = None
    claimed_rows: list[dict[str, Any]] = field(default_factory=list)  # kind claimed
    items: list[dict[str, Any]] = field(default_factory=list)  # kind gold: [{"id", "scores"}]
    preds: dict[str, Any] = field(default_factory=dict)  # kind preds: {item id: pred}
    path: str | None = None  # kind reeval: checkpoint folder, or Hub repo with `revision`
    revision: str | None = None

    @classmethod
    def of(cls, base: JobBase, **fields: Any) -> ScoreJob:
        return cls(**{**base.__dict__, **fields})

    def with_(self, **fields: Any) -> ScoreJob:
        return replace(self, **fields)

    @property
    def done_key(self) -> tuple[str, str, bool]:
        """(checkpoint, task, is a re-evaluation): a job whose task-level row is stored is skipped."""
        return self.checkpoint, self.task, self.kind == "reeval"


def result_rows(job: ScoreJob, *, version: Any, metric: str, scorer: str, score: float,
                ci95: Any, subtasks: dict[str, Any]) -> list[dict[str, Any]]:
    """Store rows of one task result: the task-level row, then one per sub-task (non-finite values left out)."""
    base = {"submission_id": job.submission_id, "checkpoint": job.checkpoint, "content_hash": job.content_hash,
            "task": job.task, "task_version": str(version), "scorer": scorer, "harness_version": job.harness_version}
    ci = ci95 or (None, None)
    rows = [dict(base, subtask="", metric=metric, value=float(score), ci_low=ci[0], ci_high=ci[1])]
    for sub, v in sorted(subtasks.items()):
        rows.append(dict(base, subtask=sub, metric=metric, value=float(v)))
    return [r for r in rows if math.isfinite(r["value"])]


def claimed_rows(job: ScoreJob, t: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a task result as the bundle claims it (scorer "claimed/<backend>/<compat>")."""
    return result_rows(job, version=t.get("version", "1"), metric=str(t.get("metric", "score")),
                       scorer=f"claimed/{job.backend}/{job.claimed_compat}", score=t["score"],
                       ci95=t.get("ci95") or [None, None], subtasks=t.get("subtasks") or {})
