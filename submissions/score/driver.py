"""The scoring pass: validate the bundles, write each valid one's facts and checkpoints, plan its jobs,
run them on one executor, commit each job's rows as it finishes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.score.jobs import ScoreJob
from babylm.submissions.score.plan import plan_jobs
from babylm.submissions.score.run import import_plugins, run_job
from babylm.submissions.score.summary import COMPATS, ScoreOptions, ScoreSummary

SCORER_BY = "babylm submission score"


def check_options(opts: ScoreOptions) -> ScoreOptions:
    """The options with the gold folder resolved; a user error for an unknown compat or missing folder."""
    from dataclasses import replace

    if opts.compat not in COMPATS:
        raise BabyLMError(f"unknown compat {opts.compat!r}", "use 'babylm' or 'official'")
    gold = opts.gold
    if gold is not None and not Path(gold).is_dir():
        raise BabyLMError(f"evaluation data folder not found: {gold}",
                          "pass the organizers' data root with --eval-data")
    return replace(opts, gold=Path(gold).resolve() if gold is not None else None, plugins=tuple(opts.plugins or ()))


def validate_all(bundles: Sequence[Path], opts: ScoreOptions) -> list[Any]:
    from babylm.submissions.validate import validate_bundle

    reports = []
    for i, b in enumerate(bundles):
        wd = None if opts.workdir is None else Path(opts.workdir) / f"bundle{i}"
        reports.append(validate_bundle(b, allow_scaled=opts.allow_scaled, load=opts.load, data_root=opts.gold,
                                       workdir=wd, progress=opts.progress))
    return reports


def invalid_summary(report: Any, store_url: str, executor: str) -> ScoreSummary:
    errs = "; ".join(f"{f.code}: {f.message}" for f in report.findings.errors[:3])
    return ScoreSummary(submission_id=report.submission_id or "", store=str(store_url), valid=False,
                        executor=executor, failures=[{"checkpoint": None, "task": None, "kind": "validate",
                                                      "error": errs}])


def score_valid(valid: list[Any], store_url: str, opts: ScoreOptions) -> list[ScoreSummary]:
    """Write and score the valid reports' bundles through one executor and one store connection.
    Whatever the executor prints (Ray's worker and retry messages) goes to stderr: stdout is the report."""
    import contextlib
    import sys

    from babylm.leaderboard.store import Store
    from babylm.submissions.score.executors import JobLimits, make_executor

    with contextlib.redirect_stdout(sys.stderr):
        ex = make_executor(opts.executor, limits=JobLimits(opts.job_timeout_s, opts.job_memory_mb),
                           address=opts.address, num_cpus=opts.num_cpus, gpus_per_job=opts.gpus_per_job)
        store = Store(store_url)
        summaries: list[ScoreSummary] = []
        try:
            todo: list[ScoreJob] = []
            for r in valid:
                summary, jobs = prepare(r, store, opts)
                summary.executor = opts.executor
                summaries.append(summary)
                todo += jobs
            run_jobs(ex, todo, store, {s.submission_id: s for s in summaries}, opts.progress)
        finally:
            ex.close()
            store.close()
    return summaries


def meta(report: Any) -> dict[str, Any]:
    """The submission row's meta: fact sheet, ledger summary, budgets, FLOPs check, teacher, interaction."""
    s = report.summary
    out: dict[str, Any] = {
        "fact_sheet": s.get("fact_sheet"),
        "ledger_summary": s.get("ledger"),
        "budgets": s.get("budgets"),
        "scale": s.get("scale"),
        "data_words": s.get("data_words"),
        "flops_check": s.get("flops"),
    }
    if s.get("teacher"):
        out["teacher"] = s["teacher"]  # {model_id, n_params, words}: shown in the fact sheet
    variants = (s.get("interaction") or {}).get("variants")
    if variants:  # {variant: [metric per round]}: the submission page's interaction chart
        out["interaction"] = variants
        out["interaction_run"] = {k: v for k, v in s["interaction"].items() if k != "variants"}
    return out


def _write_submission(report: Any, manifest: Any, store: Any) -> None:
    sid = report.submission_id
    fact = report.summary.get("fact_sheet") or {}
    store.upsert_submission(
        submission_id=sid, team=manifest.team, model=manifest.model, edition=manifest.edition,
        track=manifest.track, backend=manifest.backend, n_params=fact.get("n_params"),
        train_flops=fact.get("train_flops"), words_seen=fact.get("words_seen"),
        teacher=(fact.get("teacher") or {}).get("model_id"), meta=meta(report), synthetic=False,
    )
    rep_dict = report.to_dict()
    old = store.submission(sid) or {}
    if json.dumps(old.get("validation_report"), sort_keys=True) != json.dumps(rep_dict, sort_keys=True):
        store.set_validation_report(sid, rep_dict)


def _write_checkpoints(report: Any, manifest: Any, store: Any) -> dict[str, str]:
    """Upsert the required checkpoints; their content hashes by name ("hub:<name>" for Hub checkpoints)."""
    from babylm.submissions.formats import checkpoint_content_hash
    from babylm.submissions.safe_load import read_json_file

    hashes: dict[str, str] = {}
    ledger = report.summary.get("ledger") or {}
    for ck in report.summary.get("required_checkpoints", []):
        folder = report.root / (manifest.model_location.path or "") / ck
        hashes[ck] = checkpoint_content_hash(folder) if folder.is_dir() else f"hub:{ck}"
        ck_meta = read_json_file(folder / "babylm_checkpoint.json") if folder.is_dir() else {}
        store.upsert_checkpoint(submission_id=report.submission_id, name=ck,
                                words_seen=int(ledger["checkpoints"][ck]), train_flops=ck_meta.get("train_flops"),
                                content_hash=hashes[ck])
    return hashes


def prepare(report: Any, store: Any, opts: ScoreOptions) -> tuple[ScoreSummary, list[ScoreJob]]:
    """Write a valid submission's facts and checkpoints; return its summary and the jobs still to run."""
    from babylm.submissions.formats import SubmissionManifest

    sid = report.submission_id
    manifest = SubmissionManifest.model_validate(report.manifest)
    summary = ScoreSummary(submission_id=sid, store=store.url, valid=True)
    _write_submission(report, manifest, store)
    hashes = _write_checkpoints(report, manifest, store)
    jobs, summary.sampled_checkpoints = plan_jobs(
        report.root, manifest, report, gold=opts.gold, sample=opts.sample, seed=opts.seed,
        tolerance=opts.tolerance, plugins=list(opts.plugins or ()), content_hashes=hashes,
        reeval_tasks=opts.reeval_tasks, compat=opts.compat,
    )
    claimed_compat = jobs[0].claimed_compat if jobs else opts.compat
    if claimed_compat != opts.compat:
        reason = f"results were computed with compat '{claimed_compat}'; the organizers score with '{opts.compat}'"
        new = store.add_flag(submission_id=sid, reason=reason, by=SCORER_BY)
        summary.flags.append({"reason": reason, "checkpoint": None, "task": None})
        summary.flags_added += int(new)
    summary.jobs_total = len(jobs)
    done = _done_keys(store, sid)
    todo = [j for j in jobs if j.done_key not in done]
    summary.jobs_skipped = len(jobs) - len(todo)
    return summary, todo


def _done_keys(store: Any, sid: str) -> set[tuple[str, str, bool]]:
    """(checkpoint, task, is_reeval) whose task-level row is already stored."""
    df = store.scores_frame([sid], task_level_only=True)
    return {(r.checkpoint, r.task, str(r.metric).endswith(":reeval")) for r in df.itertuples()}


def run_jobs(ex: Any, todo: list[ScoreJob], store: Any, by_sid: dict[str, ScoreSummary], progress: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from babylm.output import err_console

    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, disable=not progress,
                  transient=True) as bar:
        tid = bar.add_task("", total=len(todo))
        for job, res in ex.map_unordered(run_job, todo):
            bar.update(tid, advance=1, description=f"{job.checkpoint}/{job.task} ({job.kind})")
            _commit(job, res, store, by_sid[job.submission_id])


def _commit(job: ScoreJob, res: dict[str, Any], store: Any, summary: ScoreSummary) -> None:
    node = str(res.get("node") or "local")
    summary.nodes[node] = summary.nodes.get(node, 0) + 1
    if "error" in res:
        failure = {"checkpoint": job.checkpoint, "task": job.task, "kind": job.kind, "error": res["error"]}
        if res.get("deadline"):
            failure["deadline"] = True
        summary.failures.append(failure)
        return
    # Flags first: a crash between the two writes re-runs the job, and flags are idempotent.
    for fl in res.get("flags", []):
        new = store.add_flag(submission_id=job.submission_id, reason=fl["reason"], by=SCORER_BY,
                             checkpoint=fl.get("checkpoint"), task=fl.get("task"))
        summary.flags.append(fl)
        summary.flags_added += int(new)
    summary.rows_inserted += store.add_scores(res["rows"])
    summary.jobs_run += 1


__all__ = ["SCORER_BY", "check_options", "import_plugins", "invalid_summary", "meta", "prepare", "run_jobs",
           "score_valid", "validate_all"]
