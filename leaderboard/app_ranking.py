"""The Ranking page: the board as a table, with intervals, links to each entry and downloads."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.app_widgets import downloads
from babylm.leaderboard.board_tasks import board_scale, task_info


def ranking_table(view: pd.DataFrame, tasks: tuple[str, ...]) -> pd.DataFrame:
    """The ranking as shown (and downloaded): one row per entry, display columns only."""
    t = pd.DataFrame({
        "rank": [("" if np.isnan(r) else f"{int(r)}{' ≈' if s else ''}") for r, s in
                 zip(view["rank"], view["same_as_above"], strict=True)],
        "rank range": view["rank_range"],
        "team": view["team"],
        "model": view["model"],
        "synthetic": view["synthetic"].astype(bool),
        "macro": view["macro"],
        "macro 95% CI": [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(view["macro_low"], view["macro_high"], strict=True)],
    })
    for task in tasks:
        t[task] = view[task].to_numpy()
    t["human-likeness"] = view["human_likeness"].to_numpy()
    t["parameters"] = view["n_params"].to_numpy()
    # in PFLOPs: the grid mis-formats numbers beyond 2^53 (they show raw, flagged as errors)
    t["training PFLOPs"] = view["train_flops"].to_numpy(dtype=float) / 1e15
    t["words seen"] = view["words_seen"].to_numpy()
    t["backend"] = view["backend"].to_numpy()
    t["flags"] = view["flags"].to_numpy()
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
        "macro": st.column_config.ProgressColumn("macro", format="%.3f", min_value=0.0, max_value=1.0),
        "human-likeness": st.column_config.NumberColumn(format="%.3f"),
        "parameters": st.column_config.NumberColumn(format="compact"),
        "training PFLOPs": st.column_config.NumberColumn(format="%.4g", help="training FLOPs / 1e15"),
        "words seen": st.column_config.NumberColumn(format="compact"),
        "submission": st.column_config.TextColumn(help="open it on the Submission page"),
        "synthetic": st.column_config.CheckboxColumn(help="made by seed-demo: not a real entry", width="small"),
        "open": st.column_config.LinkColumn(help="the entry's Submission page", display_text="details", width="small"),
    }
    for task in tasks:  # the task registry's description, unit and chance level as the column's tooltip
        cfg[task] = st.column_config.NumberColumn(format="%.3f", help=task_info(task).help or None)
    return cfg


def _scaled(tasks: tuple[str, ...]) -> str:
    """The human-likeness tasks as averaged: each with its board scale when it is not 1 (reading x 0.01)."""
    return ", ".join(t if board_scale(t) == 1.0 else f"{t} x {board_scale(t):g}" for t in tasks)


def page_ranking(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    st.title(f"Ranking · {edition} / {track}")
    st.caption(
        "Macro = mean of " + ", ".join(b["macro_tasks"]) + " at each entry's last checkpoint; human-likeness "
        "(mean of " + _scaled(b["human"]) + ") is its own score. Order: " + " > ".join(ag.TIE_BREAKS) + ". "
        "'≈': the paired bootstrap cannot tell this entry from the one above; 'rank range': ranks "
        "possible given 95 % intervals. Missing tasks count as 0. Flagged entries are not ranked."
    )
    table = ranking_table(view, b["tasks"])
    st.dataframe(_with_links(table, edition, track), column_config=_column_config(b["tasks"]), hide_index=True,
                 key="ranking_table", height=min(36 * (len(table) + 1), 720))
    for note in b["notes"][1:]:
        st.caption(note)
    downloads(table, f"ranking_{edition}_{track}", "ranking")
