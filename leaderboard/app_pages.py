"""The leaderboard app: the sidebar (board, page, filters) and the pages it routes to.

Pages: Ranking (`app_ranking`), Learning curves and Score vs FLOPs (`app_charts`), Submission
(`app_submission`), About (`app_about`: rules, ranking and intervals, how to submit, how to cite).
Navigation lives in the sidebar and in the URL (`?page=curves&edition=2025&track=strict-small&id=…`),
and so does every filter (the search box `q`, `f_backend`, `f_size`, `f_flagged`, `f_synth`,
`f_scaled`; the ranking's `cols` and `all_rows`), so every view can be linked to (and screenshotted by
the browser test). The search box and the filters sit at the top of the page, not in the sidebar, so a
narrow screen (where the sidebar starts collapsed) still reaches them.

Every user string (team, model, flag reason, note) goes to the page as plain text: through a table
cell, a widget option, or `app_widgets.plain` where the element renders Markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard import app_data as data
from babylm.leaderboard.app_about import page_about
from babylm.leaderboard.app_charts import page_curves, page_flops
from babylm.leaderboard.app_console import console_enabled, page_console
from babylm.leaderboard.app_ranking import page_ranking
from babylm.leaderboard.app_submission import page_submission
from babylm.leaderboard.app_widgets import SYNTH_BANNER, plain, query

PAGES = {"ranking": "Ranking", "curves": "Learning curves", "flops": "Score vs FLOPs", "submission": "Submission",
         "about": "About", "console": "Organizer console"}  # listed only when an organizer password is configured
MAIN_TRACKS = ("strict", "strict-small")  # the headline boards of every edition so far
RENDER = {"ranking": page_ranking, "curves": page_curves, "flops": page_flops, "submission": page_submission,
          "about": page_about, "console": page_console}


def main() -> None:
    st.set_page_config(page_title="BabyLM leaderboard", page_icon="👶", layout="wide")
    url, token = _open_store()
    boards = data.boards(url, token)
    st.sidebar.title("BabyLM leaderboard")
    if not boards:
        st.title("BabyLM leaderboard")
        st.info("The results store is empty: no submissions yet.")
        return
    edition, track, page = _choose_board(boards)
    b = data.board(url, token, edition, track)
    frame: pd.DataFrame = b["frame"]
    st.query_params.update({"page": page, "edition": str(edition), "track": track})
    if (frame["synthetic"].astype(bool) | frame["scaled"].astype(bool)).any():
        st.warning(SYNTH_BANNER)
    view = _filtered(frame)
    st.sidebar.caption(f"{len(view)} of {len(frame)} entries shown · store revision {token.rsplit('#', 1)[-1]}")
    RENDER[page](url, token, edition, track, b, view)


def _open_store() -> tuple[str, str]:
    """The store's URL and state token; stops the app with a message when there is none."""
    url = data.store_url()
    if not url:
        st.error(f"No results store given: run `babylm leaderboard serve --store URL` (or set {data.STORE_ENV}).")
        st.stop()
    try:
        token = data.get_store(url).state_token()
    except Exception as exc:  # a bad URL or unreadable file: tell the visitor, not a traceback
        st.error(plain(f"Cannot open the results store {url}: {exc}"))
        st.stop()
    return url, token


def _choose_board(boards: list[tuple[int, str]]) -> tuple[int, str, str]:
    """Edition, track and page from the sidebar (defaults from the URL's query)."""
    editions = sorted({e for e, _ in boards}, reverse=True)
    q_ed = query("edition")
    edition = st.sidebar.selectbox("Edition", editions, index=editions.index(int(q_ed)) if q_ed and q_ed.isdigit()
                                   and int(q_ed) in editions else 0, key="edition")
    tracks = [t for e, t in boards if e == edition]
    q_tr = query("track")
    default = tracks.index(q_tr) if q_tr in tracks else tracks.index(main_track(tracks))
    track = st.sidebar.selectbox("Track", tracks, index=default, key="track")
    keys = [k for k in PAGES if k != "console" or console_enabled()]  # no password, no console page
    q_page = query("page", "ranking")
    page = st.sidebar.radio("Page", keys, format_func=PAGES.get,
                            index=keys.index(q_page) if q_page in keys else 0, key="page")
    return edition, track, page


def main_track(tracks: list[str]) -> str:
    """The track a visitor lands on: the edition's main (strict) text board when it has entries, then
    strict-small, else the busiest board (`tracks` comes busiest first)."""
    return next((t for t in MAIN_TRACKS if t in tracks), tracks[0])


def _filtered(frame: pd.DataFrame) -> pd.DataFrame:
    """The board's rows the filters (at the top of the page) keep. SYNTHETIC and SCALED entries are hidden
    unless asked for, or when the board has nothing else (a demo store), where hiding them would leave
    an empty board."""
    synth = frame["synthetic"].astype(bool) | frame["scaled"].astype(bool)
    only_demo = bool(len(frame)) and bool(synth.all())
    # every filter lives in the URL (bind="query-params"), so a filtered view can be linked to
    bind = {"bind": "query-params"}
    search = st.text_input("Search team or model", key="q", placeholder="team, model or submission id", max_chars=200,
                           **bind)
    with st.expander("Filters", expanded=False):
        c1, c2 = st.columns(2)
        backends = sorted(frame["backend"].unique())
        sel_backends = c1.multiselect("Backend", backends, default=[], key="f_backend", placeholder="all backends",
                                      **bind)
        sizes = [s for s, _, _ in ag.SIZE_BUCKETS] + ["unknown"]
        sizes = [s for s in sizes if s in set(frame["size"])]
        sel_sizes = c2.multiselect("Model size (parameters)", sizes, default=[], key="f_size", placeholder="all sizes",
                                   **bind)
        c3, c4, c5 = st.columns(3)
        show_flagged = c3.toggle("Show flagged entries", value=False, key="f_flagged", **bind)
        show_synth = c4.toggle("Show synthetic entries", value=only_demo, key="f_synth",
                               help="made by `babylm leaderboard seed-demo`: not real models", **bind)
        show_scaled = c5.toggle("Show SCALED runs", value=only_demo, key="f_scaled",
                                help="budgets and schedule shrunk for a demo: not valid entries", **bind)
    return ag.apply_filters(frame, backends=sel_backends, sizes=sel_sizes, show_flagged=show_flagged,
                            show_synthetic=show_synth, show_scaled=show_scaled, search=search or "")
