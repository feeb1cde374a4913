"""The Ranking page: the board as a table, with intervals, links to each entry and downloads.

Column presets (`?cols=linguistic|human-likeness|efficiency`) choose which score columns are shown; rank,
flags, team and model stay pinned on the left. The first `FIRST_ROWS` rows are shown unless all are asked
for (`?all_rows=true`): the grid stays light on a 1,000-entry board, and the downloads always hold every
row the filters keep. Flagged rows are tinted red; baselines are marked BASELINE.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.app_widgets import DASH, downloads, utc_text
from babylm.leaderboard.board_tasks import board_scale, task_info
from babylm.leaderboard.views import LINK_FIELDS, marks
from babylm.output import strip_control

FIRST_ROWS = 100
PRESETS = ("all", "linguistic", "human-likeness", "efficiency")
PINNED = ("rank", "flags", "team", "model")
LINK_COLUMNS = {"model_card_url": "model card", "paper_url": "paper", "code_url": "code"}
FLAGGED_BG = "background-color: rgba(255, 75, 75, 0.16)"


def task_label(task: str) -> str:
    """A task's column header: the registry description's name part ("BLiMP supplement"), with the unit
    when it is not an accuracy ("Reading (ΔR² ×100)"); the task id for a task no registry knows."""
    info = task_info(task)
    name = info.description.split(":", 1)[0].strip() if ":" in info.description else ""
    name = name if 0 < len(name) <= 32 else task
    return f"{name} ({info.unit})" if info.unit and info.unit != "accuracy" else name


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
        "rank": view["rank"].astype("Int64").array,  # nullable integers: 1, 2, ... and empty (not 1.0)
        "same_as_above": view["same_as_above"].astype(bool).to_numpy(),
        "rank_range": view["rank_range"].to_numpy(),
        "team": view["team"].to_numpy(), "model": view["model"].to_numpy(),
        "submission_id": view["submission_id"].to_numpy(),
        "synthetic": view["synthetic"].astype(bool).to_numpy(), "scaled": view["scaled"].astype(bool).to_numpy(),
        "baseline": view["baseline"].astype(bool).to_numpy() if "baseline" in view else False,
        "tasks_scored": view["n_scored"].astype("Int64").array, "tasks_required": view["n_required"].to_numpy(),
        "macro": np.where(unscored, np.nan, view["macro"].to_numpy(dtype=float)),
        "ci_low": np.where(no_ci, np.nan, view["macro_low"].to_numpy(dtype=float)),
        "ci_high": np.where(no_ci, np.nan, view["macro_high"].to_numpy(dtype=float)),
    })
    for task in tasks:
        t[task] = view[task].to_numpy(dtype=float)
    t["human_likeness"] = np.where(unscored, np.nan, view["human_likeness"].to_numpy(dtype=float))
    for col in ("n_params", "train_flops", "words_seen", "backend", "flags", "missing"):
        t[col] = view[col].to_numpy()
    for col in ("created", "scored", *LINK_FIELDS):
        if col in view:
            t["submitted" if col == "created" else col] = view[col].to_numpy()
    return t


def ranking_table(view: pd.DataFrame, tasks: tuple[str, ...]) -> pd.DataFrame:
    """The ranking as shown: one row per entry; "—" (with the reason) where there is no score or interval;
    every user string as a plain cell."""
    rows = [r for _, r in view.iterrows()]
    unscored = view["unscored"].to_numpy(dtype=bool)
    t = pd.DataFrame({
        "rank": [_rank_text(r) for r in rows],
        "flags": [strip_control(x) for x in view["flags"]],
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
    t["missing"] = view["missing"].to_numpy()
    for field, name in LINK_COLUMNS.items():  # http(s) URLs only (views.http_url), shown as link cells
        t[name] = view[field].to_numpy() if field in view else None
    t["submitted"] = _dates(view, "created")
    t["scored"] = _dates(view, "scored")
    t["submission"] = view["submission_id"].to_numpy()
    return t


def _dates(view: pd.DataFrame, col: str) -> np.ndarray:
    if col not in view:
        return np.full(len(view), None, dtype=object)
    return pd.to_datetime(view[col], utc=True).dt.tz_localize(None).to_numpy()


def _with_links(table: pd.DataFrame, edition: int, track: str) -> pd.DataFrame:
    """The shown table plus a link column that opens each entry on the Submission page."""
    out = table.copy()
    out.insert(out.columns.get_loc("model") + 1, "open", [
        "?" + urlencode({"page": "submission", "edition": edition, "track": track, "id": sid})
        for sid in table["submission"]])
    return out


def _column_config(tasks: tuple[str, ...]) -> dict:
    cfg = {
        "rank": st.column_config.TextColumn("rank", help="≈ = not distinguishable from the entry above", width="small",
                                            pinned=True),
        "flags": st.column_config.TextColumn(help="why the organizers flagged the entry (flagged rows are tinted "
                                             "red and not ranked)", pinned=True),
        "team": st.column_config.TextColumn(pinned=True),
        "model": st.column_config.TextColumn(pinned=True),
        "model card": st.column_config.LinkColumn(help="the fact sheet's model_card_url", display_text="model card"),
        "paper": st.column_config.LinkColumn(help="the fact sheet's paper_url", display_text="paper"),
        "code": st.column_config.LinkColumn(help="the fact sheet's code_url", display_text="code"),
        "submitted": st.column_config.DatetimeColumn(format="YYYY-MM-DD", help="when the entry was first stored (UTC)"),
        "scored": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm",
                                                  help="when its newest score was stored (UTC)"),
        "macro": st.column_config.TextColumn(help="mean of the macro tasks (see the definition above)"),
        "human-likeness": st.column_config.TextColumn(help="its own score, never part of the macro"),
        "parameters": st.column_config.NumberColumn(format="compact"),
        "training PFLOPs": st.column_config.NumberColumn(format="%.4g", help="training FLOPs / 1e15"),
        "words seen": st.column_config.NumberColumn(format="compact"),
        "submission": st.column_config.TextColumn(help="open it on the Submission page"),
        "marks": st.column_config.TextColumn(help="BASELINE: an official (or seeded) baseline, ranked like any entry; "
                                             "SYNTHETIC: made by seed-demo; SCALED: budgets shrunk for a demo; "
                                             "k of n tasks: incomplete, ranked after complete entries"),
        "macro 95% CI": st.column_config.TextColumn(help="paired bootstrap, 95 % percentile interval"),
        "open": st.column_config.LinkColumn(help="the entry's Submission page", display_text="details", width="small"),
    }
    for task in tasks:  # the task registry's name, description, unit and chance level: header and tooltip
        cfg[task] = st.column_config.TextColumn(task_label(task),
                                                help=(task_info(task).help or "") + f"; {DASH}: no score stored")
    return cfg


def preset_columns(preset: str, b: dict, columns: list[str]) -> list[str]:
    """The table's columns for a preset: the pinned ones, then the preset's scores (all: every column)."""
    lead = [*PINNED, "marks", "open"]
    body = {
        "linguistic": ["macro", "macro 95% CI", "rank range", *b["linguistic"]],
        "human-likeness": ["human-likeness", *b["human"]],
        "efficiency": ["macro", "parameters", "training PFLOPs", "words seen", "backend"],
    }.get(preset)
    keep = lead + (body if body is not None else [c for c in columns if c not in lead])
    return [c for c in dict.fromkeys(keep) if c in columns]


def _styled(table: pd.DataFrame, flagged: np.ndarray) -> Any:
    """The table with flagged rows tinted red; a plain frame when none is shown (a Styler costs the browser
    about 0.1 s per 100 rows, and baselines are marked BASELINE in `marks` instead of a tint)."""
    if not flagged.any():
        return table
    tint = np.where(flagged, FLAGGED_BG, "")
    return table.style.apply(lambda row: [tint[table.index.get_loc(row.name)]] * len(row), axis=1)


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
        "stored. Flagged entries are not ranked. How it all works: the About page."
    )
    st.caption(f"Last updated {utc_text(b.get('last_updated'))} · store revision {token.rsplit('#', 1)[-1]}")
    if view.empty:
        hidden = len(b["frame"])
        st.info(f"No entries match the filters ({hidden} on this board): clear the search box, or open Filters "
                "above to show flagged, synthetic or SCALED entries, or clear the backend and size choices.")
        return
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    preset = c1.segmented_control("Columns", PRESETS, default="all", key="cols", bind="query-params") or "all"
    many = len(view) > FIRST_ROWS
    all_rows = c2.toggle(f"Show all {len(view)} rows", value=False, key="all_rows", bind="query-params",
                         disabled=not many, help=f"the first {FIRST_ROWS} are shown by default")
    shown = view if all_rows or not many else view.head(FIRST_ROWS)
    table = _with_links(ranking_table(shown, b["tasks"]), edition, track)
    table = table[preset_columns(preset, b, list(table.columns))]
    links = [c for c in LINK_COLUMNS.values() if c in table.columns]
    if links and not table[links].notna().to_numpy().any():
        table = table.drop(columns=links)  # no shown entry has links: no empty columns
    flagged = shown["flagged"].to_numpy(dtype=bool)
    st.dataframe(_styled(table.reset_index(drop=True), flagged), column_config=_column_config(b["tasks"]),
                 hide_index=True, key="ranking_table", height=min(36 * (len(table) + 1), 720))
    if len(shown) < len(view):
        st.caption(f"Showing the first {len(shown)} of {len(view)} entries (switch on 'Show all rows' for the rest; "
                   "the downloads hold all of them).")
    for note in b["notes"][1:]:
        st.caption(note)
    downloads(lambda: export_table(view, b["tasks"]), f"ranking_{edition}_{track}", "ranking")
