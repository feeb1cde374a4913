"""The chart pages: Learning curves (score per task against words seen) and Score vs training FLOPs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from babylm.leaderboard import aggregate as ag
from babylm.leaderboard import app_data as data
from babylm.leaderboard.app_ranking import macro_definition
from babylm.leaderboard.app_widgets import DASH, downloads, label, query
from babylm.leaderboard.views import marks

MACRO_CURVE = "macro"


def _macro_curve(cur: pd.DataFrame, tasks: tuple[str, ...]) -> pd.DataFrame:
    """The ranking's macro (mean of the board's macro tasks) at each checkpoint that has every one of them:
    a checkpoint missing one has no macro point (rather than one with the missing task as 0)."""
    per = cur[cur["task"].isin(tasks)]
    if per.empty:
        return per
    g = per.groupby(["submission_id", "checkpoint", "words_seen"], as_index=False).agg(
        value=("value", "mean"), n=("task", "nunique"))
    g = g[g["n"] == len(tasks)].drop(columns="n")
    g["task"] = MACRO_CURVE
    return g


def reference_lines(task: str, b: dict) -> pd.DataFrame:
    """The horizontal lines drawn on a task's curves: its chance level (task registry; the macro's is the
    mean of its tasks' chance levels) and each baseline entry's final score on it. Columns: value, label,
    kind ("chance" or "baseline")."""
    from babylm.leaderboard.app_widgets import label as entry_label
    from babylm.leaderboard.board_tasks import task_info

    rows = []
    if task == MACRO_CURVE:
        chances = [task_info(t).chance for t in b["macro_tasks"]]
        chance = sum(chances) / len(chances) if chances and None not in chances else None
    else:
        chance = task_info(task).chance
    if chance is not None:
        rows.append({"value": float(chance), "label": f"chance ({chance:g})", "kind": "chance"})
    frame = b["frame"]
    col = "macro" if task == MACRO_CURVE else task
    if "baseline" in frame and col in frame:
        for _, r in frame[frame["baseline"].astype(bool) & frame[col].notna() & ~frame["unscored"].astype(bool)].iterrows():
            rows.append({"value": float(r[col]), "label": f"baseline: {entry_label(r)}", "kind": "baseline"})
    return pd.DataFrame(rows, columns=["value", "label", "kind"])


def _task_chart(alt: object, part: pd.DataFrame, task: str, domain: list[str], refs: pd.DataFrame) -> object:
    """One task's curves with its chance and baseline lines, as wide as its column (on a narrow screen
    the columns stack)."""
    from babylm.leaderboard.app_ranking import task_label

    lines = _curve_lines(alt, part, task_label(task) if task != MACRO_CURVE else "macro", domain)
    if refs.empty:
        return lines
    rules = alt.Chart(refs).mark_rule(strokeWidth=1.5).encode(
        y="value:Q",
        strokeDash=alt.StrokeDash("kind:N", scale=alt.Scale(domain=["chance", "baseline"], range=[[2, 2], [6, 3]]),
                                  legend=None),
        color=alt.value("#888888"), tooltip=["label", alt.Tooltip("value:Q", format=".4f")])
    return alt.layer(lines, rules).properties(height=230)


def _curve_lines(alt: object, part: pd.DataFrame, title: str, domain: list[str]) -> object:
    return (
        alt.Chart(part, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("words_seen:Q", scale=alt.Scale(type="log"), title="words seen (log)",
                    axis=alt.Axis(format="~s", tickCount=5)),
            y=alt.Y("value:Q", title="score", scale=alt.Scale(zero=False)),
            color=alt.Color("entry:N", scale=alt.Scale(domain=domain),
                            legend=alt.Legend(orient="bottom", columns=1, labelLimit=360, title=None)),
            tooltip=["entry", "task", "checkpoint", alt.Tooltip("words_seen:Q", format=","),
                     alt.Tooltip("value:Q", format=".4f")],
        )
        .properties(height=230)
    )


def page_curves(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    st.title(f"Learning curves · {edition} / {track}")
    st.caption("Score per task at each checkpoint, against words seen (log axis). Dotted grey line: the task's "
               "chance level (task registry); dashed grey lines: the baseline entries' final scores. AoA is "
               "computed across all checkpoints and so has no curve.")
    if view.empty:
        st.info("No entries match the filters.")
        return
    labels = {r["submission_id"]: label(r) for _, r in view.iterrows()}
    ids = list(labels)
    q_ids = [i for i in (query("ids") or "").split(",") if i in labels]
    chosen = st.multiselect("Submissions", ids, default=q_ids or ids[:5], format_func=labels.get, key="curve_ids",
                            max_selections=12)
    if not chosen:
        st.info("Pick at least one submission and one task.")
        return
    st.query_params["ids"] = ",".join(chosen)  # the view can be linked to
    cur = data.curves(url, token, tuple(sorted(chosen)))
    cur = pd.concat([cur, _macro_curve(cur, tuple(b["macro_tasks"]))], ignore_index=True)
    # the board's tasks first, then any other task these entries were scored on (the demo's `demo` task)
    extra = sorted(set(cur["task"]) - set(b["tasks"]) - {MACRO_CURVE, "aoa"})
    task_opts = [MACRO_CURVE] + [t for t in b["tasks"] if t != "aoa"] + extra
    have = [t for t in task_opts if t in set(cur["task"])]
    from babylm.leaderboard.app_ranking import task_label

    tasks = st.multiselect("Tasks", task_opts, default=have[:4] or task_opts[:4], key="curve_tasks",
                           format_func=lambda t: t if t == MACRO_CURVE else f"{task_label(t)} ({t})")
    st.caption(macro_definition(b) + " On this page the macro is drawn only at checkpoints that have all of "
               "its tasks.")
    if not tasks:
        st.info("Pick at least one submission and one task.")
        return
    cur = cur[cur["task"].isin(tasks)].copy()
    cur["entry"] = cur["submission_id"].map(labels)
    if cur.empty:
        st.info("No per-checkpoint scores for this choice.")
        return
    domain = [labels[i] for i in chosen]
    shown = [t for t in tasks if t in set(cur["task"])]
    for t in sorted(set(tasks) - set(shown)):
        st.caption(f"{t}: {DASH} (no per-checkpoint score for these entries)")
    for i in range(0, len(shown), 2):
        cols = st.columns(2)
        for col, task in zip(cols, shown[i:i + 2], strict=False):
            col.altair_chart(_task_chart(alt, cur[cur["task"] == task], task, domain, reference_lines(task, b)),
                             width="stretch")
    downloads(cur.drop(columns=["entry"]), f"curves_{edition}_{track}", "curves")


def page_flops(url: str, token: str, edition: int, track: str, b: dict, view: pd.DataFrame) -> None:
    import altair as alt  # only the chart pages pay for importing it

    st.title(f"Score vs training FLOPs · {edition} / {track}")
    y_name = st.segmented_control("Score", ["macro", "human_likeness"], default="macro", key="flops_y",
                                  required=True) or "macro"
    st.caption(macro_definition(b))
    # an entry with no score has no place on a score axis (not a point at 0)
    pts = view[view["train_flops"].notna() & (view["train_flops"] > 0) & ~view["unscored"].astype(bool)
               & view[y_name].notna()].copy()
    left_out = int((view["unscored"].astype(bool)).sum())
    if left_out:
        st.caption(f"{left_out} entries with no task score are not plotted.")
    if pts.empty:
        st.info("No scored entries with training FLOPs match the filters.")
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
    pts["marks"] = [marks(r) for _, r in pts.iterrows()]
    shown = pts.sort_values("train_flops")[["team", "model", "marks", "submission_id", "backend", "n_params",
                                            "train_flops", y_name, "pareto"]]
    shown = shown.assign(train_pflops=shown["train_flops"] / 1e15)
    cfg = {"n_params": st.column_config.NumberColumn("parameters", format="compact"),
           "train_pflops": st.column_config.NumberColumn("training PFLOPs", format="%.4g"),
           y_name: st.column_config.NumberColumn(format="%.4f")}
    st.dataframe(shown[shown["pareto"]].drop(columns=["train_flops"]), hide_index=True, key="pareto_table",
                 column_config=cfg)
    downloads(shown, f"flops_{edition}_{track}", "flops")
