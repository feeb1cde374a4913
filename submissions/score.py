"""`babylm score BUNDLE --store URL`: organizer scoring into the results store.

1. Validate the bundle (an invalid bundle writes nothing).
2. Write the submission and its checkpoints (idempotent upserts).
3. One job per (checkpoint, task): re-score the bundle's per-item log-probabilities against the
   organizers' gold (`--gold DIR`, which may hold items and labels participants never saw); without
   gold, the claimed scores are stored as such (scorer "claimed/...").
4. One job per (sampled checkpoint, task): load the checkpoint safely, evaluate it here, store the
   result under metric "<metric>:reeval" and flag it when it differs from the claim beyond tolerance.

Every job's rows are committed in one transaction keyed by (submission, checkpoint content hash, task,
sub-task, metric, task version), so a re-run is a no-op and a crash (even kill -9) loses only the jobs in
flight; jobs whose rows are already in the store are skipped.
"""

from __future__ import annotations

import importlib
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

DEFAULT_TOLERANCE = 0.01  # absolute difference in a task score before a re-evaluation is flagged
SCORER_BY = "babylm score"
ACROSS = "across_checkpoints"  # pseudo-checkpoint name of results computed over all checkpoints (AoA)


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

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: submission_id, store, valid, jobs_total, jobs_run, jobs_skipped, rows_inserted,
        flags_added, flags, failures, sampled_checkpoints, executor."""
        return dict(self.__dict__)


# ----------------------------------------------------------------- jobs (run anywhere, pure data in/out)

_SCORERS: dict[tuple[str, str, str, str | None], Any] = {}


def _plugins(job: dict[str, Any]) -> None:
    """Import organizer plugins (extra tasks) named 'module:function' before a job runs."""
    for spec in job.get("plugins") or []:
        mod, _, fn = spec.partition(":")
        m = importlib.import_module(mod)
        if fn:
            getattr(m, fn)()


def _scorer(path: str, backend: str, compat: str, revision: str | None = None) -> Any:
    """A scorer for a local checkpoint folder, or a Hub repo at a revision (kept for the next job)."""
    from babylm.evaluation.scorers.load import make_scorer

    key = (path, backend, compat, revision)
    if key not in _SCORERS:
        if len(_SCORERS) >= 2:
            _SCORERS.clear()
        _SCORERS[key] = make_scorer(path, backend, compat=compat, revision=revision)  # type: ignore[arg-type]
    return _SCORERS[key]


def _result_rows(job: dict[str, Any], res: Any, metric: str, scorer: str) -> list[dict[str, Any]]:
    base = {"submission_id": job["submission_id"], "checkpoint": job["checkpoint"],
            "content_hash": job["content_hash"], "task": job["task"], "task_version": str(res.version),
            "scorer": scorer, "harness_version": job["harness_version"]}
    ci = res.ci95 or (None, None)
    rows = [dict(base, subtask="", metric=metric, value=float(res.score), ci_low=ci[0], ci_high=ci[1])]
    for sub, v in sorted(res.subtasks.items()):
        rows.append(dict(base, subtask=sub, metric=metric, value=float(v)))
    return [r for r in rows if math.isfinite(r["value"])]


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one scoring job; returns {"rows": [...], "flags": [...]} or {"error": "..."}. Never raises."""
    try:
        _plugins(job)
        kind = job["kind"]
        if kind == "claimed":
            return {"rows": job["claimed_rows"], "flags": []}
        from babylm.submissions.validate import registered_tasks

        spec = registered_tasks()[job["task"]]
        items = list(spec.loader(Path(job["gold"]), job["split"]))
        if kind == "gold":
            return _gold_job(job, spec, items)
        if kind == "reeval":
            return _reeval_job(job, spec, items)
        if kind == "preds":
            return _preds_job(job, spec, items)
        return {"error": f"unknown job kind {kind!r}"}
    except Exception as exc:  # a job failure is data for the summary, not a crash of the scorer
        return {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}


