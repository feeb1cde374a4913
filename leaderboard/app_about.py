"""The About page: the board's rules, how ranking and intervals work, how to submit, how to cite.

Figures (budgets, caps, checkpoints, tasks with their units and chance levels) are read from the track
and task registries, the same ones the board is scored with, so this page cannot drift from the ranking.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard.app_ranking import FIRST_ROWS, macro_definition, task_label
from babylm.leaderboard.app_widgets import DASH, fmt, utc_text
from babylm.leaderboard.board_tasks import board_scale, task_info

CITATION = """@inproceedings{charpentier2025babylm,
  title  = {BabyLM Turns 3: Call for papers for the 2025 BabyLM workshop},
  author = {Charpentier, Lucas and Choshen, Leshem and Cotterell, Ryan and Gul, Mustafa Omer and Hu, Michael
            and Jumelet, Jaap and Linzen, Tal and Liu, Jing and Mueller, Aaron and Ross, Candace
            and Shah, Raj Sanjay and Warstadt, Alex and Wilcox, Ethan and Williams, Adina},
  year   = {2025},
  eprint = {2502.10645},
  archivePrefix = {arXiv}
}"""


def task_table(b: dict) -> pd.DataFrame:
    """The board's tasks as the registry describes them, with the part each plays in the ranking."""
    macro, human = set(b["macro_tasks"]), set(b["human"])
    rows = []
    for t in b["tasks"]:
        info = task_info(t)
        role = "macro" if t in macro else "human-likeness" if t in human else "shown, not averaged"
        rows.append({"task": t, "name": task_label(t), "counts toward": role, "unit": info.unit or DASH,
                     "chance": DASH if info.chance is None else f"{info.chance:g}",
                     "board scale": f"x {board_scale(t):g}", "description": info.description or DASH})
    return pd.DataFrame(rows)


def _rules(edition: int, track: str) -> None:
    from babylm.errors import BabyLMError
    from babylm.leaderboard.board_tasks import split_board
    from babylm.tracks.rules import get_track

    st.subheader(f"Rules of {edition} / {track}")
    try:
        tr = get_track(split_board(track)[0], edition)  # a per-language board follows its track's rules
    except BabyLMError:
        st.caption("No registered track has this name: the board uses the text tracks' tasks.")
        return
    facts = {"training words (budget)": fmt(tr.word_budget), "words seen (exposure cap)": fmt(tr.exposure_cap),
             "checkpoints": f"{len(tr.schedule)} ({tr.checkpoint_names[0]} .. {tr.checkpoint_names[-1]})"}
    if tr.student_generation_cap:
        facts["student-generated words (cap)"] = fmt(tr.student_generation_cap)
    if tr.teacher_allowlist:
        facts["teachers allowed"] = ", ".join(tr.teacher_allowlist)
    st.dataframe(pd.DataFrame({"rule": list(facts), "value": list(facts.values())}), hide_index=True,
                 key="about_rules")
    st.markdown("An entry that goes over a budget or cap, or whose ledger does not verify, is flagged by the "
                "organizers: it stays listed (tinted red) but takes no rank. `babylm tracks list` prints every "
                "edition's rules, and docs/rules.md says where this harness differs from the official pipeline.")


def page_about(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    st.title("About this leaderboard")
    st.caption(f"Board {edition} / {track} · last updated {utc_text(b.get('last_updated'))}")
    _rules(edition, track)

    st.subheader("How the ranking works")
    st.markdown(
        f"- {macro_definition(b)}\n"
        "- Human-likeness (reading, age of acquisition, WUG) is its own score, never part of the macro: each "
        "task is first mapped onto a common scale (its *board scale* below: reading's ΔR² ×100 counts x 0.01).\n"
        f"- Order: {' > '.join(ag.TIE_BREAKS)}.\n"
        "- Not ranked: flagged entries, entries with no task score, and SYNTHETIC (made by `seed-demo`) or "
        "SCALED (budgets shrunk for a demo) entries on a board that has real ones; they are hidden unless "
        "the filters ask for them.\n"
        "- BASELINE marks the official baselines (the organizers store them with `{\"baseline\": true}` in "
        "the entry's meta; `seed-demo` marks its own): ranked like every entry, marked BASELINE.\n"
        f"- The table shows the first {FIRST_ROWS} entries; 'Show all rows' shows the rest, and the CSV/JSON "
        "downloads hold every entry the filters keep, with numeric rank, ci_low and ci_high.")

    st.subheader("How the intervals work")
    st.markdown(
        "- The macro's 95 % interval is a paired bootstrap (500 replicates): each replicate resamples every "
        "task's sub-tasks with replacement, the same draw for every entry, so two entries are compared on "
        "the same resample. A task with no sub-task rows but a stored interval varies as a normal with that "
        f"interval; a task with neither is held fixed, and an entry with no varying task shows {DASH} "
        "(no per-item data) instead of an interval.\n"
        "- '≈' beside a rank: the 95 % interval of the paired difference with the entry just above contains "
        "0, so the two cannot be told apart.\n"
        "- 'rank range': the ranks an entry could hold given the intervals (best = 1 + entries whose interval "
        "lies wholly above its own; worst = n - entries wholly below).")

    st.subheader("Tasks")
    st.dataframe(task_table(b), hide_index=True, key="about_tasks",
                 column_config={"description": st.column_config.TextColumn(width="large")})

    st.subheader("How to submit")
    st.markdown(
        "1. Train inside the track's budget with the ledger (`babylm model train ...`, or the `Ledger` / "
        "`LedgerCallback` in your own loop); keep every `chck_*` checkpoint.\n"
        "2. Evaluate every checkpoint: `babylm eval run RUN/ --track TRACK --tasks full --eval-data DIR`.\n"
        "3. Bundle and check: `babylm submission init RUN/ --team T --model M --results RUN/eval --out bundle/`, "
        "then `babylm submission validate bundle/` (every error says how to fix it).\n"
        "4. Optional links shown on the ranking: `model_card_url`, `paper_url` and `code_url` in the bundle's "
        "`fact_sheet.json` (http or https URLs).\n"
        "5. Send the bundle to the organizers, who score it with `babylm submission score` against the gold "
        "labels; the entry appears here once scored.")

    st.subheader("How to cite")
    st.markdown("Cite the BabyLM call for papers of the edition (and each entry's own paper, linked from its row):")
    st.code(CITATION, language="bibtex")
