"""What the app reads, cached on the store's state token (its last-change marker) so a new score shows up
without a restart.

`prewarm` (run by `app_launch` before the server starts) scores the boards a first visitor lands on before
anyone asks, so the first page of a fresh server is served from memory like every later one.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.store import Store

STORE_ENV = "BABYLM_LEADERBOARD_STORE"
_PREWARMED: dict[tuple, Any] = {}  # (url, token, edition, track) -> board, filled before the server starts


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
    hit = _PREWARMED.pop(("boards", url, token), None)
    from babylm.leaderboard.board_tasks import expand_boards

    return hit if hit is not None else expand_boards(get_store(url).boards())  # multilingual: one per language


@st.cache_data(show_spinner="Scoring the board ...", max_entries=16)
def board(url: str, token: str, edition: int, track: str) -> dict[str, Any]:
    """The ranked board (aggregate.score_board) as plain data; reads only the `latest` rows (SQL-side)."""
    hit = _PREWARMED.pop((url, token, edition, track), None)
    return hit if hit is not None else score(get_store(url), edition, track)


def score(store: Store, edition: int, track: str) -> dict[str, Any]:
    """One board, scored and ranked, with each entry's last score time (`scored`) and the board's."""
    import pandas as pd

    from babylm.leaderboard.terminal import load_board

    b = load_board(store, edition, track)
    frame = b.frame
    from babylm.leaderboard.board_tasks import split_board

    scored = _scored_times(store, edition, split_board(track)[0])
    frame["scored"] = pd.to_datetime(frame["submission_id"].map(scored), utc=True)
    for col in ("created", "updated"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    times = pd.concat([frame["scored"], frame.get("updated", pd.Series(dtype="datetime64[ns, UTC]"))]).dropna()
    return {"frame": frame, "macro_tasks": b.macro_tasks, "tasks": b.tasks.all,
            "linguistic": b.tasks.linguistic + b.tasks.optional, "human": b.tasks.human_likeness,
            "notes": b.notes, "required": b.tasks.required, "last_updated": times.max() if len(times) else None}


def _scored_times(store: Store, edition: int, track: str) -> dict[str, Any]:
    """submission id -> when its newest `latest` score row was written (one grouped query)."""
    import pandas as pd

    from babylm.leaderboard.board_tasks import split_board

    stored, _lang = split_board(track)  # a per-language board ('multilingual@nl') holds its track's entries
    sa, lt, sub = store._sa, store.t["latest"], store.t["submissions"]
    stmt = (sa.select(lt.c.submission_id, sa.func.max(lt.c.created))
            .join(sub, sub.c.submission_id == lt.c.submission_id)
            .where(sub.c.edition == int(edition), sub.c.track == stored).group_by(lt.c.submission_id))
    with store._read() as conn:
        rows = conn.execute(stmt).all()
    return {str(sid): pd.Timestamp(t) for sid, t in rows if t is not None}


def prewarm(url: str, main_track: Any) -> None:
    """Score the board each edition opens on (and import what the pages use) before the first visitor:
    `main_track(tracks)` picks it as the app does."""
    try:
        s = get_store(url)  # a resource cache: the app's first visit finds the store open (migrations checked)
        token = s.state_token()
        from babylm.leaderboard.board_tasks import expand_boards

        all_boards = expand_boards(s.boards())
        _PREWARMED[("boards", url, token)] = all_boards
        by_edition: dict[int, list[str]] = {}
        for e, t in all_boards:
            by_edition.setdefault(e, []).append(t)
        for e, tracks in sorted(by_edition.items(), reverse=True)[:1]:  # the newest edition is the landing page
            t = main_track(tracks)
            _PREWARMED[(url, token, e, t)] = score(s, e, t)
    except Exception:  # noqa: BLE001 - a bad store: the page says so on the first visit
        pass


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