def _gold_job(job: dict[str, Any], spec: Any, items: list[Any]) -> dict[str, Any]:
    """Re-score the participant's per-item candidate scores against the organizers' gold."""
    claimed = {it["id"]: it for it in job["items"]}
    scores: list[list[float]] = []
    missing = 0
    for it in items:
        c = claimed.get(it.id)
        sc = c.get("scores") if c else None
        if not isinstance(sc, list) or len(sc) != len(it.candidates):
            missing += 1
            gold = it.gold if it.gold is not None else 0
            sc = [0.0] * len(it.candidates)
            sc[gold] = -1e9  # a missing item counts as wrong
        scores.append([float(x) for x in sc])
    res = spec.compute(items, scores, job["compat"])
    flags = []
    if missing:
        flags.append({"reason": f"{missing} of {len(items)} gold items had no prediction (counted wrong)",
                      "checkpoint": job["checkpoint"], "task": job["task"]})
    claimed_score = job.get("claimed_score")
    if isinstance(claimed_score, (int, float)) and abs(res.score - claimed_score) > job["tolerance"]:
        flags.append({"reason": f"claimed {claimed_score:.4f} but the bundle's own item scores give "
                                f"{res.score:.4f} on the organizers' gold", "checkpoint": job["checkpoint"],
                      "task": job["task"]})
    return {"rows": _result_rows(job, res, spec.metric, f"gold/{job['backend']}/{job['compat']}"),
            "flags": flags, "score": res.score}


def _preds_job(job: dict[str, Any], spec: Any, items: list[Any]) -> dict[str, Any]:
    """Accuracy of bare official predictions (candidate index or candidate text) against gold."""
    from types import SimpleNamespace

    from babylm.evaluation.metrics.accuracy import bootstrap_ci, macro_mean

    preds = job["preds"]
    per: dict[str, list[float]] = {}
    missing = 0
    for it in items:
        p = preds.get(it.id)
        if isinstance(p, str):
            texts = [c.continuation.strip() for c in it.candidates]
            p = texts.index(p.strip()) if p.strip() in texts else None
        if p is None or isinstance(p, bool) or not isinstance(p, int):
            missing += 1
        per.setdefault(it.subtask, []).append(1.0 if p == it.gold else 0.0)
    score, subs = macro_mean(per)
    res = SimpleNamespace(version=spec.version, score=score, subtasks=subs, ci95=bootstrap_ci(per, n_boot=200))
    flags = []
    if missing:
        flags.append({"reason": f"{missing} of {len(items)} gold items had no usable prediction (counted wrong)",
                      "checkpoint": job["checkpoint"], "task": job["task"]})
    return {"rows": _result_rows(job, res, spec.metric, f"gold-preds/{job['backend']}"), "flags": flags,
            "score": score}


HUB_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*"]


def _fetch_hub(repo: str, revision: str) -> str | dict[str, Any]:
    """Download one Hub revision (data files only, never code or pickles) and check it like a local
    checkpoint; returns the folder, or {"error": ...} when the static checks refuse it."""
    from huggingface_hub import snapshot_download

    from babylm.submissions.safe_load import check_checkpoint_static

    folder = snapshot_download(repo_id=repo, revision=revision, allow_patterns=HUB_PATTERNS)
    errors = [f for f in check_checkpoint_static(Path(folder), f"{repo}@{revision}") if f.severity == "error"]
    if errors:
        return {"error": "; ".join(f"{f.code}: {f.message}" for f in errors[:3])}
    return str(folder)


def _reeval_job(job: dict[str, Any], spec: Any, items: list[Any]) -> dict[str, Any]:
    """Evaluate the checkpoint here and compare with the claim."""
    path = job["path"]
    if job.get("revision"):
        path = _fetch_hub(path, job["revision"])
        if isinstance(path, dict):
            return path
    scorer = _scorer(path, job["backend"], job["compat"])
    flat = scorer.score([c for it in items for c in it.candidates])  # batched; scores are batch-invariant
    scores, k = [], 0
    for it in items:
        scores.append(flat[k : k + len(it.candidates)])
        k += len(it.candidates)
    res = spec.compute(items, scores, job["compat"])
    flags = []
    claimed = job.get("claimed_score")
    if isinstance(claimed, (int, float)) and abs(res.score - claimed) > job["tolerance"]:
        flags.append({"reason": f"re-evaluation gives {res.score:.4f}, the bundle claims {claimed:.4f} "
                                f"(tolerance {job['tolerance']})", "checkpoint": job["checkpoint"],
                      "task": job["task"]})
    return {"rows": _result_rows(job, res, f"{spec.metric}:reeval", f"reeval/{job['backend']}/{job['compat']}"),
            "flags": flags, "score": res.score}


