"""A task score recomputed from the bundle's own per-item results, so that what the store keeps for a task
without the organizers' gold (a "claimed" row) is at least what the items give.

For an accuracy task whose items carry `pred`, `correct` and `tie` (what `babylm eval run` writes):

- every item is consistent in itself: `pred` indexes one of the highest of its `scores`, `tie` says
  whether that highest score is shared, `correct` is 0, 1 or (a tie under compat "babylm") 0.5
  (E_ITEM_INCONSISTENT);
- each sub-task score is the mean of its items' `correct`, the task score is what the task's own
  aggregation gives from them (the macro mean; for a task with another aggregation, its `compute` run on
  items whose gold agrees with their `correct`): a difference over SCORE_TOLERANCE is E_SCORE_MISMATCH.

Whether `correct` itself is right needs the gold labels: `babylm submission score --eval-data` re-scores
the items against them (gold jobs). An accuracy task's items without `correct` are refused (the harness
always writes it); tasks with another metric (correlations, AoA, fine-tuning) and results without items
stay claims.
"""

from __future__ import annotations

import math
from typing import Any

from babylm.evaluation import registry
from babylm.submissions.findings import error
from babylm.submissions.safe_load.limits import finite
from babylm.submissions.validate.context import Context

SCORE_TOLERANCE = 1e-6
# results.json rounds candidate scores to 6 decimals: two scores this close may be one tied score.
ROUNDING = 2e-6
FIX = "write results.json with `babylm eval run` and do not edit it"


def check_task_score(c: Context, rel: str, where: str, task: str, t: dict[str, Any], items: list[dict[str, Any]],
                     compat: str) -> None:
    """The findings of the module docstring for one (checkpoint, task) result of results.json."""
    spec = registry.tasks().get(task)
    if spec is None or spec.metric != "accuracy" or not items or not finite(t.get("score")):
        return
    graded = [it for it in items if it.get("correct") is not None]
    if len(graded) != len(items):  # an accuracy item always has a gold index, so a correctness value
        c.F.add(error("E_ITEM_INCONSISTENT", f"{where}: {len(items) - len(graded)} of {len(items)} items have no "
                      "'correct' value", FIX, rel))
        return
    per: dict[str, list[float]] = {}
    for it in items:
        why = _item_problem(it, compat)
        if why:
            c.F.add(error("E_ITEM_INCONSISTENT", f"{where}: item {str(it.get('id'))[:60]!r}: {why}", FIX, rel))
            return
        per.setdefault(str(it.get("subtask", "")), []).append(float(it["correct"]))
    subs = {k: sum(v) / len(v) for k, v in per.items()}
    claimed_subs = t.get("subtasks")
    if isinstance(claimed_subs, dict) and claimed_subs:
        for sub, v in sorted(subs.items()):
            got = claimed_subs.get(sub)
            if not finite(got) or abs(got - v) > SCORE_TOLERANCE:
                c.F.add(error("E_SCORE_MISMATCH", f"{where}/{sub}: claims {str(got)[:20]}, its items give {v:.6f}",
                              FIX, rel))
                return
        extra = sorted(set(claimed_subs) - set(subs))
        if extra:
            c.F.add(error("E_SCORE_MISMATCH", f"{where}: sub-task {str(extra[0])[:60]!r} has no items", FIX, rel))
            return
    score = float(t["score"])
    macro = sum(subs.values()) / len(subs)
    if abs(score - macro) <= SCORE_TOLERANCE:
        return
    own = _own_aggregation(spec, items, compat)
    if own is not None and math.isfinite(own) and abs(score - own) <= SCORE_TOLERANCE:
        return
    got = own if own is not None and math.isfinite(own) else macro
    c.F.add(error("E_SCORE_MISMATCH", f"{where}: claims a score of {score:.6f}, its items give {got:.6f}", FIX, rel))


def _item_problem(it: dict[str, Any], compat: str) -> str | None:
    """Why an item's pred / tie / correct cannot come from its scores, or None."""
    sc, pred, tie, correct = it.get("scores"), it.get("pred"), it.get("tie", False), it.get("correct")
    if not isinstance(sc, list) or not sc or not all(finite(x) for x in sc):
        return "no candidate scores"
    if isinstance(pred, bool) or not isinstance(pred, int) or not 0 <= pred < len(sc):
        return f"pred {str(pred)[:20]} is not the index of a candidate"
    if not isinstance(tie, bool):
        return "tie is not true or false"
    if isinstance(correct, bool) or not finite(correct) or correct not in (0, 0.5, 1):
        return f"correct {str(correct)[:20]} is not 0, 0.5 or 1"
    top = max(sc)
    if sc[pred] < top - ROUNDING:
        return f"pred {pred} is not the highest-scored candidate"
    shared = sum(1 for x in sc if x >= top - ROUNDING) > 1
    if tie and not shared:
        return "marked a tie, but its highest score is not shared"
    if correct == 0.5 and not (tie and compat == "babylm"):
        return "correct 0.5 is only a tie's score under compat 'babylm'"
    return None


def _own_aggregation(spec: Any, items: list[dict[str, Any]], compat: str) -> float | None:
    """The task's `compute` run on the bundle's items with a gold index that agrees with each item's
    `correct` (the task's own aggregation, e.g. a mean of means); None when it cannot run."""
    from babylm.evaluation.api import Item, ScoreRequest

    rebuilt, scores = [], []
    for it in items:
        sc = [float(x) for x in it["scores"]]
        pred = it["pred"]
        if it["correct"] > 0:
            gold = pred
        else:
            top = max(sc)
            lower = [i for i, x in enumerate(sc) if x < top - ROUNDING]
            gold = lower[0] if lower else next(i for i in range(len(sc)) if i != pred) if len(sc) > 1 else pred
        rebuilt.append(Item(str(it.get("id")), str(it.get("subtask", "")), [ScoreRequest("", "")] * len(sc), gold))
        scores.append(sc)
    try:
        res = spec.compute(rebuilt, scores, compat if compat in ("babylm", "official") else "babylm")
    except Exception:  # noqa: BLE001 - a task whose compute needs more than items: the macro mean is compared
        return None
    return float(res.score) if isinstance(res.score, (int, float)) else None
