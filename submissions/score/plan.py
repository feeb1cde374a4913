"""Planning (driver side): every job of a validated bundle, in a fixed order."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from babylm.submissions.score.jobs import JobBase, ScoreJob, claimed_rows

ACROSS = "across_checkpoints"  # pseudo-checkpoint name of results computed over all checkpoints (AoA)


def _ok(t: Any) -> bool:
    return isinstance(t, dict) and t.get("status", "ok") == "ok"


def _claimed(base: JobBase, t: dict[str, Any], **fields: Any) -> ScoreJob:
    job = ScoreJob.of(base, kind="claimed", claimed_score=t.get("score"), **fields)
    return job.with_(claimed_rows=claimed_rows(job, t))


def plan_jobs(
    root: Path, manifest: Any, report: Any, *, gold: Path | None, sample: int, seed: int, tolerance: float,
    plugins: list[str], content_hashes: dict[str, str], reeval_tasks: list[str] | None = None,
    compat: str = "babylm",
) -> tuple[list[ScoreJob], list[str]]:
    """All jobs for a validated bundle, in a fixed order, and the checkpoints sampled for re-evaluation."""
    from babylm import __version__
    from babylm.evaluation.registry import tasks
    from babylm.evaluation.results import load_results

    known = tasks()
    results = load_results(root / manifest.files.results) if manifest.files.results else {}
    required = list(report.summary.get("required_checkpoints", []))
    ck_results = results.get("checkpoints", {})
    base = JobBase(submission_id=report.submission_id, backend=manifest.backend, compat=compat,
                   split=str(results.get("split", "fast")), harness_version=__version__, tolerance=tolerance,
                   plugins=tuple(plugins), gold=str(gold) if gold else None,
                   claimed_compat=str(results.get("compat", compat)))
    jobs: list[ScoreJob] = []
    for ck in required:
        for task, t in sorted((ck_results.get(ck, {}).get("tasks") or {}).items()):
            if not _ok(t):
                continue
            fields = {"checkpoint": ck, "task": task, "content_hash": content_hashes[ck]}
            if gold is not None and task in known and isinstance(t.get("items"), list):
                jobs.append(ScoreJob.of(base, kind="gold", claimed_score=t.get("score"), **fields,
                                        items=[{"id": i.get("id"), "scores": i.get("scores")} for i in t["items"]]))
            else:
                jobs.append(_claimed(base, t, **fields))
    if manifest.files.predictions and required:
        jobs += prediction_jobs(root / manifest.files.predictions, base, required, ck_results, content_hashes,
                                known, gold)
    for task, t in sorted((results.get("across_checkpoints") or {}).items()):
        # Results over all checkpoints at once (AoA) are stored as claimed, under one pseudo-checkpoint.
        if _ok(t) and isinstance(t.get("score"), (int, float)):
            jobs.append(_claimed(base, t, checkpoint=ACROSS, task=task, content_hash=None))
    sampled: list[str] = []
    if gold is not None and sample > 0:
        rng = random.Random(f"{report.submission_id}:{seed}")
        sampled = sorted(rng.sample(required, min(sample, len(required))), key=required.index)
        jobs += _reeval_jobs(root, manifest, base, sampled, ck_results, content_hashes, known, reeval_tasks)
    return jobs, sampled


def _reeval_jobs(root: Path, manifest: Any, base: JobBase, sampled: list[str], ck_results: dict[str, Any],
                 hashes: dict[str, str], known: dict[str, Any], only: list[str] | None) -> list[ScoreJob]:
    loc = manifest.model_location
    jobs = []
    for ck in sampled:
        for task, t in sorted((ck_results.get(ck, {}).get("tasks") or {}).items()):
            if task not in known or not _ok(t) or (only is not None and task not in only):
                continue
            jobs.append(ScoreJob.of(base, kind="reeval", checkpoint=ck, task=task, content_hash=hashes[ck],
                                    claimed_score=t.get("score"),
                                    path=str((root / loc.path / ck).resolve()) if loc.kind == "local" else loc.repo,
                                    revision=None if loc.kind == "local" else loc.revisions[ck]))
    return jobs


def prediction_jobs(path: Path, base: JobBase, required: list[str], ck_results: dict[str, Any],
                    hashes: dict[str, str], known: dict[str, Any], gold: Path | None) -> list[ScoreJob]:
    """Jobs from the official predictions file, for what results.json does not already cover:
    the final model's predictions (scored against gold when given) and `fast_eval_results` (claimed,
    one entry per checkpoint in schedule order)."""
    from babylm.evaluation.results import read_official_predictions

    data = read_official_predictions(path)
    by_key = {(s.official_key or s.name): s for s in known.values()}
    final = required[-1]
    jobs: list[ScoreJob] = []
    for key, block in sorted(data.items()):
        spec = by_key.get(key)
        if key == "fast_eval_results" or spec is None or spec.name in (ck_results.get(final, {}).get("tasks") or {}):
            continue
        if gold is None or spec.metric != "accuracy":
            continue  # only accuracy tasks can be scored from bare predictions
        preds = {p["id"]: p.get("pred") for body in block.values() for p in body.get("predictions", [])}
        jobs.append(ScoreJob.of(base, kind="preds", checkpoint=final, task=spec.name, content_hash=hashes[final],
                                claimed_score=None, preds=preds, split="full"))
    for key, revs in sorted((data.get("fast_eval_results") or {}).items()):
        spec = by_key.get(key)
        name = spec.name if spec else key
        if not isinstance(revs, list) or len(revs) != len(required):
            continue
        for ck, subs in zip(required, revs, strict=True):
            if name in (ck_results.get(ck, {}).get("tasks") or {}) or not isinstance(subs, dict) or not subs:
                continue
            if ck == final and any(j.task == name for j in jobs):
                continue  # the final model's predictions were scored against gold: keep one row per key
            vals = [float(v) for v in subs.values()]
            t = {"score": sum(vals) / len(vals), "subtasks": subs, "metric": spec.metric if spec else "score",
                 "version": spec.version if spec else "1"}
            jobs.append(_claimed(base, t, checkpoint=ck, task=name, content_hash=hashes[ck]))
    return jobs
