"""Pieces every page of the app uses: entry labels, query parameters, downloads, number formatting."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from babylm.output import strip_control

SYNTH_BANNER = ("This board holds SYNTHETIC entries (made by `babylm leaderboard seed-demo`) or SCALED runs "
                "(budgets shrunk for a demo): they are marked as such and are not real results.")
SYNTH_MARK = "[synthetic] "
SCALED_MARK = "[SCALED] "
BASELINE_MARK = "[baseline] "
DASH = "—"
# CommonMark lets a backslash escape any ASCII punctuation; Streamlit's own syntax (:red[..], :emoji:,
# $latex$) is punctuation too, so escaping all of it leaves nothing but literal text.
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
WJ = "\u2060"
_AUTOLINK = re.compile(r"(?i):/|www\.|[^\s]@")


def plain(text: object) -> str:
    """A user string (team, model, flag reason, note) for an element that renders Markdown (st.title,
    st.error, st.caption ...): control characters and line breaks removed, every Markdown character
    escaped, so it shows literally: no link, no emphasis, no HTML."""
    one_line = strip_control(text).replace("\n", " ").replace("\t", " ")
    # GFM links bare URLs and e-mail addresses after the escapes are resolved: an invisible word joiner
    # inside "://", "www." and before "@" keeps them text
    one_line = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + WJ + m.group(0)[-1], one_line)
    return _MD_SPECIAL.sub(r"\\\1", one_line)


def mark_prefix(row: Any) -> str:
    return ((BASELINE_MARK if row.get("baseline") else "") + (SYNTH_MARK if row.get("synthetic") else "")
            + (SCALED_MARK if row.get("scaled") else ""))


def label(row: Any) -> str:
    """How an entry is named in pickers and charts (plain text): [baseline] [synthetic] [SCALED] team / model
    (id)."""
    return strip_control(f"{mark_prefix(row)}{row['team']} / {row['model']} ({row['submission_id']})")


def query(name: str, default: str | None = None) -> str | None:
    """A URL query parameter (empty counts as absent)."""
    v = st.query_params.get(name)
    return v if v else default


def downloads(df: pd.DataFrame | Callable[[], pd.DataFrame], stem: str, key: str) -> None:
    """CSV and JSON download buttons for `df` (a frame, or a function making it: then the file is made
    only when a visitor clicks, and the page neither computes nor sends it on every run)."""
    make = df if callable(df) else (lambda: df)
    c1, c2, _ = st.columns([2, 2, 5])
    c1.download_button("Download CSV", lambda: make().to_csv(index=False).encode(), f"{stem}.csv", "text/csv",
                       key=f"{key}_csv", on_click="ignore")
    c2.download_button("Download JSON", lambda: make().to_json(orient="records", indent=1, date_format="iso").encode(),
                       f"{stem}.json", "application/json", key=f"{key}_json", on_click="ignore")


def utc_text(t: Any) -> str:
    """A timestamp as people read it: "2026-12-08 00:05 UTC" ("—" for none)."""
    if t is None or (isinstance(t, float) and np.isnan(t)) or pd.isna(t):
        return "—"
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%d %H:%M UTC")


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
    """A {field: value} mapping as a two-column table (field, value)."""
    return pd.DataFrame({"field": list(d), "value": [show(v) for v in d.values()]})
