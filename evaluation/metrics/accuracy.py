"""Scoring arithmetic shared by the tasks: predictions with explicit ties, accuracy, bootstrap intervals.

A tie (two or more candidates share the top score) scores 0.5 under compat "babylm" and 1 under
compat "official" (the official pipelines take `argmax`, which picks index 0 = gold on a tie).
"""

from __future__ import annotations

from collections.abc import Sequence

from babylm.evaluation.api import Compat, Item, ItemScore, TaskResult

TIE_SCORE = 0.5


def predict(scores: Sequence[float]) -> tuple[int, bool]:
    """The first arg-max (as numpy/torch argmax) and whether the maximum is shared (a tie)."""
    if not scores:
        raise ValueError("no candidate scores")
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    top = scores[best]
    tie = sum(1 for s in scores if s == top) > 1
    return best, tie


def correctness(pred: int, tie: bool, gold: int | None, compat: Compat) -> float:
    """1 if right, 0 if wrong; a tie that includes gold scores 0.5 ("babylm") or 1 ("official")."""
    if gold is None:
        return float("nan")
    if tie:  # the caller guarantees gold is among the tied candidates
        if compat == "official":
            return 1.0 if pred == gold else 0.0
        return TIE_SCORE
    return 1.0 if pred == gold else 0.0


def score_items(items: Sequence[Item], scores: Sequence[Sequence[float]], compat: Compat) -> list[ItemScore]:
    """Per-item predictions, ties and correctness (one list of candidate scores per item)."""
    if len(items) != len(scores):
        raise ValueError(f"{len(items)} items but {len(scores)} score lists")
    out = []
    for item, sc in zip(items, scores, strict=True):
        pred, tie = predict(sc)
        if tie and item.gold is not None and sc[item.gold] != sc[pred]:
            tie = False  # gold is not among the tied best: plainly wrong, not a tie
        out.append(ItemScore(item.id, item.subtask, [float(s) for s in sc], pred,
                             correctness(pred, tie, item.gold, compat), tie))
    return out


def macro_mean(per_subtask: dict[str, list[float]]) -> tuple[float, dict[str, float]]:
    """Unweighted mean over sub-tasks of each sub-task's mean."""
    subs = {k: sum(v) / len(v) for k, v in per_subtask.items() if v}
    if not subs:
        return float("nan"), {}
    return sum(subs.values()) / len(subs), subs


def bootstrap_ci(
    per_subtask: dict[str, list[float]], n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the macro mean, resampling items within each sub-task."""
    import numpy as np

    groups = [np.asarray(v, dtype=np.float64) for v in per_subtask.values() if len(v)]
    if not groups:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = np.zeros(n_boot)
    for g in groups:
        idx = rng.integers(0, len(g), size=(n_boot, len(g)))
        means += g[idx].mean(axis=1)
    means /= len(groups)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(lo), float(hi))


def accuracy_result(
    task: str,
    version: str,
    items: Sequence[Item],
    scores: Sequence[Sequence[float]],
    compat: Compat,
    *,
    n_boot: int = 1000,
) -> TaskResult:
    """Macro accuracy over sub-tasks with tie rate, bootstrap 95 % interval and per-item scores."""
    scored = score_items(items, scores, compat)
    per: dict[str, list[float]] = {}
    for s in scored:
        per.setdefault(s.subtask, []).append(s.correct)
    score, subs = macro_mean(per)
    ties = sum(s.tie for s in scored)
    return TaskResult(
        task=task, version=version, metric="accuracy", score=score, subtasks=subs, n_items=len(scored),
        tie_rate=ties / len(scored) if scored else 0.0, ci95=bootstrap_ci(per, n_boot=n_boot),
        items=scored,
    )
