"""The official predictions file: its name, shape, finite values and item counts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babylm.evaluation.registry import tasks
from babylm.submissions.findings import error, warning
from babylm.submissions.validate.context import Context
from babylm.submissions.validate.items import bad_name, finite, is_id, unknown_items
from babylm.submissions.validate.results import gold_counts

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest


def check_predictions(c: Context, m: SubmissionManifest) -> None:
    rel = m.files.predictions
    if not rel or not (c.root / rel).is_file():
        return
    if not re.fullmatch(r"all_full_preds_and_fast_scores_[a-z_]+\.json", Path(rel).name):
        c.F.add(warning("W_PREDICTIONS_NAME", f"{rel}: expected all_full_preds_and_fast_scores_<backend>.json",
                        "rename it", rel))
    data = c.json(rel, "E_PREDICTIONS")
    if not isinstance(data, dict):
        return
    by_key = {s.official_key or s.name: s for s in tasks().values()}
    # The task blocks hold the final model's predictions on the split the results were made on.
    split = c.split or c.results_split or "full"
    for key, task in data.items():
        if (why := bad_name(key, "task")) or isinstance(task, dict) and any(
                (why := bad_name(sub, "subtask")) for sub in task):
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: a task or sub-task name in {str(key)[:60]!r} {why}",
                          "see docs/formats.md, 'Official predictions'", rel))
            return
        if key == "fast_eval_results":
            fast_scores(c, rel, task)
        elif not isinstance(task, dict):
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {key} is not an object", "", rel))
        else:
            _task_block(c, rel, key, task, by_key.get(key), split)
    _check_shape(c, rel, data)


def _task_block(c: Context, rel: str, key: str, task: dict[str, Any], spec: Any, split: str) -> None:
    """One task's {subtask: {"predictions": [...]}}: entries, finite values, unique ids, item counts."""
    total = 0
    per_sub: dict[str, int] = {}
    for sub, body in task.items():
        preds = body.get("predictions") if isinstance(body, dict) else None
        if not isinstance(preds, list):
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {key}/{sub} has no 'predictions' list",
                          "see docs/formats.md, 'Official predictions'", rel))
            continue
        ids = _entries(c, rel, f"{key}/{sub}", preds)
        if spec is not None:
            unknown_items(c, rel, f"{rel}: {key}/{sub}", spec.name, split, ids)
        per_sub[sub] = len(preds)
        total += len(preds)
    if spec is None:
        c.F.add(warning("W_UNKNOWN_TASK", f"{rel}: unknown task key {key!r}", "", rel))
        return
    gold = gold_counts(c, spec.name, split)
    if gold is not None:
        for sub, k in gold.items():
            if per_sub.get(sub, 0) != k:
                c.F.add(error("E_ITEM_COUNT", f"{rel}: {key}/{sub}: {per_sub.get(sub, 0)} predictions, "
                              f"expected {k}", "predict every item of the official data", rel))
    exp = spec.expected_counts.get(split)
    if exp and total != exp and not c.track.is_scaled:
        c.F.add(error("E_ITEM_COUNT", f"{rel}: {key}: {total} predictions, the official {split} set has {exp}",
                      "predict every item of the official data", rel))


def _entries(c: Context, rel: str, where: str, preds: list[Any]) -> list[Any]:
    """Check one sub-task's prediction entries; their ids (those of a usable type)."""
    ids = []
    for p in preds:
        if not isinstance(p, dict) or "id" not in p or "pred" not in p:
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {where}: an entry lacks id/pred", "", rel))
            break
        if not is_id(p["id"]):
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {where}: id {str(p['id'])[:60]} is not a string or integer",
                          "see docs/formats.md, 'Official predictions'", rel))
            break
        ids.append(p["id"])
        pred = p["pred"]
        if pred is None:
            c.F.add(error("E_NAN", f"{rel}: {where}: {p['id']}: pred is None",
                          "check the model for NaN outputs and re-run", rel))
            break
        if isinstance(pred, float) and not finite(pred):
            c.F.add(error("E_NAN", f"{rel}: {where}: {p['id']}: pred is {pred!r}",
                          "check the model for NaN outputs and re-run", rel))
            break
        if not (isinstance(pred, str) or finite(pred)):
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: {where}: {p['id']}: pred {str(pred)[:60]} is not a "
                          "string or a number", "see docs/formats.md, 'Official predictions'", rel))
            break
        if p.get("prob") is not None and not finite(p["prob"]):
            c.F.add(error("E_NAN", f"{rel}: {where}: {p['id']}: prob {str(p['prob'])[:40]!r} is not a finite number",
                          "check the model for NaN outputs and re-run", rel))
            break
    if len(set(ids)) != len(ids):
        c.F.add(error("E_DUPLICATE_ID", f"{rel}: {where}: duplicate ids", "", rel))
    return ids


def _check_shape(c: Context, rel: str, data: dict[str, Any]) -> None:
    """The predictions format model (`evaluation.formats.OfficialPredictions`, the reader scoring uses)
    accepts the file; asked only when the checks above found no error in it."""
    from babylm.errors import BabyLMError
    from babylm.evaluation.formats import OfficialPredictions

    if any(f.where == rel and f.severity == "error" for f in c.F.items):
        return
    try:
        OfficialPredictions.model_validate(data, context={"where": rel})
    except BabyLMError as exc:
        c.F.add(error("E_PREDICTIONS_SCHEMA", str(exc), exc.hint or "see docs/formats.md, 'Official predictions'", rel))


def fast_scores(c: Context, rel: str, fast: Any) -> None:
    """fast_eval_results: {task: [{subtask: score} per checkpoint]}, every score a finite number."""
    if not isinstance(fast, dict):
        c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: fast_eval_results is not an object", "", rel))
        return
    for task, revs in fast.items():
        if not isinstance(revs, list) or not all(isinstance(r, dict) for r in revs):
            c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: fast_eval_results/{task} must be a list of "
                          "{subtask: score}, one per checkpoint", "see docs/formats.md, 'Official predictions'", rel))
            continue
        for i, r in enumerate(revs):
            for sub, v in r.items():
                if why := bad_name(sub, "subtask"):
                    c.F.add(error("E_PREDICTIONS_SCHEMA", f"{rel}: fast_eval_results/{str(task)[:60]}[{i}]: sub-task "
                                  f"{str(sub)[:60]!r} {why}", "see docs/formats.md, 'Official predictions'", rel))
                    return
                if not finite(v):
                    code = "E_NAN" if isinstance(v, float) else "E_PREDICTIONS_SCHEMA"
                    c.F.add(error(code, f"{rel}: fast_eval_results/{task}[{i}]/{sub} is {str(v)[:40]!r}, not a "
                                  "finite number", "write scores as numbers (`babylm eval run` does)", rel))
                    return
