"""The organizer console: flag, unflag, annotate, withdraw and restore entries; the scoring state and its
failures; re-evaluation differences; the audit log. Behind a password.

The password comes from Streamlit's secrets (`organizer_password` in .streamlit/secrets.toml) or the
BABYLM_ORGANIZER_PASSWORD variable. With neither, the page does not exist: the sidebar does not list
it and `?page=console` opens the ranking. The password is shared by the organizers, so the name on each
audit entry is the one the organizer types in (the log says who claimed to act, not who logged in).

Reads are cached on the store's state token read afresh on each run (an action changes it, so it shows at
once); every store string reaches the page as plain text (table cells, widget labels, `plain`).
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

import pandas as pd
import streamlit as st

from babylm.errors import BabyLMError
from babylm.leaderboard import app_data as data
from babylm.leaderboard import organizer
from babylm.leaderboard.app_widgets import plain
from babylm.output import strip_control

PASSWORD_ENV = "BABYLM_ORGANIZER_PASSWORD"
SECRET_KEY = "organizer_password"
WRONG_PASSWORD_DELAY_S = 1.0  # slows guessing down
ACTIONS = {"flag": "Flag", "unflag": "Unflag", "annotate": "Annotate", "withdraw": "Withdraw",
           "restore": "Restore (undo withdraw)"}
AUDIT_ROWS = 500


def organizer_password() -> str | None:
    """The configured organizer password (secrets first, then the environment); None: no console."""
    try:
        secret = st.secrets.get(SECRET_KEY)
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning nothing
        secret = None
    pw = secret if isinstance(secret, str) and secret else os.environ.get(PASSWORD_ENV)
    return pw or None


def console_enabled() -> bool:
    return organizer_password() is not None


def _signed_in() -> bool:
    """The password gate: True once the typed password matches (compared in constant time)."""
    expected = organizer_password()
    if expected is None:  # not configured (app_pages never routes here then): refuse anyway
        st.error("The organizer console is not configured.")
        return False
    typed = st.text_input("Organizer password", type="password", key="console_pw")
    if not typed:
        st.info("Enter the organizer password to open the console.")
        return False
    if not hmac.compare_digest(typed.encode(), expected.encode()):
        time.sleep(WRONG_PASSWORD_DELAY_S)
        st.error("Wrong password.")
        return False
    return True


def page_console(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    st.title("Organizer console")
    if not _signed_in():
        return
    store = data.get_store(url)
    actor = st.text_input("Your name (goes into the audit log with every action)", key="console_actor")
    ents = organizer.entries(store)
    _actions(store, ents, actor)
    ents = organizer.entries(store)  # after an action: as the store has it now
    st.subheader("Entries")
    st.caption("Every entry of the store, withdrawn ones too (those are left out of every public page).")
    st.dataframe(ents, hide_index=True, width="stretch", key="console_entries")
    now = store.state_token()  # after an action: not the token this run started with
    _scoring(url, now)
    _reeval(url, now)
    st.subheader("Audit log")
    st.dataframe(store.audit_frame(limit=AUDIT_ROWS), hide_index=True, width="stretch", key="console_audit")


@st.cache_data(show_spinner=False, max_entries=8)
def _derived(url: str, token: str, what: str) -> pd.DataFrame:
    """organizer.scoring_state / failures / reeval_differences of the store at `token` (the costly reads)."""
    return getattr(organizer, what)(data.get_store(url))


def _label(row: Any) -> str:
    mark = "[withdrawn] " if row["withdrawn"] else ""
    return strip_control(f"{mark}{row['team']} / {row['model']} ({row['submission_id']}) · "
                         f"{row['edition']}/{row['track']}")


def _actions(store: Any, ents: pd.DataFrame, actor: str) -> None:
    st.subheader("Act on an entry")
    if ents.empty:
        st.info("No entries in the store.")
        return
    labels = {r["submission_id"]: _label(r) for _, r in ents.iterrows()}
    c1, c2 = st.columns([3, 2])
    sid = c1.selectbox("Entry", list(labels), format_func=labels.get, key="console_sid")
    action = c2.radio("Action", list(ACTIONS), format_func=ACTIONS.get, key="console_action", horizontal=True)
    flags = store.flags_frame([sid])
    target: tuple[str, str, str] | None = None
    text = ""
    if action == "unflag":
        if flags.empty:
            st.caption("This entry has no flags.")
        else:
            opts = [(r.reason, r.checkpoint, r.task) for r in flags.itertuples()]
            target = st.selectbox("Flag to remove", opts, key="console_flag",
                                  format_func=lambda f: strip_control(" · ".join(x for x in f if x)))
    else:
        what = {"annotate": "Note", "restore": "Reason (optional)"}.get(action, "Reason")
        text = st.text_area(what, key="console_text", max_chars=2000 if action == "annotate" else 500)
    if not st.button("Apply", key="console_apply", type="primary"):
        _entry_details(store, sid, flags)
        return
    try:
        msg = _apply(store, sid, action, actor, text, target)
    except BabyLMError as exc:
        st.error(plain(f"{exc} ({exc.hint})" if exc.hint else str(exc)))
    else:
        st.success(plain(msg))
    _entry_details(store, sid, store.flags_frame([sid]))


def _apply(store: Any, sid: str, action: str, actor: str, text: str,
           target: tuple[str, str, str] | None) -> str:
    """Run one action on the store (which checks the strings and writes the audit entry); a sentence
    saying what happened."""
    if not actor.strip():
        raise BabyLMError("give your name first", "it goes into the audit log with the action")
    if action == "flag":
        new = store.add_flag(submission_id=sid, reason=text, by=actor)
        return f"flagged {sid}" if new else f"{sid} already had that flag"
    if action == "unflag":
        if target is None:
            raise BabyLMError(f"{sid} has no flag to remove")
        reason, checkpoint, task = target
        n = store.remove_flags(sid, by=actor, reason=reason, checkpoint=checkpoint, task=task)
        return f"removed {n} flag(s) from {sid}"
    if action == "annotate":
        store.add_note(sid, text, by=actor)
        return f"note added to {sid}"
    changed = store.set_withdrawn(sid, action == "withdraw", by=actor, reason=text)
    done = "withdrawn" if action == "withdraw" else "restored"
    return f"{sid} {done}: it is {'off' if action == 'withdraw' else 'back on'} the public boards" if changed \
        else f"{sid} was already {done}"


def _entry_details(store: Any, sid: str, flags: pd.DataFrame) -> None:
    with st.expander("This entry: flags, notes, re-evaluation, audit", expanded=False):
        st.dataframe(flags, hide_index=True, width="stretch", key="console_entry_flags")
        st.dataframe(store.notes_frame([sid]), hide_index=True, width="stretch", key="console_entry_notes")
        st.dataframe(organizer.reeval_differences(store, [sid]), hide_index=True, width="stretch",
                     key="console_entry_reeval")
        st.dataframe(store.audit_frame(sid), hide_index=True, width="stretch", key="console_entry_audit")


def _scoring(url: str, token: str) -> None:
    st.subheader("Scoring queue and failures")
    st.caption("Derived from the store: `babylm submission score` keeps no job log there (a failed job is "
               "reported in its printed summary and re-run by the next pass). Queue: entries with required "
               "tasks missing at their furthest checkpoint. Failures: validation errors stored with the "
               "entry and the scorer's flags.")
    state = _derived(url, token, "scoring_state")
    queue = organizer.queue(state)
    st.markdown(f"**Queue:** {len(queue)} entr{'y' if len(queue) == 1 else 'ies'} waiting for scores")
    st.dataframe(queue, hide_index=True, width="stretch", key="console_queue")
    st.dataframe(_derived(url, token, "failures"), hide_index=True, width="stretch", key="console_failures")
    with st.expander("Scoring state of every entry", expanded=False):
        st.dataframe(state, hide_index=True, width="stretch", key="console_state")


def _reeval(url: str, token: str) -> None:
    st.subheader("Re-evaluation differences")
    st.caption("Per re-evaluated (entry, checkpoint, task): the score on the board (`scorer` claimed/...: the "
               "bundle's claim; gold/...: its item scores re-scored on the organizers' gold), the organizers' "
               "re-evaluation of the checkpoint, and re-evaluated minus stored.")
    d = _derived(url, token, "reeval_differences")
    if d.empty:
        st.info("No re-evaluations in the store.")
        return
    st.dataframe(d.sort_values("difference", key=lambda s: -s.abs()), hide_index=True, width="stretch",
                 key="console_reeval")
