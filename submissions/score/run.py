"""Running one job (anywhere: this process or a Ray worker): pure data in, {"rows", "flags"} out."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babylm.submissions.score.jobs import ScoreJob, result_rows

_SCORERS: dict[tuple[str, str, str, str | None], Any] = {}
HUB_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*"]


def import_plugins(plugins: Iterable[str]) -> None:
    """Import organizer plugins (extra tasks) named 'module:function' before a job runs."""
    for spec in plugins:
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


def run_job(job: ScoreJob) -> dict[str, Any]:
    """Run one scoring job; returns {"rows": [...], "flags": [...]} or {"error": "..."}. Never raises."""
    try:
        import_plugins(job.plugins)
        if job.kind == "claimed":
            return {"rows": job.claimed_rows, "flags": []}
        from babylm.evaluation.registry import tasks

        spec = tasks()[job.task]
        items = list(spec.loader(Path(job.gold or ""), job.split))
        kinds = {"gold": _gold_job, "reeval": _reeval_job, "preds": _preds_job}
        if job.kind not in kinds:
            return {"error": f"unknown job kind {job.kind!r}"}
        return kinds[job.kind](job, spec, items)
    except Exception as exc:  # a job failure is data for the summary, not a crash of the scorer
        return {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}


def _flag(job: ScoreJob, reason: str) -> dict[str, Any]:
    return {"reason": reason, "checkpoint": job.checkpoint, "task": job.task}


def _claim_flags(job: ScoreJob, score: float, reason: str) -> list[dict[str, Any]]:
    """A flag when the bundle's claimed score and `score` differ by more than the tolerance."""
    claimed = job.claimed_score
    if isinstance(claimed, (int, float)) and abs(score - claimed) > job.tolerance:
        return [_flag(job, reason.format(score=score, claimed=claimed, tolerance=job.tolerance))]
    return []


def _gold_job(job: ScoreJob, spec: Any, items: list[Any]) -> dict[str, Any]:
    """Re-score the participant's per-item candidate scores against the organizers' gold."""
    claimed = {it["id"]: it for it in job.items}
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
    res = spec.compute(items, scores, job.compat)
    flags = []
    if missing:
        flags.append(_flag(job, f"{missing} of {len(items)} gold items had no prediction (counted wrong)"))
    flags += _claim_flags(job, res.score, "claimed {claimed:.4f} but the bundle's own item scores give "
                                          "{score:.4f} on the organizers' gold")
    rows = result_rows(job, version=res.version, metric=spec.metric, scorer=f"gold/{job.backend}/{job.compat}",
                       score=res.score, ci95=res.ci95, subtasks=res.subtasks)
    return {"rows": rows, "flags": flags, "score": res.score}


def _preds_job(job: ScoreJob, spec: Any, items: list[Any]) -> dict[str, Any]:
    """Accuracy of bare official predictions (candidate index or candidate text) against gold."""
    from babylm.evaluation.metrics.accuracy import bootstrap_ci, macro_mean

    per: dict[str, list[float]] = {}
    missing = 0
    for it in items:
        p = job.preds.get(it.id)
        if isinstance(p, str):
            texts = [c.continuation.strip() for c in it.candidates]
            p = texts.index(p.strip()) if p.strip() in texts else None
        if p is None or isinstance(p, bool) or not isinstance(p, int):
            missing += 1
        per.setdefault(it.subtask, []).append(1.0 if p == it.gold else 0.0)
    score, subs = macro_mean(per)
    flags = []
    if missing:
        flags.append(_flag(job, f"{missing} of {len(items)} gold items had no usable prediction (counted wrong)"))
    rows = result_rows(job, version=spec.version, metric=spec.metric, scorer=f"gold-preds/{job.backend}",
                       score=score, ci95=bootstrap_ci(per, n_boot=200), subtasks=subs)
    return {"rows": rows, "flags": flags, "score": score}


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


def _reeval_job(job: ScoreJob, spec: Any, items: list[Any]) -> dict[str, Any]:
    """Evaluate the checkpoint here and compare with the claim."""
    path: str | dict[str, Any] = job.path or ""
    if job.revision:
        path = _fetch_hub(str(path), job.revision)
        if isinstance(path, dict):
            return path
    scorer = _scorer(str(path), job.backend, job.compat)
    flat = scorer.score([c for it in items for c in it.candidates])  # batched; scores are batch-invariant
    scores, k = [], 0
    for it in items:
        scores.append(flat[k : k + len(it.candidates)])
        k += len(it.candidates)
    res = spec.compute(items, scores, job.compat)
    flags = _claim_flags(job, res.score, "re-evaluation gives {score:.4f}, the bundle claims {claimed:.4f} "
                                         "(tolerance {tolerance})")
    rows = result_rows(job, version=res.version, metric=f"{spec.metric}:reeval",
                       scorer=f"reeval/{job.backend}/{job.compat}", score=res.score, ci95=res.ci95,
                       subtasks=res.subtasks)
    return {"rows": rows, "flags": flags, "score": res.score}
