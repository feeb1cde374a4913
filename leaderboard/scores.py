"""Task scores from stored rows: one metric per task, the task row else the mean of its sub-task rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CURVE_COLUMNS = ["submission_id", "checkpoint", "words_seen", "task", "value"]


def primary_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep one metric per (submission, task): the task spec's metric, else a plain metric before a check
    metric (a name with ':', e.g. 'accuracy:reeval' from an organizer re-evaluation), else the first by
    name."""
    from babylm.leaderboard.board_tasks import primary_metric

    if rows.empty:
        return rows
    pairs = rows[["task", "metric"]].drop_duplicates()
    if not pairs["task"].duplicated().any():
        return rows  # one metric per task: nothing to choose
    primary = rows["task"].map({t: primary_metric(t) for t in pairs["task"].unique()})
    pref = (rows["metric"] != primary).astype(int) + rows["metric"].str.contains(":", regex=False).astype(int)
    ranked = rows.assign(_pref=pref.to_numpy()).sort_values(["_pref", "metric"], kind="mergesort")
    best = ranked.drop_duplicates(["submission_id", "task"])[["submission_id", "task", "metric"]]
    return rows.merge(best, on=["submission_id", "task", "metric"], how="inner")


def task_scores(latest: pd.DataFrame) -> pd.DataFrame:
    """Wide frame: submission_id x task -> task score (task row, else mean of sub-task rows)."""
    import pandas as pd

    if latest.empty:
        return pd.DataFrame()
    rows = primary_rows(latest)
    is_task = (rows["subtask"] == "").to_numpy()
    task_rows = rows[is_task].groupby(["submission_id", "task"])["value"].first().unstack()
    sub_means = rows[~is_task].groupby(["submission_id", "task"])["value"].mean().unstack()
    return task_rows.combine_first(sub_means) if not task_rows.empty else sub_means


def learning_curves(scores: pd.DataFrame, checkpoints: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long frame (submission_id, checkpoint, words_seen, task, value) of task scores per checkpoint.

    Task score per checkpoint follows the same rule as the board (task row, else sub-task mean); rows
    computed across checkpoints (no words seen) are left out: they have no place on the axis.
    """
    import pandas as pd

    if scores.empty:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    rows = primary_rows(scores)
    rows = rows[rows["words_seen"].notna()]
    task_rows = rows[rows["subtask"] == ""][CURVE_COLUMNS]
    sub = rows[rows["subtask"] != ""].groupby(CURVE_COLUMNS[:-1], as_index=False)["value"].mean()
    merged = pd.concat([task_rows, sub]).drop_duplicates(["submission_id", "checkpoint", "task"], keep="first")
    merged["words_seen"] = merged["words_seen"].astype(float)
    return merged.sort_values(["submission_id", "task", "words_seen"]).reset_index(drop=True)
