"""The chart pages: Learning curves (score per task against words seen) and Score vs training FLOPs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard import app_data as data
from babylm.leaderboard.app_widgets import downloads, label, query

MACRO_CURVE = "macro (every-checkpoint tasks)"


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
    g["task"] = MACRO_CURVE
    return g


def page_curves(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    st.title(f"Learning curves · {edition} / {track}")
    st.caption("Score per task at each checkpoint, against words seen (log axis). AoA is computed across all "
               "checkpoints and so has no curve.")
    if view.empty:
        st.info("No entries match the filters.")
        return
    labels = {r["submission_id"]: label(r) for _, r in view.iterrows()}
    ids = list(labels)
    q_ids = [i for i in (query("ids") or "").split(",") if i in labels]
    chosen = st.multiselect("Submissions", ids, default=q_ids or ids[:5], format_func=labels.get, key="curve_ids",
                            max_selections=12)
    task_opts = [MACRO_CURVE] + [t for t in b["tasks"] if t != "aoa"]
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
    downloads(cur.drop(columns=["entry"]), f"curves_{edition}_{track}", "curves")


def page_flops(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    st.title(f"Score vs training FLOPs · {edition} / {track}")
    y_name = st.segmented_control("Score", ["macro", "human_likeness"], default="macro", key="flops_y",
                                  required=True) or "macro"
    pts = view[view["train_flops"].notna() & (view["train_flops"] > 0)].copy()
    if pts.empty:
        st.info("No entries with training FLOPs match the filters.")
        return
    pts["entry"] = [label(r) for _, r in pts.iterrows()]
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
    downloads(shown, f"flops_{edition}_{track}", "flops")
