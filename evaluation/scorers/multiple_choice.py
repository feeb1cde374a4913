"""Multiple-choice log-likelihood scoring as lm-eval defines it: `acc` and `acc_norm` from one set of
candidate log-probabilities.

The log-probabilities come from any babylm scorer (the causal scorer for the 2026 tasks): an item's
candidates are ScoreRequests, the runner scores them through the scorer and caches them per
(checkpoint, task version, backend, compat, split) like every other task. This module only turns those
scores into predictions:

- `acc`: the candidate with the highest summed log-probability (lm-eval `acc`).
- `acc_norm`: the highest log-probability divided by the candidate's length, lm-eval's `acc_norm`
  (length in characters of the choice as `doc_to_choice` gives it, without the target delimiter) or its
  `acc_norm_bytes` (UTF-8 bytes, the global_piqa tasks). Each item stores its lengths in
  `extra["norm_len"]`, so the normaliser is fixed by the loader, never guessed from the request text.

Ties: compat "official" takes the first arg-max (numpy's argmax, what lm-eval and the official pipelines
do); compat "babylm" scores a tie that includes the gold candidate 0.5 (`metrics.accuracy`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from babylm.evaluation.api import Compat, Item, ItemScore, Scorer, TaskResult
from babylm.evaluation.metrics.accuracy import bootstrap_ci, macro_mean, score_items

Norm = Literal["chars", "bytes"]
Primary = Literal["acc", "acc_norm"]
Aggregate = Literal["micro", "macro"]


def choice_lengths(choices: Sequence[str], norm: Norm = "chars") -> list[int]:
    """Each choice's length for `acc_norm`: characters (lm-eval `acc_norm`) or UTF-8 bytes (`acc_norm_bytes`)."""
    if norm == "bytes":
        return [len(c.encode("utf-8")) for c in choices]
    return [len(c) for c in choices]


def normalised(scores: Sequence[float], lengths: Sequence[int]) -> list[float]:
    """Log-probabilities divided by length (a zero length keeps the raw score, as lm-eval would divide by 0)."""
    return [s / n if n else s for s, n in zip(scores, lengths, strict=True)]


def norm_scores(items: Sequence[Item], scores: Sequence[Sequence[float]]) -> list[list[float]]:
    """The length-normalised scores of every item (lengths from `item.extra["norm_len"]`)."""
    out = []
    for it, sc in zip(items, scores, strict=True):
        lengths = it.extra.get("norm_len")
        if not isinstance(lengths, list) or len(lengths) != len(sc):
            raise ValueError(f"item {it.id}: extra['norm_len'] must give one length per candidate")
        out.append(normalised(sc, lengths))
    return out


def _mean(scored: Sequence[ItemScore], aggregate: Aggregate) -> tuple[float, dict[str, float], dict[str, list[float]]]:
    per: dict[str, list[float]] = {}
    for s in scored:
        per.setdefault(s.subtask, []).append(s.correct)
    macro, subs = macro_mean(per)
    if aggregate == "macro":
        return macro, subs, per
    micro = sum(s.correct for s in scored) / len(scored) if scored else math.nan
    return micro, subs, per


def mc_result(
    task: str,
    version: str,
    items: Sequence[Item],
    scores: Sequence[Sequence[float]],
    compat: Compat,
    *,
    primary: Primary = "acc",
    aggregate: Aggregate = "micro",
    n_boot: int = 1000,
) -> TaskResult:
    """acc and acc_norm (when the items carry lengths) of a multiple-choice task; `score` is `primary`.

    `aggregate` "micro" is lm-eval's mean over all items (a group with weight_by_size), "macro" the
    unweighted mean over sub-tasks. Per-item rows (`items`) follow the primary metric.
    """
    raw = score_items(items, scores, compat)
    has_norm = all("norm_len" in it.extra for it in items)
    normed = score_items(items, norm_scores(items, scores), compat) if has_norm else None
    acc, acc_subs, acc_per = _mean(raw, aggregate)
    metrics = {"acc": acc}
    if normed is not None:
        metrics["acc_norm"] = _mean(normed, aggregate)[0]
    if primary == "acc_norm" and normed is None:
        raise ValueError(f"{task}: acc_norm needs extra['norm_len'] on every item")
    chosen = normed if primary == "acc_norm" and normed is not None else raw
    score, subs, per = (acc, acc_subs, acc_per) if chosen is raw else _mean(chosen, aggregate)
    # Keep the raw log-probabilities on every row (the cache and the bridge compare them).
    rows = [ItemScore(c.id, c.subtask, r.scores, c.pred, c.correct, c.tie) for c, r in zip(chosen, raw, strict=True)]
    ties = sum(s.tie for s in chosen)
    return TaskResult(
        task=task, version=version, metric="accuracy", score=score, subtasks=subs, n_items=len(rows),
        tie_rate=ties / len(rows) if rows else 0.0,
        ci95=bootstrap_ci({"all": [s.correct for s in chosen]} if aggregate == "micro" else per, n_boot=n_boot),
        items=rows,
        details={"metrics": metrics, "primary": primary, "aggregation": aggregate},
    )


def score_choices(scorer: Scorer, items: Sequence[Item]) -> list[list[float]]:
    """Candidate log-probabilities per item through one scorer call (what the runner does, without its
    cache; for benches and tests that hold a scorer)."""
    flat = scorer.score([c for it in items for c in it.candidates])
    out, k = [], 0
    for it in items:
        out.append([float(v) for v in flat[k: k + len(it.candidates)]])
        k += len(it.candidates)
    return out
