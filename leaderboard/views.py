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


LINK_FIELDS = ("model_card_url", "paper_url", "code_url")  # optional fact-sheet fields, http(s) only


def is_baseline(meta: Any) -> bool:
    """An official or seeded baseline: the submission's meta says {"baseline": true} (set by the organizers
    when they score a baseline bundle, by `seed-demo` for its baselines). Baselines are ranked like any
    entry and marked BASELINE everywhere."""
    return isinstance(meta, dict) and meta.get("baseline") is True


def http_url(value: Any) -> str | None:
    """`value` when it is an http(s) URL with a host and no whitespace or control characters, else None
    (a link is only ever shown through a link column or button, never through Markdown)."""
    from urllib.parse import urlsplit

    if not isinstance(value, str) or len(value) > 2000 or any(c.isspace() or ord(c) < 32 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def entry_columns(subs: pd.DataFrame) -> pd.DataFrame:
    """The per-entry facts the board shows from each submission's meta (scaled, baseline, the fact sheet's
    model card / paper / code links), with the meta column itself dropped."""
    if "meta" not in subs:
        return subs
    metas = list(subs["meta"])
    out = subs.drop(columns=["meta"])
    out["scaled"] = [is_scaled(m) for m in metas]
    out["baseline"] = [is_baseline(m) for m in metas]
    for f in LINK_FIELDS:
        out[f] = [http_url((m.get("fact_sheet") or {}).get(f)) if isinstance(m, dict)
                  and isinstance(m.get("fact_sheet"), dict) else None for m in metas]
    return out


def search_mask(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Rows whose team, model or submission id contains `text` (case-insensitive, literal; blank: all)."""
    import numpy as np

    words = text.strip().casefold().split()
    m = np.ones(len(frame), dtype=bool)
    if not words:
        return m
    hay = (frame["team"].astype(str) + " / " + frame["model"].astype(str) + " " + frame["submission_id"].astype(str)
           ).str.casefold()
    for w in words:  # every word must match somewhere
        m &= hay.str.contains(w, regex=False).to_numpy()
    return m


def marks(row: Any) -> str:
    """What sets an entry apart from a complete, real, unflagged one: BASELINE, SYNTHETIC, SCALED, k of n
    tasks, flagged."""
    out = ["BASELINE"] if row.get("baseline") else []
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
                  show_flagged: bool = False, show_synthetic: bool = True, show_scaled: bool = True,
                  search: str = "") -> pd.DataFrame:
    """The rows a visitor asked for; ranks stay those of the whole board."""
    m = search_mask(frame, search) if search else frame.index == frame.index
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
