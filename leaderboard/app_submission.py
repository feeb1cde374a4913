"""The Submission page: one entry's fact sheet, budgets, scores, curves, interaction run and report."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard import app_data as data
from babylm.leaderboard.app_ranking import macro_definition
from babylm.leaderboard.app_widgets import DASH, field_table, fmt, label, mark_prefix, plain, query, utc_text
from babylm.leaderboard.views import http_url


def _pick(frame: pd.DataFrame, view: pd.DataFrame) -> str:
    """The submission to show: the picker over the filtered entries (plus the one named in ?id=)."""
    pool = view if not view.empty else frame
    labels = {r["submission_id"]: label(r) for _, r in pool.iterrows()}
    q_id = query("id")
    if q_id in set(frame["submission_id"]) and q_id not in labels:
        labels[q_id] = label(frame[frame["submission_id"] == q_id].iloc[0])
    ids = list(labels)
    sid = st.selectbox("Submission", ids, index=ids.index(q_id) if q_id in ids else 0, format_func=labels.get,
                       key="sub_id")
    st.query_params["id"] = sid
    return sid


def page_submission(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    frame: pd.DataFrame = b["frame"]
    sid = _pick(frame, view)
    info = data.submission(url, token, sid)
    if info is None:
        st.error(plain(f"Unknown submission {sid}"))
        return
    row = info["row"]
    rank_row = frame[frame["submission_id"] == sid].iloc[0]
    meta = row.get("meta") or {}
    _header(row, rank_row, meta)
    st.caption(macro_definition(b))
    left, right = st.columns(2)
    with left:
        _fact_sheet(sid, row, meta)
    with right:
        _budgets(meta)
        _ledger(meta)
    _scores(info["latest"])
    _curves(info["scores"])
    inter = ag.interaction_series(meta)
    _interaction(meta, inter)
    _validation(row.get("validation_report"))
    _details(meta, inter, info["flags"])
    _export(sid, row, rank_row, info)


def _header(row: dict, rank_row: Any, meta: dict) -> None:
    st.title(plain(f"{mark_prefix(rank_row)}{row['team']} / {row['model']}"))
    if rank_row.get("baseline"):
        st.info("BASELINE: an official (or seeded) baseline, ranked like every entry.")
    if row["synthetic"]:
        st.warning(plain(meta.get("synthetic_note", "Synthetic entry: not a real result.")))
    if ag.is_scaled(meta):
        st.warning(plain(f"SCALED run x{meta['scale']}: budgets and schedule shrunk for a demo; not a valid entry."))
    if rank_row["flags"]:
        st.error("Flagged: " + plain(rank_row["flags"]))
    if rank_row["unscored"]:
        st.warning("No task score stored for this entry: it is listed but not ranked.")
    elif rank_row["missing"]:
        st.warning(f"Incomplete ({int(rank_row['n_scored'])} of {int(rank_row['n_required'])} tasks): no score for "
                   f"{rank_row['missing']} (counted as 0; ranked after the complete entries).")
    unscored = bool(rank_row["unscored"])
    lo, hi = rank_row["macro_low"], rank_row["macro_high"]
    ci = ("no interval: no per-item data to resample" if lo == hi else f"95% CI [{lo:.3f}, {hi:.3f}]")
    c = st.columns(6)
    c[0].metric("rank", DASH if np.isnan(rank_row["rank"]) else f"{int(rank_row['rank'])}",
                help=f"possible ranks given 95 % intervals: {rank_row['rank_range'] or DASH}")
    c[1].metric("macro", DASH if unscored else f"{rank_row['macro']:.3f}",
                help="no task score" if unscored else ci)
    c[2].metric("human-likeness", DASH if unscored else f"{rank_row['human_likeness']:.3f}")
    c[3].metric("parameters", fmt(row["n_params"]))
    c[4].metric("training FLOPs", DASH if row["train_flops"] is None else f"{row['train_flops']:.2e}")
    c[5].metric("words seen", fmt(row["words_seen"]))


def _fact_sheet(sid: str, row: dict, meta: dict) -> None:
    st.subheader("Fact sheet")
    teacher = meta.get("teacher") if isinstance(meta.get("teacher"), dict) else {}
    facts = {"submission": sid, "edition": str(row["edition"]), "track": row["track"], "backend": row["backend"],
             "teacher": teacher.get("model_id") or row["teacher"] or "—"}
    if teacher:  # what the scorer stores under meta["teacher"] (the fact sheet's teacher, validated)
        facts |= {"teacher parameters": teacher.get("n_params"), "teacher words": teacher.get("words")}
    facts |= {k: v for k, v in (meta.get("fact_sheet") or {}).items() if k != "teacher"}
    facts |= {"submitted": utc_text(row.get("created")), "last changed": utc_text(row.get("updated"))}
    st.dataframe(field_table(facts), hide_index=True, key="sub_facts")
    links = {name: http_url((meta.get("fact_sheet") or {}).get(field)) for field, name in
             (("model_card_url", "Model card"), ("paper_url", "Paper"), ("code_url", "Code"))}
    links = {k: v for k, v in links.items() if v}
    if links:  # buttons, never Markdown: the URL cannot smuggle formatting or a script
        cols = st.columns(len(links))
        for col, (name, link) in zip(cols, links.items(), strict=True):
            col.link_button(name, link)


def _budgets(meta: dict) -> None:
    st.subheader("Budgets used against the caps")
    rows = ag.budget_rows(meta)
    if not rows:
        st.caption("No budget information in this submission.")
    for r in rows:
        share = r["share"]
        text = f"{r['what']}: {fmt(r['used'])} of {fmt(r['cap'])}" + (f" ({share:.1%})" if share is not None else "")
        if share is not None and share > 1:
            st.error(text + " — over the cap")
        st.progress(min(share or 0.0, 1.0), text=text)


def _ledger(meta: dict) -> None:
    st.subheader("Ledger summary")
    ledger = meta.get("ledger_summary")
    if ledger:
        st.dataframe(field_table(ledger), hide_index=True, key="sub_ledger")
    else:
        st.caption("No ledger summary in this submission.")


def _scores(latest: pd.DataFrame) -> None:
    st.subheader("Scores (last checkpoint per task)")
    task_rows = latest[latest["subtask"] == ""][["task", "checkpoint", "metric", "value", "ci_low", "ci_high",
                                                  "task_version"]].sort_values("task")
    task_rows["95% CI"] = [DASH + " (no interval stored)" if pd.isna(lo) or pd.isna(hi) else f"[{lo:.4f}, {hi:.4f}]"
                           for lo, hi in zip(task_rows["ci_low"], task_rows["ci_high"], strict=True)]
    task_rows = task_rows.drop(columns=["ci_low", "ci_high"])
    st.dataframe(task_rows, hide_index=True, key="sub_tasks",
                 column_config={"value": st.column_config.NumberColumn(format="%.4f")})
    with st.expander("Per sub-task scores"):
        sub_rows = latest[latest["subtask"] != ""][["task", "subtask", "checkpoint", "metric", "value"]]
        st.dataframe(sub_rows.sort_values(["task", "subtask"]), hide_index=True, key="sub_subtasks")


def _curves(scores: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    cur = ag.learning_curves(scores)
    if not cur.empty:  # a task scored at one checkpoint only (GLUE on the final model) is no curve
        cur = cur[cur.groupby("task")["checkpoint"].transform("nunique") > 1]
    if cur.empty:
        return
    st.subheader("Learning curves")
    # one small panel per task: their scales differ (accuracy, correlations, reading's delta R^2 x 100)
    chart = (alt.Chart(cur).mark_line(point=True).encode(
        x=alt.X("words_seen:Q", scale=alt.Scale(type="log"), title="words seen (log)"),
        y=alt.Y("value:Q", scale=alt.Scale(zero=False), title="score"),
        color=alt.Color("task:N", legend=None),
        tooltip=["task", "checkpoint", alt.Tooltip("value:Q", format=".4f")])
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("task:N", title=None), columns=3)
        .resolve_scale(y="independent"))
    st.altair_chart(chart)


def _run_info(meta: dict) -> dict:
    return meta.get("interaction_run") if isinstance(meta.get("interaction_run"), dict) else {}


def _interaction(meta: dict, inter: dict[str, list[float]]) -> None:
    import altair as alt  # only the chart pages pay for importing it

    if not inter:
        return
    st.subheader("Interaction: success per round")
    long = pd.DataFrame([{"variant": v, "round": i + 1, "success": s} for v, xs in inter.items()
                         for i, s in enumerate(xs)])
    unit = long["success"].between(0, 1).all()  # rates: a fixed 0-1 axis; other metrics (rewards) free
    run = _run_info(meta)
    metric = run.get("metric") if isinstance(run.get("metric"), str) else "success"
    st.altair_chart(alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("round:O"),
        y=alt.Y("success:Q", title=metric, scale=alt.Scale(domain=[0, 1]) if unit else alt.Scale(zero=False)),
        color="variant:N", tooltip=["variant", "round", alt.Tooltip("success:Q", format=".4g")])
        .properties(height=260), width="stretch")
    if run:
        st.caption(plain(" · ".join(f"{k}: {v}" for k, v in run.items() if k in ("protocol", "run_id", "variant",
                                                                                  "rounds") and v is not None)))


def _validation(rep: dict | None) -> None:
    st.subheader("Validation report")
    if not rep:
        st.caption("No validation report stored.")
        return
    ok = rep.get("ok")
    (st.success if ok else st.error)("Validation passed" if ok else "Validation found errors")
    findings = rep.get("findings") or []
    if findings:
        st.dataframe(pd.DataFrame(findings), hide_index=True, key="sub_findings")
    with st.expander("Full report (JSON)"):
        st.json(rep)


def _details(meta: dict, inter: dict[str, list[float]], flags: pd.DataFrame) -> None:
    """The interaction data that is not a per-round series, and the entry's flags."""
    raw = meta.get("interaction")
    other = {k: v for k, v in raw.items() if k not in inter} if isinstance(raw, dict) else {}
    other |= _run_info(meta)
    if other:
        with st.expander("Interaction details"):
            st.json(other)
    if not flags.empty:
        st.subheader("Flags")
        st.dataframe(flags, hide_index=True, key="sub_flags")


def _export(sid: str, row: dict, rank_row: Any, info: dict[str, Any]) -> None:
    export = {"submission": {k: v for k, v in row.items() if k not in ("created", "updated")},
              "rank": rank_row[["rank", "rank_range", "macro", "macro_low", "macro_high", "human_likeness"]].to_dict(),
              "scores": info["latest"].to_dict(orient="records")}
    c1, c2, _ = st.columns([2, 3, 4])
    c1.download_button("Download JSON", json.dumps(export, default=str, indent=1).encode(), f"{sid}.json",
                       "application/json", key="sub_json")
    c2.download_button("Download CSV (all scores)", info["scores"].to_csv(index=False).encode(), f"{sid}_scores.csv",
                       "text/csv", key="sub_csv")
