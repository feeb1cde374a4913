"""The Ranking page: the board as a table, with intervals, links to each entry and downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.app_widgets import DASH, downloads
from babylm.leaderboard.board_tasks import board_scale, task_info
from babylm.leaderboard.views import marks
from babylm.output import strip_control


def _num(x: object, digits: int = 3) -> str:
    """A score as shown: fixed digits, or "—" when there is none."""
    return DASH if x is None or pd.isna(x) else f"{float(x):.{digits}f}"


def _interval(lo: float, hi: float, unscored: bool) -> str:
    """A 95 % interval as shown; "—" with the reason when there is none (no score, or no per-item data to
    resample: the bootstrap then holds the score fixed and low == high)."""
    if unscored or pd.isna(lo) or pd.isna(hi):
        return f"{DASH} (no score)"
    if lo == hi:
        return f"{DASH} (no per-item data)"
    return f"[{lo:.3f}, {hi:.3f}]"


def _rank_text(r: Any) -> str:
    if not np.isnan(r["rank"]):
        return f"{int(r['rank'])}{' ≈' if r['same_as_above'] else ''}"
    why = ("flagged" if r["flagged"] else "unscored" if r["unscored"] else "SCALED" if r.get("scaled")
           else "synthetic" if r.get("synthetic") else "")
    return f"{DASH} ({why})" if why else DASH


def export_table(view: pd.DataFrame, tasks: tuple[str, ...]) -> pd.DataFrame:
    """The ranking as downloaded: numbers stay numbers (rank, ci_low, ci_high; empty when there is none)."""
    unscored = view["unscored"].to_numpy(dtype=bool)
    no_ci = unscored | (view["macro_low"] == view["macro_high"]).to_numpy()
    t = pd.DataFrame({
        "rank": view["rank"].astype("Int64").to_numpy(),
        "same_as_above": view["same_as_above"].astype(bool).to_numpy(),
        "rank_range": view["rank_range"].to_numpy(),
        "team": view["team"].to_numpy(), "model": view["model"].to_numpy(),
        "submission_id": view["submission_id"].to_numpy(),
        "synthetic": view["synthetic"].astype(bool).to_numpy(), "scaled": view["scaled"].astype(bool).to_numpy(),
        "tasks_scored": view["n_scored"].to_numpy(), "tasks_required": view["n_required"].to_numpy(),
        "macro": np.where(unscored, np.nan, view["macro"].to_numpy(dtype=float)),
        "ci_low": np.where(no_ci, np.nan, view["macro_low"].to_numpy(dtype=float)),
        "ci_high": np.where(no_ci, np.nan, view["macro_high"].to_numpy(dtype=float)),
    })
    for task in tasks:
        t[task] = view[task].to_numpy(dtype=float)
    t["human_likeness"] = np.where(unscored, np.nan, view["human_likeness"].to_numpy(dtype=float))
    for col in ("n_params", "train_flops", "words_seen", "backend", "flags", "missing"):
        t[col] = view[col].to_numpy()
    return t


def ranking_table(view: pd.DataFrame, tasks: tuple[str, ...]) -> pd.DataFrame:
    """The ranking as shown: one row per entry; "—" (with the reason) where there is no score or interval;
    every user string as a plain cell."""
    rows = [r for _, r in view.iterrows()]
    unscored = view["unscored"].to_numpy(dtype=bool)
    t = pd.DataFrame({
        "rank": [_rank_text(r) for r in rows],
        "rank range": view["rank_range"].replace("", DASH).to_numpy(),
        "team": [strip_control(x) for x in view["team"]],
        "model": [strip_control(x) for x in view["model"]],
        "marks": [marks(r) for r in rows],
        "macro": [DASH if u else _num(x) for x, u in zip(view["macro"], unscored, strict=True)],
        "macro 95% CI": [_interval(lo, hi, u) for lo, hi, u in
                         zip(view["macro_low"], view["macro_high"], unscored, strict=True)],
    })
    for task in tasks:
        t[task] = [_num(x) for x in view[task]]
    t["human-likeness"] = [DASH if u else _num(x) for x, u in zip(view["human_likeness"], unscored, strict=True)]
    t["parameters"] = view["n_params"].to_numpy()
    # in PFLOPs: the grid mis-formats numbers beyond 2^53 (they show raw, flagged as errors)
    t["training PFLOPs"] = view["train_flops"].to_numpy(dtype=float) / 1e15
    t["words seen"] = view["words_seen"].to_numpy()
    t["backend"] = view["backend"].to_numpy()
    t["flags"] = [strip_control(x) for x in view["flags"]]
    t["missing"] = view["missing"].to_numpy()
    t["submission"] = view["submission_id"].to_numpy()
    return t


def _with_links(table: pd.DataFrame, edition: int, track: str) -> pd.DataFrame:
    """The shown table plus a link column that opens each entry on the Submission page."""
    out = table.copy()
    out.insert(out.columns.get_loc("model") + 1, "open", [
        "?" + urlencode({"page": "submission", "edition": edition, "track": track, "id": sid})
        for sid in table["submission"]])
    return out


def _column_config(tasks: tuple[str, ...]) -> dict:
    cfg = {
        "rank": st.column_config.TextColumn("rank", help="≈ = not distinguishable from the entry above", width="small"),
        "macro": st.column_config.TextColumn(help="mean of the macro tasks (see the definition above)"),
        "human-likeness": st.column_config.TextColumn(help="its own score, never part of the macro"),
        "parameters": st.column_config.NumberColumn(format="compact"),
        "training PFLOPs": st.column_config.NumberColumn(format="%.4g", help="training FLOPs / 1e15"),
        "words seen": st.column_config.NumberColumn(format="compact"),
        "submission": st.column_config.TextColumn(help="open it on the Submission page"),
        "marks": st.column_config.TextColumn(help="SYNTHETIC: made by seed-demo; SCALED: budgets shrunk for a demo; "
                                             "k of n tasks: incomplete, ranked after complete entries"),
        "macro 95% CI": st.column_config.TextColumn(help="paired bootstrap, 95 % percentile interval"),
        "open": st.column_config.LinkColumn(help="the entry's Submission page", display_text="details", width="small"),
    }
    for task in tasks:  # the task registry's description, unit and chance level as the column's tooltip
        cfg[task] = st.column_config.TextColumn(help=(task_info(task).help or "") + f"; {DASH}: no score stored")
    return cfg


def _scaled(tasks: tuple[str, ...]) -> str:
    """The human-likeness tasks as averaged: each with its board scale when it is not 1 (reading x 0.01)."""
    return ", ".join(t if board_scale(t) == 1.0 else f"{t} x {board_scale(t):g}" for t in tasks)


def macro_definition(b: dict) -> str:
    """The one macro definition, as every page states it."""
    n = len(b.get("required") or b["tasks"])
    return (f"Macro = unweighted mean of {', '.join(b['macro_tasks'])} at each entry's last checkpoint, a missing "
            f"task counting 0; an entry without all {n} required tasks is marked 'k of {n} tasks' and ranked after "
            "every complete one.")


def page_ranking(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    st.title(f"Ranking · {edition} / {track}")
    st.caption(
        macro_definition(b) + " Human-likeness (mean of " + _scaled(b["human"]) + ") is its own score. "
        "Order: " + " > ".join(ag.TIE_BREAKS) + ". '≈': the paired bootstrap cannot tell this entry from the "
        f"one above; 'rank range': ranks possible given 95 % intervals. {DASH}: no score (or no interval) "
        "stored. Flagged entries are not ranked."
    )
    if view.empty:
        hidden = len(b["frame"])
        st.info(f"No entries match the filters ({hidden} on this board): open Filters above to show flagged, "
                "synthetic or SCALED entries, or clear the backend and size choices.")
        return
    table = ranking_table(view, b["tasks"])
    st.dataframe(_with_links(table, edition, track), column_config=_column_config(b["tasks"]), hide_index=True,
                 key="ranking_table", height=min(36 * (len(table) + 1), 720))
    for note in b["notes"][1:]:
        st.caption(note)
    downloads(export_table(view, b["tasks"]), f"ranking_{edition}_{track}", "ranking")
