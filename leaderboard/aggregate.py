"""Aggregation and ranking: pure functions over frames read from the store (no Streamlit here).

Rules (stated once, applied everywhere):
- Which tasks count is the track's: `board_tasks.tasks_for(edition, track)` reads the track registry
  (a board no registered track has falls back to the text tracks' task set).
- A submission's score for a task is taken at its furthest checkpoint that has the task (the store's
  `latest` view). Task score = the task-level row when present, else the unweighted mean of its
  sub-task rows (the evaluation writes the task-level row as that same mean).
- Macro score = unweighted mean of the board's linguistic task scores. Optional tasks (GLUE) join the
  macro only when every ranked entry of the board has them, so all entries average the same tasks.
- A required task with no score counts as 0 and the entry is marked incomplete (`missing` column;
  `n_scored` of `n_required` tasks): incomplete entries rank after every complete one.
- Human-likeness (reading, AoA, WUG) is its own score, never part of the macro: the mean of those
  tasks after mapping each to a common scale by its task spec's `board_scale` (reading's delta-R^2 x 100
  is divided by 100; the others are correlations). Missing human-likeness tasks count as 0 likewise.
- One metric per task (`scores`): the task spec's `metric`, else a plain metric before a check metric
  ('accuracy:reeval'), else the first by name.
- Intervals (`bootstrap`): a paired bootstrap. Each replicate resamples every task's sub-tasks with
  replacement (the same resample for every submission, hence paired); a task with no sub-task rows but
  a stored interval varies as a normal with that interval; otherwise it is held fixed. 95 % percentile
  interval.
- Baselines (meta {"baseline": true}: set by the organizers for the official baselines, by `seed-demo` for
  its own) are ranked like every entry and marked BASELINE.
- Flagged entries are not ranked (rank shown as empty), nor are entries with no score for any board
  task (`unscored`, e.g. an interaction run whose student is a reference-game model, not an LM), nor
  SYNTHETIC or SCALED entries on a board that has real ones (`demo_unranked`); everything else is.
- Order (`ranking`): macro score (higher first), then human-likeness (higher), then training FLOPs
  (fewer), then parameters (fewer), then submission time (earlier), then submission id.
- Not distinguishable: `rank_range` is the set of ranks an entry could hold given 95 % intervals
  (best = 1 + entries whose interval lies wholly above its own; worst = n - entries wholly below), and
  `same_as_above` says the paired bootstrap cannot separate it from the entry ranked just above
  (the 95 % interval of the paired difference contains 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from babylm.leaderboard.board_tasks import board_scale, tasks_for
from babylm.leaderboard.bootstrap import mean_with_replicates
from babylm.leaderboard.ranking import TIE_BREAKS, rank, sort_key_frame
from babylm.leaderboard.scores import learning_curves, primary_rows, task_scores
from babylm.leaderboard.views import (
    SIZE_BUCKETS,
    apply_filters,
    budget_rows,
    interaction_series,
    is_scaled,
    marks,
    pareto_frontier,
    size_bucket,
    size_buckets,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from babylm.tracks.rules import TaskSets

__all__ = [
    "SIZE_BUCKETS", "TIE_BREAKS", "Board", "apply_filters", "budget_rows", "interaction_series",
    "is_scaled", "learning_curves", "marks", "pareto_frontier", "score_board", "size_bucket", "sort_key_frame", "task_scores",
    "tasks_for",
]


@dataclass
class Board:
    """A scored board: one row per submission plus bootstrap replicates (rows aligned with `frame`)."""

    frame: pd.DataFrame
    macro_reps: np.ndarray
    human_reps: np.ndarray
    macro_tasks: tuple[str, ...]
    tasks: TaskSets
    notes: list[str] = field(default_factory=list)


def score_board(subs: pd.DataFrame, latest: pd.DataFrame, flags: pd.DataFrame, *, edition: int, track: str,
                n_boot: int = 500, seed: int = 0) -> Board:
    """Score and rank every submission of one (edition, track) board."""
    import numpy as np
    import pandas as pd

    tl = tasks_for(edition, track)
    subs = subs.reset_index(drop=True).copy()
    ids = pd.Index(subs["submission_id"], name="submission_id")
    n = len(ids)
    latest = primary_rows(latest[latest["submission_id"].isin(ids)]) if not latest.empty else latest
    wide = task_scores(latest).reindex(ids) if not latest.empty else pd.DataFrame(index=ids)
    flag_text = _flag_text(flags, ids)
    flagged = flag_text.ne("").to_numpy()
    macro_tasks, notes = _macro_tasks(tl, wide, flagged)

    boot = dict(seed=seed, n_boot=n_boot)
    macro, macro_reps = mean_with_replicates(wide, latest, ids, macro_tasks, lambda _t: 1.0, **boot)
    human, human_reps = mean_with_replicates(wide, latest, ids, tl.human_likeness, board_scale, **boot)

    out = subs.copy()
    for t in tl.all:
        out[t] = wide[t].to_numpy(dtype=float) if t in wide.columns else np.nan
    out["macro"] = macro
    out["macro_low"], out["macro_high"] = np.percentile(macro_reps, [2.5, 97.5], axis=1) if n else ([], [])
    out["human_likeness"] = human
    out["human_low"], out["human_high"] = np.percentile(human_reps, [2.5, 97.5], axis=1) if n else ([], [])
    out["missing"] = _missing(wide, tl.required) if n else []
    out["n_required"] = len(tl.required)
    out["n_scored"] = wide.reindex(columns=list(tl.required)).notna().sum(axis=1).to_numpy() if n else []
    out["complete"] = out["missing"].eq("") if n else []
    if "scaled" not in out:
        out["scaled"] = [is_scaled(m) for m in out["meta"]] if "meta" in out else False
    if "baseline" not in out:
        out["baseline"] = False
    out["flags"] = flag_text.to_numpy()
    out["flagged"] = flagged
    out["unscored"] = wide.reindex(columns=list(tl.all)).isna().all(axis=1).to_numpy() if n else []
    if n and out["unscored"].any():
        notes.append("entries with no task score are listed but not ranked")
    demo = out["synthetic"].astype(bool).to_numpy() | out["scaled"].astype(bool).to_numpy()
    real = ~demo & ~flagged & ~out["unscored"].to_numpy(dtype=bool) if n else demo
    # beside real entries a SYNTHETIC or SCALED one takes no rank; a demo board (nothing else) ranks them
    out["demo_unranked"] = demo & bool(real.any()) if n else []
    if n and out["demo_unranked"].any():
        notes.append("SYNTHETIC and SCALED entries are listed but not ranked beside real entries")
    out["size"] = size_buckets(out["n_params"].to_numpy(dtype=float))
    out, order = rank(out, macro_reps)
    return Board(frame=out.iloc[order].reset_index(drop=True), macro_reps=macro_reps[order],
                 human_reps=human_reps[order], macro_tasks=macro_tasks, tasks=tl, notes=notes)


def _macro_tasks(tl: TaskSets, wide: pd.DataFrame, flagged: np.ndarray) -> tuple[tuple[str, ...], list[str]]:
    """The tasks the macro averages (linguistic, plus the optional ones every ranked entry has) and the
    board's notes saying so."""
    present = [t for t in tl.optional if t in wide.columns and wide.loc[~flagged, t].notna().all() and (~flagged).any()]
    macro_tasks = tl.linguistic + tuple(present)
    notes = [f"macro over {', '.join(macro_tasks)}"]
    if tl.optional and not present:
        notes.append(f"{', '.join(tl.optional)} shown but not averaged (not every ranked entry has it)")
    return macro_tasks, notes


def _missing(wide: pd.DataFrame, required: tuple[str, ...]) -> list[str]:
    """Per entry, the required tasks it has no score for, comma-separated."""
    import numpy as np

    have = wide.reindex(columns=list(required)).notna().to_numpy()
    names = np.array(required, dtype=object)
    return [", ".join(names[~h]) for h in have]


def _flag_text(flags: pd.DataFrame, ids: pd.Index) -> pd.Series:
    import pandas as pd

    if flags is None or flags.empty:
        return pd.Series("", index=ids)
    f = flags[flags["submission_id"].isin(ids)].copy()

    def one(r: Any) -> str:
        scope = "/".join(x for x in (r["checkpoint"], r["task"]) if x)
        return f"{r['reason']} ({r['by']}{', ' + scope if scope else ''})"

    f["text"] = f.apply(one, axis=1) if not f.empty else []
    return f.groupby("submission_id")["text"].agg("; ".join).reindex(ids).fillna("")
