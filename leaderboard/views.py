"""What the pages and the terminal derive from a scored board or a submission's meta (pure functions)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

SIZE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("< 10M", 0, 1e7),
    ("10M-100M", 1e7, 1e8),
    ("100M-1B", 1e8, 1e9),
    (">= 1B", 1e9, float("inf")),
)


def size_bucket(n_params: float | None) -> str:
    if n_params is None or (isinstance(n_params, float) and math.isnan(n_params)):
        return "unknown"
    for name, lo, hi in SIZE_BUCKETS:
        if lo <= n_params < hi:
            return name
    return "unknown"


def size_buckets(n_params: np.ndarray) -> list[str]:
    """size_bucket of each entry, vectorised (NaN is "unknown")."""
    import numpy as np

    conds = [(n_params >= lo) & (n_params < hi) for _, lo, hi in SIZE_BUCKETS]
    return list(np.select(conds, [name for name, _, _ in SIZE_BUCKETS], default="unknown"))


def is_scaled(meta: Any) -> bool:
    """A SCALED run (budgets and schedule shrunk for a demo, meta["scale"] other than 1): not a valid entry."""
    return isinstance(meta, dict) and str(meta.get("scale") or "1") != "1"


def marks(row: Any) -> str:
    """What sets an entry apart from a complete, real, unflagged one: SYNTHETIC, SCALED, k of n tasks, flagged."""
    out = []
    if row.get("synthetic"):
        out.append("SYNTHETIC")
    if row.get("scaled"):
        out.append("SCALED")
    if row.get("unscored"):
        out.append("no task scores")
    elif not row.get("complete", True):
        out.append(f"{int(row['n_scored'])} of {int(row['n_required'])} tasks")
    if row.get("flagged"):
        out.append("flagged")
    return " · ".join(out)


def apply_filters(frame: pd.DataFrame, *, backends: list[str] | None = None, sizes: list[str] | None = None,
                  show_flagged: bool = False, show_synthetic: bool = True, show_scaled: bool = True) -> pd.DataFrame:
    """The rows a visitor asked for; ranks stay those of the whole board."""
    m = frame.index == frame.index
    if backends:
        m &= frame["backend"].isin(backends).to_numpy()
    if sizes:
        m &= frame["size"].isin(sizes).to_numpy()
    if not show_flagged:
        m &= ~frame["flagged"].to_numpy()
    if not show_synthetic:
        m &= ~frame["synthetic"].astype(bool).to_numpy()
    if not show_scaled and "scaled" in frame:
        m &= ~frame["scaled"].astype(bool).to_numpy()
    return frame[m]


def pareto_frontier(x: Any, y: Any) -> np.ndarray:
    """Mask of points no other point beats (fewer or equal x and higher or equal y, one strictly)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    mask = np.zeros(len(x), dtype=bool)
    idx = np.where(ok)[0]
    order = idx[np.lexsort((-y[idx], x[idx]))]  # by x ascending, higher y first on equal x
    best = -np.inf
    for i in order:
        if y[i] > best:
            mask[i] = True
            best = y[i]
    return mask


def budget_rows(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Budgets used against caps, [{what, used, cap, share}], from a submission's meta.

    Caps come from meta["budgets"] (word_budget or words_budget, exposure_cap, student_generation_cap);
    used amounts from meta["budgets"] when given (words_used, words_seen, student_words), else from the
    validator's summary (data_words, ledger_summary.words).
    """
    b = meta.get("budgets") or {}
    ledger = meta.get("ledger_summary") or {}
    rows = (
        ("training words (budget)", b.get("words_used", meta.get("data_words")), b.get("words_budget",
                                                                                       b.get("word_budget"))),
        ("words seen (exposure cap)", b.get("words_seen", ledger.get("words")), b.get("exposure_cap")),
        ("student-generated words", b.get("student_words"), b.get("student_generation_cap")),
    )
    out = []
    for label, used, cap in rows:
        if used is None and cap is None:
            continue
        share = float(used) / float(cap) if used is not None and cap else None
        out.append({"what": label, "used": used, "cap": cap, "share": share})
    return out


def interaction_series(meta: dict[str, Any]) -> dict[str, list[float]]:
    """The {variant: [success per round]} part of meta["interaction"] (other keys are shown as data)."""
    inter = meta.get("interaction") or {}
    if not isinstance(inter, dict):
        return {}
    return {str(k): [float(x) for x in v] for k, v in inter.items()
            if isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v)}