# ----------------------------------------------------------------- planning (driver side)


def _claimed_rows(job: dict[str, Any], t: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"submission_id": job["submission_id"], "checkpoint": job["checkpoint"],
            "content_hash": job["content_hash"], "task": job["task"], "task_version": str(t.get("version", "1")),
            "scorer": f"claimed/{job['backend']}/{job.get('claimed_compat', job['compat'])}",
            "harness_version": job["harness_version"]}
    metric = str(t.get("metric", "score"))
    ci = t.get("ci95") or [None, None]
    rows = [dict(base, subtask="", metric=metric, value=float(t["score"]), ci_low=ci[0], ci_high=ci[1])]
    for sub, v in sorted((t.get("subtasks") or {}).items()):
        rows.append(dict(base, subtask=sub, metric=metric, value=float(v)))
    return [r for r in rows if math.isfinite(r["value"])]


def plan_jobs(
    root: Path, manifest: Any, report: Any, *, gold: Path | None, sample: int, seed: int, tolerance: float,
    plugins: list[str], content_hashes: dict[str, str], reeval_tasks: list[str] | None = None,
    compat: str = "babylm",
) -> tuple[list[dict[str, Any]], list[str]]:
    """All jobs for a validated bundle, in a fixed order, and the checkpoints sampled for re-evaluation."""
    from babylm import __version__
    from babylm.submissions.validate import registered_tasks

    TASKS = registered_tasks()
    sid = report.submission_id
    results: dict[str, Any] = {}
    if manifest.files.results:
        results = json.loads((root / manifest.files.results).read_text(encoding="utf-8"))
    claimed_compat = str(results.get("compat", compat))
    split = str(results.get("split", "fast"))
    required = list(report.summary.get("required_checkpoints", []))
    ck_results = results.get("checkpoints", {})
    common = {"submission_id": sid, "backend": manifest.backend, "compat": compat, "split": split,
              "harness_version": __version__, "tolerance": tolerance, "plugins": plugins,
              "gold": str(gold) if gold else None, "claimed_compat": claimed_compat}
    jobs: list[dict[str, Any]] = []
    for ck in required:
        for task, t in sorted((ck_results.get(ck, {}).get("tasks") or {}).items()):
            if not isinstance(t, dict) or t.get("status", "ok") != "ok":
                continue
            job = dict(common, checkpoint=ck, task=task, content_hash=content_hashes[ck],
                       claimed_score=t.get("score"))
            if gold is not None and task in TASKS and isinstance(t.get("items"), list):
                job.update(kind="gold", items=[{"id": i.get("id"), "scores": i.get("scores")} for i in t["items"]])
            else:
                job.update(kind="claimed")
                job["claimed_rows"] = _claimed_rows(job, t)
            jobs.append(job)
    if manifest.files.predictions and required:
        jobs += _prediction_jobs(root / manifest.files.predictions, common, required, ck_results, content_hashes,
                                 TASKS, gold)
    for task, t in sorted((results.get("across_checkpoints") or {}).items()):
        # Results over all checkpoints at once (AoA) are stored as claimed, under one pseudo-checkpoint.
        if isinstance(t, dict) and t.get("status", "ok") == "ok" and isinstance(t.get("score"), (int, float)):
            job = dict(common, kind="claimed", checkpoint=ACROSS, task=task, content_hash=None,
                       claimed_score=t.get("score"))
            job["claimed_rows"] = _claimed_rows(job, t)
            jobs.append(job)
    sampled: list[str] = []
    loc = manifest.model_location
    if gold is not None and sample > 0:
        rng = random.Random(f"{sid}:{seed}")
        sampled = sorted(rng.sample(required, min(sample, len(required))), key=required.index)
        for ck in sampled:
            for task, t in sorted((ck_results.get(ck, {}).get("tasks") or {}).items()):
                if task not in TASKS or not isinstance(t, dict) or t.get("status", "ok") != "ok":
                    continue
                if reeval_tasks is not None and task not in reeval_tasks:
                    continue
                jobs.append(dict(common, kind="reeval", checkpoint=ck, task=task, content_hash=content_hashes[ck],
                                 claimed_score=t.get("score"),
                                 path=str((root / loc.path / ck).resolve()) if loc.kind == "local" else loc.repo,
                                 revision=None if loc.kind == "local" else loc.revisions[ck]))
    return jobs, sampled


