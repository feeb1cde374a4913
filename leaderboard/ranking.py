"""Ranking a scored board: the stated tie-break order, rank ranges and "not distinguishable" marks.

Rules are stated in `aggregate`'s docstring; this module applies the order and the interval rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

TIE_BREAKS = ("macro desc", "human_likeness desc", "train_flops asc", "n_params asc", "created asc",
              "submission_id asc")


def sort_key_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The stated tie-break order as a sortable frame (ascending sort gives the ranking)."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame({
        "a": -df["macro"].to_numpy(dtype=float),
        "b": -df["human_likeness"].to_numpy(dtype=float),
        "c": df["train_flops"].astype(float).fillna(np.inf).to_numpy(),
        "d": df["n_params"].astype(float).fillna(np.inf).to_numpy(),
        "e": pd.to_datetime(df["created"], utc=True).to_numpy() if "created" in df else 0,
        "f": df["submission_id"].to_numpy(),
    })


def rank(out: pd.DataFrame, macro_reps: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Add rank columns; return the frame and the row order (ranked entries first, best first)."""
    keys = sort_key_frame(out)
    # flagged and unscored entries sort after ranked ones, incomplete ones after complete ones, then by
    # the same keys
    excluded = out["flagged"].to_numpy(dtype=bool) | out["unscored"].to_numpy(dtype=bool)
    if "demo_unranked" in out:
        excluded = excluded | out["demo_unranked"].to_numpy(dtype=bool)
    incomplete = ~out["complete"].to_numpy(dtype=bool) if "complete" in out else excluded & False
    keys.insert(0, "incomplete", incomplete)
    keys.insert(0, "flag", excluded)
    order = keys.sort_values(list(keys.columns), kind="mergesort").index.to_numpy()
    out = out.copy()
    ranked = order[~excluded[order]]
    cols = _rank_columns(len(out), ranked, out["macro_low"].to_numpy(dtype=float),
                         out["macro_high"].to_numpy(dtype=float), macro_reps)
    for name, values in cols.items():
        out[name] = values
    return out, order


def _rank_columns(size: int, ranked: np.ndarray, low: np.ndarray, high: np.ndarray,
                  macro_reps: np.ndarray) -> dict[str, Any]:
    """rank, rank_best, rank_worst, rank_range, same_as_above, p_not_behind_above for `size` rows
    (NaN/""/False when not ranked); `ranked` holds the ranked rows' positions, best first."""
    import numpy as np

    n = len(ranked)
    rank = np.full(size, np.nan)
    best = np.full(size, np.nan)
    worst = np.full(size, np.nan)
    same = np.zeros(size, dtype=bool)
    p_above = np.full(size, np.nan)
    if n:
        rank[ranked] = np.arange(1, n + 1)
        lo, hi = low[ranked], high[ranked]
        lo_sorted, hi_sorted = np.sort(lo), np.sort(hi)
        above = n - np.searchsorted(lo_sorted, hi, side="right")  # intervals wholly above mine
        below = np.searchsorted(hi_sorted, lo, side="left")  # intervals wholly below mine
        best[ranked] = 1 + above
        worst[ranked] = n - below
        if n > 1:
            diff = macro_reps[ranked[:-1]] - macro_reps[ranked[1:]]
            p_above[ranked[1:]] = (diff <= 0).mean(axis=1)  # share of replicates where the lower is not behind
            same[ranked[1:]] = np.percentile(diff, 2.5, axis=1) <= 0
    rank_range = ["" if np.isnan(r) else (f"{int(b)}" if b == w else f"{int(b)}-{int(w)}")
                  for r, b, w in zip(rank, best, worst, strict=True)]
    return {"rank": rank, "rank_best": best, "rank_worst": worst, "rank_range": rank_range,
            "same_as_above": same, "p_not_behind_above": p_above}
