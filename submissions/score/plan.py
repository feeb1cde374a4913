"""Planning (driver side): every job of a validated bundle, in a fixed order."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.safe_load.limits import finite
from babylm.submissions.score.jobs import JobBase, ScoreJob, claimed_rows

ACROSS = "across_checkpoints"  # pseudo-checkpoint name of results computed over all checkpoints (AoA)


def _ok(t: Any) -> bool:
    return isinstance(t, dict) and t.get("status", "ok") == "ok"


def _claimed(base: JobBase, t: dict[str, Any], **fields: Any) -> ScoreJob:
    job = ScoreJob.of(base, kind="claimed", claimed_score=t.get("score"), **fields)
    return job.with_(claimed_rows=claimed_rows(job, t))


def _tasks(ck_results: Any, ck: str) -> dict[str, Any]:
    """One checkpoint's {task: result} of results.json ({} for anything else)."""
    entry = ck_results.get(ck) if isinstance(ck_results, dict) else None
    tasks = entry.get("tasks") if isinstance(entry, dict) else None
    return tasks if isinstance(tasks, dict) else {}


def plan_jobs(
    root: Path, manifest: Any, report: Any, *, gold: Path | None, sample: int, seed: int, tolerance: float,
    plugins: list[str], content_hashes: dict[str, str], reeval_tasks: list[str] | None = None,
    compat: str = "babylm",
) -> tuple[list[ScoreJob], list[str]]:
    """All jobs for a validated bundle, in a fixed order, and the checkpoints sampled for re-evaluation.

    Never a traceback: the validator has accepted the bundle, so a value planning cannot use is left out,
    and anything unforeseen is a BabyLMError naming the submission and the file (a clean CLI error)."""
    try:
        return _plan(root, manifest, report, gold=gold, sample=sample, seed=seed, tolerance=tolerance,
                     plugins=plugins, content_hashes=content_hashes, reeval_tasks=reeval_tasks, compat=compat)
    except BabyLMError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bundle the validator accepted must not crash the scorer
        files = getattr(manifest, "files", None)
        rel = " / ".join(str(x) for x in (getattr(files, "results", None), getattr(files, "predictions", None)) if x)
        raise BabyLMError(f"E_INTERNAL: cannot plan the scoring of {getattr(report, 'submission_id', '?')} from "
                          f"{rel or 'the bundle'}: {type(exc).__name__}: {str(exc)[:200]}",
                          "nothing was stored for these jobs; report this bundle to the organizers") from None


def _plan(
    root: Path, manifest: Any, report: Any, *, gold: Path | None, sample: int, seed: int, tolerance: float,
    plugins: list[str], content_hashes: dict[str, str], reeval_tasks: list[str] | None, compat: str,
) -> tuple[list[ScoreJob], list[str]]:
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
        for task, t in sorted(_tasks(ck_results, ck).items()):
            if task not in known or not _ok(t) or not finite(t.get("score")):
                continue  # a task this harness does not know is checked by nothing: never stored
            fields = {"checkpoint": ck, "task": task, "content_hash": content_hashes[ck]}
            items = t.get("items")
            if gold is not None and task in known and isinstance(items, list):
                jobs.append(ScoreJob.of(base, kind="gold", claimed_score=t.get("score"), **fields,
                                        items=[{"id": i.get("id"), "scores": i.get("scores")} for i in items
                                               if isinstance(i, dict)]))
            else:
                jobs.append(_claimed(base, t, **fields))
    if manifest.files.predictions and required:
        jobs += prediction_jobs(root / manifest.files.predictions, base, required, ck_results, content_hashes,
                                known, gold)
    across = results.get("across_checkpoints")
    for task, t in sorted((across if isinstance(across, dict) else {}).items()):
        # Results over all checkpoints at once (AoA) are stored as claimed, under one pseudo-checkpoint
        # (the validator has checked each is backed by per-checkpoint results).
        if _ok(t) and finite(t.get("score")):
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
        for task, t in sorted(_tasks(ck_results, ck).items()):
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
        if key == "fast_eval_results" or spec is None or spec.name in _tasks(ck_results, final):
            continue
        if gold is None or spec.metric != "accuracy" or not isinstance(block, dict):
            continue  # only accuracy tasks can be scored from bare predictions
        preds = {p["id"]: p.get("pred") for body in block.values() if isinstance(body, dict)
                 for p in (body.get("predictions") if isinstance(body.get("predictions"), list) else [])
                 if isinstance(p, dict) and isinstance(p.get("id"), (str, int))}
        jobs.append(ScoreJob.of(base, kind="preds", checkpoint=final, task=spec.name, content_hash=hashes[final],
                                claimed_score=None, preds=preds, split="full"))
    fast = data.get("fast_eval_results")
    for key, revs in sorted((fast if isinstance(fast, dict) else {}).items()):
        spec = by_key.get(key)
        if spec is None or not isinstance(revs, list) or len(revs) != len(required):
            continue  # an unknown task key is stored nowhere
        name = spec.name
        for ck, subs in zip(required, revs, strict=True):
            if name in _tasks(ck_results, ck) or not isinstance(subs, dict) or not subs:
                continue
            if not all(finite(v) for v in subs.values()):
                continue  # the validator refuses such values; never store what is not a number
            if ck == final and any(j.task == name for j in jobs):
                continue  # the final model's predictions were scored against gold: keep one row per key
            vals = [float(v) for v in subs.values()]
            t = {"score": sum(vals) / len(vals), "subtasks": subs, "metric": spec.metric, "version": spec.version}
            jobs.append(_claimed(base, t, checkpoint=ck, task=name, content_hash=hashes[ck]))
    return jobs