def _prediction_jobs(path: Path, common: dict[str, Any], required: list[str], ck_results: dict[str, Any],
                     hashes: dict[str, str], tasks: dict[str, Any], gold: Path | None) -> list[dict[str, Any]]:
    """Jobs from the official predictions file, for what results.json does not already cover:
    the final model's predictions (scored against gold when given) and `fast_eval_results` (claimed,
    one entry per checkpoint in schedule order)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    by_key = {(s.official_key or s.name): s for s in tasks.values()}
    final = required[-1]
    jobs: list[dict[str, Any]] = []
    for key, block in sorted(data.items()):
        spec = by_key.get(key)
        if key == "fast_eval_results" or spec is None or spec.name in (ck_results.get(final, {}).get("tasks") or {}):
            continue
        if gold is None or spec.metric != "accuracy":
            continue  # only accuracy tasks can be scored from bare predictions
        preds = {p["id"]: p.get("pred") for body in block.values() for p in body.get("predictions", [])}
        jobs.append(dict(common, kind="preds", checkpoint=final, task=spec.name, content_hash=hashes[final],
                         claimed_score=None, preds=preds, split="full"))
    for key, revs in sorted((data.get("fast_eval_results") or {}).items()):
        spec = by_key.get(key)
        name = spec.name if spec else key
        if not isinstance(revs, list) or len(revs) != len(required):
            continue
        for ck, subs in zip(required, revs, strict=True):
            if name in (ck_results.get(ck, {}).get("tasks") or {}) or not isinstance(subs, dict) or not subs:
                continue
            if ck == final and any(j["task"] == name for j in jobs):
                continue  # the final model's predictions were scored against gold: keep one row per key
            vals = [float(v) for v in subs.values()]
            t = {"score": sum(vals) / len(vals), "subtasks": subs, "metric": spec.metric if spec else "score",
                 "version": spec.version if spec else "1"}
            job = dict(common, kind="claimed", checkpoint=ck, task=name, content_hash=hashes[ck],
                       claimed_score=t["score"])
            job["claimed_rows"] = _claimed_rows(job, t)
            jobs.append(job)
    return jobs


def _done_keys(store: Any, sid: str) -> set[tuple[str, str, bool]]:
    """(checkpoint, task, is_reeval) whose task-level row is already stored."""
    df = store.scores_frame([sid], task_level_only=True)
    return {(r.checkpoint, r.task, str(r.metric).endswith(":reeval")) for r in df.itertuples()}


# ----------------------------------------------------------------- the command


def _meta(report: Any) -> dict[str, Any]:
    s = report.summary
    meta: dict[str, Any] = {
        "fact_sheet": s.get("fact_sheet"),
        "ledger_summary": s.get("ledger"),
        "budgets": s.get("budgets"),
        "scale": s.get("scale"),
        "data_words": s.get("data_words"),
        "flops_check": s.get("flops"),
    }
    if s.get("teacher"):
        meta["teacher"] = s["teacher"]  # {model_id, n_params, words}: shown in the fact sheet
    variants = (s.get("interaction") or {}).get("variants")
    if variants:  # {variant: [metric per round]}: the submission page's interaction chart
        meta["interaction"] = variants
        meta["interaction_run"] = {k: v for k, v in s["interaction"].items() if k != "variants"}
    return meta


def score_bundle(
    bundle: Path,
    store_url: str,
    *,
    gold: Path | None = None,
    executor: str = "inprocess",
    address: str | None = None,
    num_cpus: int | None = None,
    gpus_per_job: float = 0.0,
    sample: int = 2,
    seed: int = 0,
    tolerance: float = DEFAULT_TOLERANCE,
    allow_scaled: bool = False,
    load: bool = True,
    workdir: Path | None = None,
    plugins: list[str] | None = None,
    progress: bool = True,
    report: Any = None,
    reeval_tasks: list[str] | None = None,
    compat: str = "babylm",
) -> ScoreSummary:
    """Validate and score one bundle into the store (see the module docstring); an invalid bundle raises
    BabyLMError and writes nothing.

    `report`: a ValidationReport of this very bundle made by the caller with the same options (skips
    validating twice, e.g. in the demo). `reeval_tasks`: re-evaluate only these tasks (None: all).
    `compat`: how the organizer scores (ties count 0.5 under "babylm"), whatever the bundle claims.
    """
    summaries = score_bundles(
        [bundle], store_url, gold=gold, executor=executor, address=address, num_cpus=num_cpus,
        gpus_per_job=gpus_per_job, sample=sample, seed=seed, tolerance=tolerance, allow_scaled=allow_scaled,
        load=load, workdir=workdir, plugins=plugins, progress=progress, reports=[report] if report else None,
        reeval_tasks=reeval_tasks, compat=compat,
    )
    s = summaries[0]
    if not s.valid:
        raise BabyLMError(f"bundle is invalid, nothing was written: {s.failures[0]['error']}",
                          "run `babylm validate BUNDLE` for the full report")
    return s


def score_bundles(
    bundles: list[Path],
    store_url: str,
    *,
    gold: Path | None = None,
    executor: str = "inprocess",
    address: str | None = None,
    num_cpus: int | None = None,
    gpus_per_job: float = 0.0,
    sample: int = 2,
    seed: int = 0,
    tolerance: float = DEFAULT_TOLERANCE,
    allow_scaled: bool = False,
    load: bool = True,
    workdir: Path | None = None,
    plugins: list[str] | None = None,
    progress: bool = True,
    reports: list[Any] | None = None,
    reeval_tasks: list[str] | None = None,
    compat: str = "babylm",
) -> list[ScoreSummary]:
    """Score several bundles in one pass: every (submission, checkpoint, task) job of every valid bundle
    goes to one executor. An invalid bundle gets a summary with valid=False and writes nothing."""
    from babylm.leaderboard.store import Store
    from babylm.submissions.executors import make_executor
    from babylm.submissions.validate import validate_bundle

    if compat not in ("babylm", "official"):
        raise BabyLMError(f"unknown compat {compat!r}", "use 'babylm' or 'official'")
    plugins = list(plugins or [])
    _plugins({"plugins": plugins})
    if gold is not None and not Path(gold).is_dir():
        raise BabyLMError(f"gold data folder not found: {gold}", "pass the organizers' data root with --gold")
    gold = Path(gold).resolve() if gold is not None else None
    own = reports is None
    if reports is None:
        reports = []
        for i, b in enumerate(bundles):
            wd = None if workdir is None else Path(workdir) / f"bundle{i}"
            reports.append(validate_bundle(b, allow_scaled=allow_scaled, load=load, data_root=gold, workdir=wd,
                                           progress=progress))
    summaries: list[ScoreSummary] = []
    try:
        valid = [r for r in reports if r.ok and r.submission_id is not None and r.root is not None]
        for r in reports:
            if r not in valid:
                errs = "; ".join(f"{f.code}: {f.message}" for f in r.findings.errors[:3])
                summaries.append(ScoreSummary(submission_id=r.submission_id or "", store=str(store_url), valid=False,
                                              executor=executor, failures=[{"checkpoint": None, "task": None,
                                                                            "kind": "validate", "error": errs}]))
        if not valid:
            return summaries
        ex = make_executor(executor, address=address, num_cpus=num_cpus, gpus_per_job=gpus_per_job)
        store = Store(store_url)
        try:
            todo: list[dict[str, Any]] = []
            by_sid: dict[str, ScoreSummary] = {}
            for r in valid:
                summary, jobs = _prepare(r, store, gold=gold, sample=sample, seed=seed, tolerance=tolerance,
                                         plugins=plugins, reeval_tasks=reeval_tasks, compat=compat)
                summary.executor = executor
                by_sid[summary.submission_id] = summary
                summaries.append(summary)
                todo += jobs
            _run(ex, todo, store, by_sid, progress)
        finally:
            ex.close()
            store.close()
    finally:
        if own:
            for r in reports:
                r.cleanup()
    return summaries


def _prepare(report: Any, store: Any, *, gold: Path | None, sample: int, seed: int, tolerance: float,
             plugins: list[str], reeval_tasks: list[str] | None, compat: str) -> tuple[ScoreSummary, list[dict[str, Any]]]:
    """Write a valid submission's facts and checkpoints; return its summary and the jobs still to run."""
    from babylm.submissions.bundle import SubmissionManifest, checkpoint_content_hash

    root, sid = report.root, report.submission_id
    manifest = SubmissionManifest.model_validate(report.manifest)
    fact = report.summary.get("fact_sheet") or {}
    summary = ScoreSummary(submission_id=sid, store=store.url, valid=True)
    teacher = (fact.get("teacher") or {}).get("model_id")
    store.upsert_submission(
        submission_id=sid, team=manifest.team, model=manifest.model, edition=manifest.edition,
        track=manifest.track, backend=manifest.backend, n_params=fact.get("n_params"),
        train_flops=fact.get("train_flops"), words_seen=fact.get("words_seen"), teacher=teacher,
        meta=_meta(report), synthetic=False,
    )
    rep_dict = report.to_dict()
    old = store.submission(sid) or {}
    if json.dumps(old.get("validation_report"), sort_keys=True) != json.dumps(rep_dict, sort_keys=True):
        store.set_validation_report(sid, rep_dict)
    hashes: dict[str, str] = {}
    ledger = report.summary.get("ledger") or {}
    required = list(report.summary.get("required_checkpoints", []))
    for ck in required:
        folder = root / (manifest.model_location.path or "") / ck
        hashes[ck] = checkpoint_content_hash(folder) if folder.is_dir() else f"hub:{ck}"
        meta = json.loads((folder / "babylm_checkpoint.json").read_text()) if folder.is_dir() else {}
        store.upsert_checkpoint(submission_id=sid, name=ck, words_seen=int(ledger["checkpoints"][ck]),
                                train_flops=meta.get("train_flops"), content_hash=hashes[ck])
    jobs, summary.sampled_checkpoints = plan_jobs(
        root, manifest, report, gold=gold, sample=sample, seed=seed, tolerance=tolerance, plugins=plugins,
        content_hashes=hashes, reeval_tasks=reeval_tasks, compat=compat,
    )
    claimed_compat = jobs[0]["claimed_compat"] if jobs else compat
    if claimed_compat != compat:
        reason = f"results were computed with compat '{claimed_compat}'; the organizers score with '{compat}'"
        new = store.add_flag(submission_id=sid, reason=reason, by=SCORER_BY)
        summary.flags.append({"reason": reason, "checkpoint": None, "task": None})
        summary.flags_added += int(new)
    summary.jobs_total = len(jobs)
    done = _done_keys(store, sid)
    todo = [j for j in jobs if (j["checkpoint"], j["task"], j["kind"] == "reeval") not in done]
    summary.jobs_skipped = len(jobs) - len(todo)
    return summary, todo


def _run(ex: Any, todo: list[dict[str, Any]], store: Any, by_sid: dict[str, ScoreSummary], progress: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from babylm.output import err_console

    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, disable=not progress,
                  transient=True) as bar:
        tid = bar.add_task("", total=len(todo))
        for job, res in ex.map_unordered(run_job, todo):
            summary = by_sid[job["submission_id"]]
            bar.update(tid, advance=1, description=f"{job['checkpoint']}/{job['task']} ({job['kind']})")
            if "error" in res:
                summary.failures.append({"checkpoint": job["checkpoint"], "task": job["task"], "kind": job["kind"],
                                         "error": res["error"]})
                continue
            # Flags first: a crash between the two writes re-runs the job, and flags are idempotent.
            for fl in res.get("flags", []):
                new = store.add_flag(submission_id=job["submission_id"], reason=fl["reason"], by=SCORER_BY,
                                     checkpoint=fl.get("checkpoint"), task=fl.get("task"))
                summary.flags.append(fl)
                summary.flags_added += int(new)
            summary.rows_inserted += store.add_scores(res["rows"])
            summary.jobs_run += 1
