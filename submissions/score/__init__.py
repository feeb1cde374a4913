"""`babylm submission score BUNDLE --store URL`: organizer scoring into the results store.

1. Validate the bundle (an invalid bundle writes nothing).
2. Write the submission and its checkpoints (idempotent upserts).
3. One job per (checkpoint, task): re-score the bundle's per-item log-probabilities against the
   organizers' gold (`--eval-data DIR`, which may hold items and labels participants never saw); without
   it, the claimed scores are stored as such (scorer "claimed/...").
4. One job per (sampled checkpoint, task): load the checkpoint safely, evaluate it here, store the
   result under metric "<metric>:reeval" and flag it when it differs from the claim beyond tolerance.

Every job's rows are committed in one transaction keyed by (submission, checkpoint content hash, task,
sub-task, metric, task version), so a re-run is a no-op and a crash (even kill -9) loses only the jobs in
flight; jobs whose rows are already in the store are skipped.

Modules: summary (ScoreSummary, ScoreOptions), jobs (the ScoreJob dataclass, result rows), plan
(plan_jobs), run (run_job, on any worker), driver (the pass over bundles, store writes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.score.driver import (
    SCORER_BY,
    check_options,
    import_plugins,
    invalid_summary,
    score_valid,
)
from babylm.submissions.score.jobs import JobBase, ScoreJob
from babylm.submissions.score.plan import ACROSS, plan_jobs
from babylm.submissions.score.run import run_job
from babylm.submissions.score.summary import COMPATS, DEFAULT_TOLERANCE, EXECUTORS, ScoreOptions, ScoreSummary

__all__ = ["ACROSS", "COMPATS", "DEFAULT_TOLERANCE", "EXECUTORS", "SCORER_BY", "JobBase", "ScoreJob", "ScoreOptions",
           "ScoreSummary", "plan_jobs", "run_job", "score_bundle", "score_bundles"]


def score_bundle(bundle: Path, store_url: str, *, report: Any = None, **options: Any) -> ScoreSummary:
    """Validate and score one bundle into the store (see the module docstring); an invalid bundle raises
    BabyLMError and writes nothing. `options`: the fields of `ScoreOptions`.

    `report`: a ValidationReport of this very bundle made by the caller with the same options (skips
    validating twice, e.g. in the demo).
    """
    s = score_bundles([bundle], store_url, reports=[report] if report else None, **options)[0]
    if not s.valid:
        raise BabyLMError(f"bundle is invalid, nothing was written: {s.failures[0]['error']}",
                          "run `babylm submission validate BUNDLE` for the full report")
    return s


def score_bundles(bundles: list[Path], store_url: str, *, reports: list[Any] | None = None,
                  **options: Any) -> list[ScoreSummary]:
    """Score several bundles in one pass: every (submission, checkpoint, task) job of every valid bundle
    goes to one executor. An invalid bundle gets a summary with valid=False and writes nothing."""
    from babylm.submissions.score.driver import validate_all

    opts = check_options(ScoreOptions(**options))
    import_plugins(opts.plugins or ())
    own = reports is None
    if reports is None:
        reports = validate_all(bundles, opts)
    try:
        valid = [r for r in reports if r.ok and r.submission_id is not None and r.root is not None]
        summaries = [invalid_summary(r, store_url, opts.executor) for r in reports if r not in valid]
        if valid:
            summaries += score_valid(valid, store_url, opts)
        return summaries
    finally:
        if own:
            for r in reports:
                r.cleanup()
