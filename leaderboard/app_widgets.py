"""Pieces every page of the app uses: entry labels, query parameters, downloads, number formatting."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

SYNTH_BANNER = ("This board contains SYNTHETIC entries (made by `babylm leaderboard seed-demo`, marked "
                "[synthetic]): they are not real models or results.")
SYNTH_MARK = "[synthetic] "


def label(row: Any) -> str:
    """How an entry is named in pickers and charts: [synthetic] team / model (id)."""
    mark = SYNTH_MARK if row["synthetic"] else ""
    return f"{mark}{row['team']} / {row['model']} ({row['submission_id']})"


def query(name: str, default: str | None = None) -> str | None:
    """A URL query parameter (empty counts as absent)."""
    v = st.query_params.get(name)
    return v if v else default


def downloads(df: pd.DataFrame, stem: str, key: str) -> None:
    """CSV and JSON download buttons for `df`."""
    c1, c2, _ = st.columns([2, 2, 5])
    c1.download_button("Download CSV", df.to_csv(index=False).encode(), f"{stem}.csv", "text/csv", key=f"{key}_csv")
    c2.download_button("Download JSON", df.to_json(orient="records", indent=1, date_format="iso").encode(),
                       f"{stem}.json", "application/json", key=f"{key}_json")


def show(v: Any) -> str:
    """A fact-sheet value for people: thousands separators for counts, 4 significant digits for floats."""
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    if isinstance(v, bool) or v is None:
        return "—" if v is None else str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def fmt(x: Any) -> str:
    """A count in 3 significant digits with k/M/B ("—" for none)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    x = float(x)
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def field_table(d: dict[str, Any]) -> pd.DataFrame:
    """A {field: value} mapping as a two-column table for st.table."""
    return pd.DataFrame({"field": list(d), "value": [show(v) for v in d.values()]})
