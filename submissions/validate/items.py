"""Value checks shared by results.json and the official predictions file: finite numbers, item ids of
a JSON type that can be an id, confidence intervals, and items the organizers' data does not hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.evaluation import registry
from babylm.submissions.findings import error, warning
from babylm.submissions.safe_load.limits import finite
from babylm.submissions.validate.context import Context

__all__ = ["bad_ci", "bad_name", "finite", "gold_ids", "is_id", "unknown_items"]


def is_id(v: Any) -> bool:
    """An item id is a string or an integer (a list or an object cannot name an item)."""
    return isinstance(v, str) or isinstance(v, int) and not isinstance(v, bool)


def bad_name(v: Any, kind: str) -> str | None:
    """Why a task, sub-task, metric or version name from a bundle cannot be stored (the store's own rule for
    its score rows), or None."""
    from babylm.leaderboard.store.schema import score_text_problem

    return score_text_problem("task_version" if kind == "version" else kind, v)


def bad_ci(ci: Any) -> str | None:
    """Why a ci95 value is unusable ('shape' or 'finite'), or None for [low, high] finite, low <= high."""
    if not isinstance(ci, list) or len(ci) != 2:
        return "shape"
    if not all(finite(x) for x in ci):
        return "finite"
    return "shape" if ci[0] > ci[1] else None


def gold_ids(c: Context, task: str, split: str) -> dict[str, str] | None:
    """{item id: sub-task} of the organizers' data for a task, when a data root was given (cached)."""
    if c.data_root is None:
        return None
    cache: dict[tuple[str, str], dict[str, str] | None] = c.rep.__dict__.setdefault("_gold_ids", {})
    if (task, split) in cache:
        return cache[(task, split)]
    spec = registry.tasks().get(task)
    ids: dict[str, str] | None = None
    if spec is not None:
        try:
            ids = {str(it.id): it.subtask for it in spec.loader(Path(c.data_root), split)}  # type: ignore[arg-type]
        except Exception as exc:  # organizer data problem: say so, do not blame the bundle
            c.F.add(warning("W_GOLD_UNREADABLE", f"cannot read {task}/{split} from {c.data_root}: {exc}", "", ""))
    cache[(task, split)] = ids
    return ids


def unknown_items(c: Context, rel: str, where: str, task: str, split: str, ids: list[Any]) -> None:
    """E_UNKNOWN_ITEM when some ids are not items of the task's official data (checked with a data root)."""
    gold = gold_ids(c, task, split)
    if gold is None:
        return
    extra = [i for i in ids if str(i) not in gold]
    if extra:
        c.F.add(error("E_UNKNOWN_ITEM", f"{where}: {len(extra)} item(s) not in the official {split} data of "
                      f"{task}, e.g. {str(extra[0])[:60]!r}", "evaluate on the official data only", rel))
