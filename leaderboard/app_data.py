"""What the app reads, cached on the store's state token so a new score shows up without a restart."""

from __future__ import annotations

import os
import sys
from typing import Any

import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.store import Store

STORE_ENV = "BABYLM_LEADERBOARD_STORE"


def store_url() -> str | None:
    """The store URL: `streamlit run app.py -- --store URL`, else the BABYLM_LEADERBOARD_STORE variable."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--store" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--store="):
            return a.split("=", 1)[1]
    return os.environ.get(STORE_ENV)


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store(url, create=False)


@st.cache_data(show_spinner=False, max_entries=16)
def boards(url: str, token: str) -> list[tuple[int, str]]:
    return get_store(url).boards()


@st.cache_data(show_spinner="Scoring the board ...", max_entries=16)
def board(url: str, token: str, edition: int, track: str) -> dict[str, Any]:
    """The ranked board (aggregate.score_board) as plain data; reads only the `latest` rows (SQL-side)."""
    from babylm.leaderboard.terminal import load_board

    b = load_board(get_store(url), edition, track)
    return {"frame": b.frame, "macro_tasks": b.macro_tasks, "tasks": b.tasks.all,
            "linguistic": b.tasks.linguistic + b.tasks.optional, "human": b.tasks.human_likeness,
            "notes": b.notes, "required": b.tasks.required}


@st.cache_data(show_spinner=False, max_entries=64)
def curves(url: str, token: str, ids: tuple[str, ...]) -> Any:
    s = get_store(url)
    return ag.learning_curves(s.scores_frame(list(ids), task_level_only=False))


@st.cache_data(show_spinner=False, max_entries=64)
def submission(url: str, token: str, sid: str) -> dict[str, Any] | None:
    s = get_store(url)
    row = s.submission(sid)
    if row is None:
        return None
    scores = s.scores_frame([sid])
    return {"row": row, "scores": scores, "checkpoints": s.checkpoints_frame([sid]),
            "flags": s.flags_frame([sid]), "latest": s.latest_frame([sid])}
