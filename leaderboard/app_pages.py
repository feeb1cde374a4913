"""The leaderboard's pages: Ranking, Learning curves, Score vs FLOPs, Submission.

Navigation lives in the sidebar and in the URL (`?page=curves&edition=2025&track=strict-small&id=…`),
so every view can be linked to (and screenshotted by the browser test).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard import app_data as data

PAGES = {"ranking": "Ranking", "curves": "Learning curves", "flops": "Score vs FLOPs", "submission": "Submission"}
SYNTH_BANNER = ("This board contains SYNTHETIC entries (made by `babylm leaderboard --seed-demo`, marked "
                "[synthetic]): they are not real models or results.")
SYNTH_MARK = "[synthetic] "


def _label(row: Any) -> str:
    mark = SYNTH_MARK if row["synthetic"] else ""
    return f"{mark}{row['team']} / {row['model']} ({row['submission_id']})"


def _q(name: str, default: str | None = None) -> str | None:
    v = st.query_params.get(name)
    return v if v else default


def _downloads(df: pd.DataFrame, stem: str, key: str) -> None:
    c1, c2, _ = st.columns([2, 2, 5])
    c1.download_button("Download CSV", df.to_csv(index=False).encode(), f"{stem}.csv", "text/csv", key=f"{key}_csv")
    c2.download_button("Download JSON", df.to_json(orient="records", indent=1, date_format="iso").encode(),
                       f"{stem}.json", "application/json", key=f"{key}_json")


def main() -> None:
    st.set_page_config(page_title="BabyLM leaderboard", page_icon="👶", layout="wide")
    url = data.store_url()
    if not url:
        st.error(f"No results store given: run `babylm leaderboard --store URL` (or set {data.STORE_ENV}).")
        st.stop()
    try:
        store = data.get_store(url)
        token = store.state_token()
    except Exception as exc:  # a bad URL or unreadable file: tell the visitor, not a traceback
        st.error(f"Cannot open the results store {url}: {exc}")
        st.stop()
    boards = data.boards(url, token)
    st.sidebar.title("BabyLM leaderboard")
    if not boards:
        st.title("BabyLM leaderboard")
        st.info("The results store is empty: no submissions yet.")
        return
    editions = sorted({e for e, _ in boards}, reverse=True)
    q_ed = _q("edition")
    edition = st.sidebar.selectbox("Edition", editions, index=editions.index(int(q_ed)) if q_ed and q_ed.isdigit()
                                   and int(q_ed) in editions else 0, key="edition")
    tracks = [t for e, t in boards if e == edition]
    q_tr = _q("track")
    track = st.sidebar.selectbox("Track", tracks, index=tracks.index(q_tr) if q_tr in tracks else 0, key="track")
    keys = list(PAGES)
    q_page = _q("page", "ranking")
    page = st.sidebar.radio("Page", keys, format_func=PAGES.get,
                            index=keys.index(q_page) if q_page in keys else 0, key="page")
    b = data.board(url, token, edition, track)
    frame: pd.DataFrame = b["frame"]

    st.sidebar.subheader("Filters")
    backends = sorted(frame["backend"].unique())
    sel_backends = st.sidebar.multiselect("Backend", backends, default=[], key="f_backend",
                                          placeholder="all backends")
    sizes = [s for s, _, _ in ag.SIZE_BUCKETS] + ["unknown"]
    sizes = [s for s in sizes if s in set(frame["size"])]
    sel_sizes = st.sidebar.multiselect("Model size (parameters)", sizes, default=[], key="f_size",
                                       placeholder="all sizes")
    show_flagged = st.sidebar.toggle("Show flagged entries", value=False, key="f_flagged")
    show_synth = st.sidebar.toggle("Show synthetic entries", value=True, key="f_synth")
    view = ag.apply_filters(frame, backends=sel_backends, sizes=sel_sizes, show_flagged=show_flagged,
                            show_synthetic=show_synth)
    st.query_params.update({"page": page, "edition": str(edition), "track": track})
    st.sidebar.caption(f"{len(view)} of {len(frame)} entries shown · store revision {token.rsplit('#', 1)[-1]}")

    if frame["synthetic"].astype(bool).any():
        st.warning(SYNTH_BANNER)
    {"ranking": page_ranking, "curves": page_curves, "flops": page_flops, "submission": page_submission}[page](
        url, token, edition, track, b, view)


# ---------------------------------------------------------------------------------------------- ranking
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
    from urllib.parse import urlencode

    out = table.copy()
    out.insert(out.columns.get_loc("model") + 1, "open", [
        "?" + urlencode({"page": "submission", "edition": edition, "track": track, "id": sid})
        for sid in table["submission"]])
    return out


def page_ranking(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    st.title(f"Ranking · {edition} / {track}")
    st.caption(
        "Macro = mean of " + ", ".join(b["macro_tasks"]) + " at each entry's last checkpoint; human-likeness "
        "(reading/100, AoA, WUG) is its own score. Order: " + " > ".join(ag.TIE_BREAKS) + ". "
        "'≈': the paired bootstrap cannot tell this entry from the one above; 'rank range': ranks "
        "possible given 95 % intervals. Missing tasks count as 0. Flagged entries are not ranked."
    )
    table = ranking_table(view, b["tasks"])
    cfg = {
        "rank": st.column_config.TextColumn("rank", help="≈ = not distinguishable from the entry above", width="small"),
        "macro": st.column_config.ProgressColumn("macro", format="%.3f", min_value=0.0, max_value=1.0),
        "human-likeness": st.column_config.NumberColumn(format="%.3f"),
        "parameters": st.column_config.NumberColumn(format="compact"),
        "training PFLOPs": st.column_config.NumberColumn(format="%.4g", help="training FLOPs / 1e15"),
        "words seen": st.column_config.NumberColumn(format="compact"),
        "submission": st.column_config.TextColumn(help="open it on the Submission page"),
        "synthetic": st.column_config.CheckboxColumn(help="made by --seed-demo: not a real entry", width="small"),
        "open": st.column_config.LinkColumn(help="the entry's Submission page", display_text="details", width="small"),
    }
    for task in b["tasks"]:
        cfg[task] = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(_with_links(table, edition, track), column_config=cfg, hide_index=True, key="ranking_table",
                 height=min(36 * (len(table) + 1), 720))
    for note in b["notes"][1:]:
        st.caption(note)
    _downloads(table, f"ranking_{edition}_{track}", "ranking")


# ---------------------------------------------------------------------------------------------- curves
def _macro_curve(cur: pd.DataFrame, tasks: tuple[str, ...]) -> pd.DataFrame:
    """Macro per checkpoint over the tasks scored at every checkpoint (checkpoints missing one are left out)."""
    per = cur[cur["task"].isin(tasks)]
    if per.empty:
        return per
    every = [t for t in tasks if t in set(per["task"])
             and per[per["task"] == t]["checkpoint"].nunique() == per["checkpoint"].nunique()]
    per = per[per["task"].isin(every)]
    g = per.groupby(["submission_id", "checkpoint", "words_seen"], as_index=False).agg(
        value=("value", "mean"), n=("task", "nunique"))
    g = g[g["n"] == len(every)].drop(columns="n")
    g["task"] = "macro (every-checkpoint tasks)"
    return g


def page_curves(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    st.title(f"Learning curves · {edition} / {track}")
    st.caption("Score per task at each checkpoint, against words seen (log axis). AoA is computed across all "
               "checkpoints and so has no curve.")
    if view.empty:
        st.info("No entries match the filters.")
        return
    labels = {r["submission_id"]: _label(r) for _, r in view.iterrows()}
    ids = list(labels)
    q_ids = [i for i in (_q("ids") or "").split(",") if i in labels]
    chosen = st.multiselect("Submissions", ids, default=q_ids or ids[:5], format_func=labels.get, key="curve_ids",
                            max_selections=12)
    task_opts = ["macro (every-checkpoint tasks)"] + [t for t in b["tasks"] if t != "aoa"]
    tasks = st.multiselect("Tasks", task_opts, default=task_opts[:4], key="curve_tasks")
    if not chosen or not tasks:
        st.info("Pick at least one submission and one task.")
        return
    st.query_params["ids"] = ",".join(chosen)  # the view can be linked to
    cur = data.curves(url, token, tuple(sorted(chosen)))
    cur = pd.concat([cur, _macro_curve(cur, tuple(b["macro_tasks"]))], ignore_index=True)
    cur = cur[cur["task"].isin(tasks)].copy()
    cur["entry"] = cur["submission_id"].map(labels)
    if cur.empty:
        st.info("No per-checkpoint scores for this choice.")
        return
    chart = (
        alt.Chart(cur)
        .mark_line(point=True)
        .encode(
            x=alt.X("words_seen:Q", scale=alt.Scale(type="log"), title="words seen (log)"),
            y=alt.Y("value:Q", title="score", scale=alt.Scale(zero=False)),
            color=alt.Color("entry:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
            tooltip=["entry", "task", "checkpoint", alt.Tooltip("words_seen:Q", format=","),
                     alt.Tooltip("value:Q", format=".4f")],
        )
        .properties(width=360, height=230)
        .facet(facet=alt.Facet("task:N", title=None, sort=tasks), columns=2)
        .resolve_scale(y="independent")
    )
    st.altair_chart(chart)
    _downloads(cur.drop(columns=["entry"]), f"curves_{edition}_{track}", "curves")


# ---------------------------------------------------------------------------------------------- flops
def page_flops(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    st.title(f"Score vs training FLOPs · {edition} / {track}")
    y_name = st.segmented_control("Score", ["macro", "human_likeness"], default="macro", key="flops_y",
                                  required=True) or "macro"
    pts = view[view["train_flops"].notna() & (view["train_flops"] > 0)].copy()
    if pts.empty:
        st.info("No entries with training FLOPs match the filters.")
        return
    pts["entry"] = [_label(r) for _, r in pts.iterrows()]
    pts["pareto"] = ag.pareto_frontier(pts["train_flops"], pts[y_name])
    st.caption(f"{int(pts['pareto'].sum())} entries on the Pareto frontier (no other shown entry scores higher "
               "with fewer or equal FLOPs). Log x axis.")
    base = alt.Chart(pts).encode(x=alt.X("train_flops:Q", scale=alt.Scale(type="log"), title="training FLOPs (log)"),
                                 y=alt.Y(f"{y_name}:Q", scale=alt.Scale(zero=False), title=y_name))
    points = base.mark_circle(size=70, opacity=0.75).encode(
        color=alt.Color("backend:N"),
        tooltip=["entry", "backend", alt.Tooltip(f"{y_name}:Q", format=".4f"),
                 alt.Tooltip("train_flops:Q", format=".3e"), alt.Tooltip("n_params:Q", format=",")],
    )
    front = alt.Chart(pts[pts["pareto"]].sort_values("train_flops")).mark_line(
        interpolate="step-after", color="black", strokeDash=[4, 3]).encode(
        x="train_flops:Q", y=f"{y_name}:Q")
    st.altair_chart((points + front).properties(height=480).interactive(), width="stretch")
    shown = pts.sort_values("train_flops")[["team", "model", "submission_id", "backend", "n_params", "train_flops",
                                            y_name, "pareto"]]
    shown = shown.assign(train_pflops=shown["train_flops"] / 1e15)
    cfg = {"n_params": st.column_config.NumberColumn("parameters", format="compact"),
           "train_pflops": st.column_config.NumberColumn("training PFLOPs", format="%.4g"),
           y_name: st.column_config.NumberColumn(format="%.4f")}
    st.dataframe(shown[shown["pareto"]].drop(columns=["train_flops"]), hide_index=True, key="pareto_table",
                 column_config=cfg)
    _downloads(shown, f"flops_{edition}_{track}", "flops")


# ---------------------------------------------------------------------------------------------- submission
def page_submission(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    frame: pd.DataFrame = b["frame"]
    pool = view if not view.empty else frame
    labels = {r["submission_id"]: _label(r) for _, r in pool.iterrows()}
    q_id = _q("id")
    if q_id in set(frame["submission_id"]) and q_id not in labels:
        labels[q_id] = _label(frame[frame["submission_id"] == q_id].iloc[0])
    ids = list(labels)
    sid = st.selectbox("Submission", ids, index=ids.index(q_id) if q_id in ids else 0, format_func=labels.get,
                       key="sub_id")
    st.query_params["id"] = sid
    info = data.submission(url, token, sid)
    if info is None:
        st.error(f"Unknown submission {sid}")
        return
    row = info["row"]
    rank_row = frame[frame["submission_id"] == sid].iloc[0]
    meta = row.get("meta") or {}
    st.title(f"{SYNTH_MARK if row['synthetic'] else ''}{row['team']} / {row['model']}")
    if row["synthetic"]:
        st.warning(meta.get("synthetic_note", "Synthetic entry: not a real result."))
    if str(meta.get("scale") or "1") != "1":
        st.warning(f"SCALED run x{meta['scale']}: budgets and schedule shrunk for a demo; not a valid entry.")
    if rank_row["flags"]:
        st.error(f"Flagged: {rank_row['flags']}")
    if rank_row["missing"]:
        st.warning(f"Incomplete: no score for {rank_row['missing']} (counted as 0).")
    c = st.columns(6)
    c[0].metric("rank", "—" if np.isnan(rank_row["rank"]) else f"{int(rank_row['rank'])}",
                help=f"possible ranks given 95 % intervals: {rank_row['rank_range'] or '—'}")
    c[1].metric("macro", f"{rank_row['macro']:.3f}", help=f"95% CI [{rank_row['macro_low']:.3f}, "
                f"{rank_row['macro_high']:.3f}]")
    c[2].metric("human-likeness", f"{rank_row['human_likeness']:.3f}")
    c[3].metric("parameters", _fmt(row["n_params"]))
    c[4].metric("training FLOPs", "—" if row["train_flops"] is None else f"{row['train_flops']:.2e}")
    c[5].metric("words seen", _fmt(row["words_seen"]))

    left, right = st.columns(2)
    with left:
        st.subheader("Fact sheet")
        teacher = meta.get("teacher") if isinstance(meta.get("teacher"), dict) else {}
        facts = {"submission": sid, "edition": str(row["edition"]), "track": row["track"], "backend": row["backend"],
                 "teacher": teacher.get("model_id") or row["teacher"] or "—"}
        if teacher:  # what the scorer stores under meta["teacher"] (the fact sheet's teacher, validated)
            facts |= {"teacher parameters": teacher.get("n_params"), "teacher words": teacher.get("words")}
        facts |= {k: v for k, v in (meta.get("fact_sheet") or {}).items() if k != "teacher"}
        st.table(pd.DataFrame({"field": list(facts), "value": [_show(v) for v in facts.values()]}))
    with right:
        st.subheader("Budgets used against the caps")
        rows = ag.budget_rows(meta)
        if not rows:
            st.caption("No budget information in this submission.")
        for r in rows:
            share = r["share"]
            text = f"{r['what']}: {_fmt(r['used'])} of {_fmt(r['cap'])}" + (f" ({share:.1%})" if share is not None
                                                                            else "")
            if share is not None and share > 1:
                st.error(text + " — over the cap")
            st.progress(min(share or 0.0, 1.0), text=text)
        st.subheader("Ledger summary")
        ledger = meta.get("ledger_summary")
        if ledger:
            st.table(pd.DataFrame({"field": list(ledger), "value": [_show(v) for v in ledger.values()]}))
        else:
            st.caption("No ledger summary in this submission.")

    st.subheader("Scores (last checkpoint per task)")
    latest = info["latest"]
    task_rows = latest[latest["subtask"] == ""][["task", "checkpoint", "metric", "value", "ci_low", "ci_high",
                                                  "task_version"]].sort_values("task")
    st.dataframe(task_rows, hide_index=True, key="sub_tasks",
                 column_config={c: st.column_config.NumberColumn(format="%.4f") for c in ("value", "ci_low", "ci_high")})
    with st.expander("Per sub-task scores"):
        sub_rows = latest[latest["subtask"] != ""][["task", "subtask", "checkpoint", "metric", "value"]]
        st.dataframe(sub_rows.sort_values(["task", "subtask"]), hide_index=True, key="sub_subtasks")

    cur = ag.learning_curves(info["scores"])
    if not cur.empty:  # a task scored at one checkpoint only (GLUE on the final model) is no curve
        cur = cur[cur.groupby("task")["checkpoint"].transform("nunique") > 1]
    if not cur.empty:
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

    inter = ag.interaction_series(meta)
    if inter:
        st.subheader("Interaction: success per round")
        long = pd.DataFrame([{"variant": v, "round": i + 1, "success": s} for v, xs in inter.items()
                             for i, s in enumerate(xs)])
        unit = long["success"].between(0, 1).all()  # rates: a fixed 0-1 axis; other metrics (rewards) free
        run = meta.get("interaction_run") if isinstance(meta.get("interaction_run"), dict) else {}
        metric = run.get("metric") if isinstance(run.get("metric"), str) else "success"
        st.altair_chart(alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("round:O"),
            y=alt.Y("success:Q", title=metric, scale=alt.Scale(domain=[0, 1]) if unit else alt.Scale(zero=False)),
            color="variant:N", tooltip=["variant", "round", alt.Tooltip("success:Q", format=".4g")])
            .properties(height=260), width="stretch")
        if run:
            st.caption(" · ".join(f"{k}: {v}" for k, v in run.items() if k in ("protocol", "run_id", "variant",
                                                                                "rounds") and v is not None))

    st.subheader("Validation report")
    rep = row.get("validation_report")
    if not rep:
        st.caption("No validation report stored.")
    else:
        ok = rep.get("ok")
        (st.success if ok else st.error)("Validation passed" if ok else "Validation found errors")
        findings = rep.get("findings") or []
        if findings:
            st.dataframe(pd.DataFrame(findings), hide_index=True, key="sub_findings")
        with st.expander("Full report (JSON)"):
            st.json(rep)
    other = {k: v for k, v in (meta.get("interaction") or {}).items() if k not in inter} if isinstance(
        meta.get("interaction"), dict) else {}
    if isinstance(meta.get("interaction_run"), dict):
        other |= meta["interaction_run"]
    if other:
        with st.expander("Interaction details"):
            st.json(other)
    if not info["flags"].empty:
        st.subheader("Flags")
        st.dataframe(info["flags"], hide_index=True, key="sub_flags")

    export = {"submission": {k: v for k, v in row.items() if k not in ("created", "updated")},
              "rank": rank_row[["rank", "rank_range", "macro", "macro_low", "macro_high", "human_likeness"]].to_dict(),
              "scores": latest.to_dict(orient="records")}
    c1, c2, _ = st.columns([2, 3, 4])
    c1.download_button("Download JSON", json.dumps(export, default=str, indent=1).encode(), f"{sid}.json",
                       "application/json", key="sub_json")
    c2.download_button("Download CSV (all scores)", info["scores"].to_csv(index=False).encode(), f"{sid}_scores.csv",
                       "text/csv", key="sub_csv")


def _show(v: Any) -> str:
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


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    x = float(x)
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"
