"""Aggregation and ranking: pure functions over frames read from the store (no Streamlit here).

Rules (stated once, applied everywhere):
- Which tasks count is data: `BOARD_TASKS[(edition, track)]` (falling back to `DEFAULT_TASKS`).
- A submission's score for a task is taken at its furthest checkpoint that has the task (the store's
  `latest` view). Task score = the task-level row when present, else the unweighted mean of its
  sub-task rows (the evaluation writes the task-level row as that same mean).
- Macro score = unweighted mean of the board's linguistic task scores. Optional tasks (GLUE) join the
  macro only when every ranked entry of the board has them, so all entries average the same tasks.
- A required task with no score counts as 0 and the entry is marked incomplete (`missing` column).
- Human-likeness (reading, AoA, WUG) is its own score, never part of the macro: the mean of those
  tasks after mapping each to a common scale (reading's delta-R^2 x 100 is divided by 100; the others
  are correlations). Missing human-likeness tasks count as 0 likewise.
- Intervals: a paired bootstrap. Each replicate resamples every task's sub-tasks with replacement (the
  same resample for every submission, hence paired); a task with no sub-task rows but a stored
  interval varies as a normal with that interval; otherwise it is held fixed. 95 % percentile interval.
- Flagged entries are not ranked (rank shown as empty), nor are entries with no score for any board
  task (`unscored`, e.g. an interaction run whose student is a reference-game model, not an LM);
  everything else is.
- Order: macro score (higher first), then human-likeness (higher), then training FLOPs (fewer), then
  parameters (fewer), then submission time (earlier), then submission id.
- Not distinguishable: `rank_range` is the set of ranks an entry could hold given 95 % intervals
  (best = 1 + entries whose interval lies wholly above its own; worst = n - entries wholly below), and
  `same_as_above` says the paired bootstrap cannot separate it from the entry ranked just above
  (the 95 % interval of the paired difference contains 0).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class TaskList:
    linguistic: tuple[str, ...]
    human_likeness: tuple[str, ...]
    optional: tuple[str, ...] = ()  # shown; join the macro only when every ranked entry has them

    @property
    def all(self) -> tuple[str, ...]:
        return self.linguistic + self.optional + self.human_likeness


_TEXT = TaskList(
    linguistic=("blimp", "blimp_supplement", "ewok", "entity_tracking", "comps"),
    human_likeness=("reading", "aoa", "wug_adj", "wug_past"),
    optional=("glue",),
)
_MULTIMODAL = TaskList(
    linguistic=_TEXT.linguistic + ("vqa", "winoground"),
    human_likeness=_TEXT.human_likeness,
    optional=("glue", "devbench"),
)

DEFAULT_TASKS = _TEXT
BOARD_TASKS: dict[tuple[int, str], TaskList] = {
    (2025, "strict"): _TEXT,
    (2025, "strict-small"): _TEXT,
    (2025, "interaction"): _TEXT,
    (2025, "multimodal"): _MULTIMODAL,
    (2026, "strict"): _MULTIMODAL,
    (2026, "strict-small"): _MULTIMODAL,
    (2026, "multilingual"): _TEXT,
}

# Factor that maps a human-likeness task onto the [-1, 1] scale of the correlations.
HUMAN_SCALE: dict[str, float] = {"reading": 0.01}

# The metric that counts when a task has rows for several metrics; otherwise the first by name.
PRIMARY_METRIC: dict[str, str] = {"glue": "accuracy"}

TIE_BREAKS = ("macro desc", "human_likeness desc", "train_flops asc", "n_params asc", "created asc",
              "submission_id asc")

SIZE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("< 10M", 0, 1e7),
    ("10M-100M", 1e7, 1e8),
    ("100M-1B", 1e8, 1e9),
    (">= 1B", 1e9, float("inf")),
)


def tasks_for(edition: int, track: str) -> TaskList:
    return BOARD_TASKS.get((int(edition), track), DEFAULT_TASKS)


def size_bucket(n_params: float | None) -> str:
    import math

    if n_params is None or (isinstance(n_params, float) and math.isnan(n_params)):
        return "unknown"
    for name, lo, hi in SIZE_BUCKETS:
        if lo <= n_params < hi:
            return name
    return "unknown"


def _primary(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep one metric per (submission, task): PRIMARY_METRIC, else a plain metric before a check metric
    (a name with ':', e.g. 'accuracy:reeval' from an organizer re-evaluation), else the first by name."""
    if rows.empty:
        return rows
    pairs = rows[["task", "metric"]].drop_duplicates()
    if not pairs["task"].duplicated().any():
        return rows  # one metric per task: nothing to choose
    primary = rows["task"].map(PRIMARY_METRIC)
    pref = (rows["metric"] != primary).astype(int) + rows["metric"].str.contains(":", regex=False).astype(int)
    ranked = rows.assign(_pref=pref.to_numpy()).sort_values(["_pref", "metric"], kind="mergesort")
    best = ranked.drop_duplicates(["submission_id", "task"])[["submission_id", "task", "metric"]]
    return rows.merge(best, on=["submission_id", "task", "metric"], how="inner")


def task_scores(latest: pd.DataFrame) -> pd.DataFrame:
    """Wide frame: submission_id x task -> task score (task row, else mean of sub-task rows)."""
    import pandas as pd

    if latest.empty:
        return pd.DataFrame()
    rows = _primary(latest)
    is_task = (rows["subtask"] == "").to_numpy()
    task_rows = rows[is_task].groupby(["submission_id", "task"])["value"].first().unstack()
    sub_means = rows[~is_task].groupby(["submission_id", "task"])["value"].mean().unstack()
    return task_rows.combine_first(sub_means) if not task_rows.empty else sub_means


@dataclass
class Board:
    """A scored board: one row per submission plus bootstrap replicates (rows aligned with `frame`)."""

    frame: pd.DataFrame
    macro_reps: np.ndarray
    human_reps: np.ndarray
    macro_tasks: tuple[str, ...]
    tasks: TaskList
    notes: list[str] = field(default_factory=list)


def _task_replicates(rows: pd.DataFrame, ids: pd.Index, point: pd.Series, rng: np.random.Generator,
                     n_boot: int) -> np.ndarray:
    """(n_submissions, n_boot) replicates of one task's score, paired across submissions."""
    import numpy as np

    n = len(ids)
    base = point.reindex(ids).to_numpy(dtype=float)
    reps = np.repeat(base[:, None].astype(np.float32), n_boot, axis=1)
    covered = np.zeros(n, dtype=bool)
    subs = rows[rows["subtask"] != ""]
    if not subs.empty:
        vals = subs.pivot(index="submission_id", columns="subtask", values="value").reindex(ids).to_numpy(dtype=float)
        mask = ~np.isnan(vals)
        covered = mask.any(axis=1) & ~np.isnan(base)
        if covered.any():
            v = np.where(mask, vals, 0.0)[covered].astype(np.float32)
            m = mask[covered].astype(np.float32)
            k = vals.shape[1]
            # multinomial counts = k sub-tasks drawn with replacement; one draw shared by all submissions
            w = rng.multinomial(k, np.full(k, 1.0 / k), size=n_boot).T.astype(np.float32)  # (k, n_boot)
            num, den = v @ w, m @ w
            # centre on the task's point score (it may be the task-level row rather than the sub-task mean)
            shift = (base[covered] - v.sum(axis=1) / m.sum(axis=1)).astype(np.float32)
            with np.errstate(invalid="ignore", divide="ignore"):
                boot = num / den + shift[:, None]
            # a replicate that drew none of an entry's sub-tasks keeps its point score
            reps[covered] = np.where(den > 0, boot, base[covered][:, None].astype(np.float32))
    task_rows = rows[rows["subtask"] == ""].set_index("submission_id").reindex(ids)
    lo = task_rows["ci_low"].to_numpy(dtype=float)
    hi = task_rows["ci_high"].to_numpy(dtype=float)
    sd = (hi - lo) / (2 * 1.959964)
    use_ci = ~covered & ~np.isnan(sd) & ~np.isnan(base)
    if use_ci.any():
        z = rng.standard_normal(n_boot)
        reps[use_ci] = base[use_ci, None] + sd[use_ci, None] * z[None, :]
    return reps


def score_board(subs: pd.DataFrame, latest: pd.DataFrame, flags: pd.DataFrame, *, edition: int, track: str,
                n_boot: int = 500, seed: int = 0) -> Board:
    """Score and rank every submission of one (edition, track) board."""
    import numpy as np
    import pandas as pd

    tl = tasks_for(edition, track)
    subs = subs.reset_index(drop=True).copy()
    ids = pd.Index(subs["submission_id"], name="submission_id")
    n = len(ids)
    latest = _primary(latest[latest["submission_id"].isin(ids)]) if not latest.empty else latest
    wide = task_scores(latest).reindex(ids) if not latest.empty else pd.DataFrame(index=ids)

    flag_text = _flag_text(flags, ids)
    flagged = flag_text.ne("").to_numpy()

    present = [t for t in tl.optional if t in wide.columns and wide.loc[~flagged, t].notna().all() and (~flagged).any()]
    macro_tasks = tl.linguistic + tuple(present)
    notes = [f"macro over {', '.join(macro_tasks)}"]
    if tl.optional and not present:
        notes.append(f"{', '.join(tl.optional)} shown but not averaged (not every ranked entry has it)")

    def reps_for(tasks: tuple[str, ...], scale: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        point = np.zeros(n)
        reps = np.zeros((n, n_boot), dtype=np.float32)
        for t in tasks:
            f = scale.get(t, 1.0)
            if t in wide.columns:
                col = wide[t]
                rng = np.random.default_rng([seed, zlib.crc32(t.encode())])
                r = _task_replicates(latest[latest["task"] == t], ids, col, rng, n_boot)
                point += np.nan_to_num(col.to_numpy(dtype=float)) * f
                np.nan_to_num(r, copy=False)
                reps += r * np.float32(f) if f != 1.0 else r
        k = max(len(tasks), 1)
        return point / k, reps / k

    macro, macro_reps = reps_for(macro_tasks, {})
    human, human_reps = reps_for(tl.human_likeness, HUMAN_SCALE)

    out = subs.copy()
    for t in tl.all:
        out[t] = wide[t].to_numpy(dtype=float) if t in wide.columns else np.nan
    out["macro"] = macro
    out["macro_low"], out["macro_high"] = np.percentile(macro_reps, [2.5, 97.5], axis=1) if n else ([], [])
    out["human_likeness"] = human
    out["human_low"], out["human_high"] = np.percentile(human_reps, [2.5, 97.5], axis=1) if n else ([], [])
    required = tl.linguistic + tl.human_likeness
    have = wide.reindex(columns=list(required)).notna().to_numpy()
    names = np.array(required, dtype=object)
    out["missing"] = [", ".join(names[~h]) for h in have] if n else []
    out["flags"] = flag_text.to_numpy()
    out["flagged"] = flagged
    out["unscored"] = wide.reindex(columns=list(tl.all)).isna().all(axis=1).to_numpy() if n else []
    if n and out["unscored"].any():
        notes.append("entries with no task score are listed but not ranked")
    out["size"] = _size_buckets(out["n_params"].to_numpy(dtype=float))
    out, order = _rank(out, macro_reps)
    return Board(frame=out.iloc[order].reset_index(drop=True), macro_reps=macro_reps[order],
                 human_reps=human_reps[order], macro_tasks=macro_tasks, tasks=tl, notes=notes)


def _size_buckets(n_params: np.ndarray) -> list[str]:
    import numpy as np

    conds = [(n_params >= lo) & (n_params < hi) for _, lo, hi in SIZE_BUCKETS]
    return list(np.select(conds, [name for name, _, _ in SIZE_BUCKETS], default="unknown"))


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


def sort_key_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The stated tie-break order as a sortable frame (ascending sort gives the ranking)."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame({
        "a": -df["macro"].to_numpy(dtype=float),
        "b": -df["human_likeness"].to_numpy(dtype=float),
        "c": df["train_flops"].astype(float).fillna(np.inf).to_numpy(),
        "d": df["n_params"].astype(float).fillna(np.inf).to_numpy(),
        "e": pd.to_datetime(df["created"], utc=True).to_numpy() if "created" in df else 0,
        "f": df["submission_id"].to_numpy(),
    })


def _rank(out: pd.DataFrame, macro_reps: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Add rank columns; return the frame and the row order (ranked entries first, best first)."""
    import numpy as np

    keys = sort_key_frame(out)
    # flagged and unscored entries sort after ranked ones, then by the same keys
    excluded = out["flagged"].to_numpy(dtype=bool) | out["unscored"].to_numpy(dtype=bool)
    keys.insert(0, "flag", excluded)
    order = keys.sort_values(list(keys.columns), kind="mergesort").index.to_numpy()
    out = out.copy()
    ranked = order[~excluded[order]]
    n = len(ranked)
    rank = np.full(len(out), np.nan)
    best = np.full(len(out), np.nan)
    worst = np.full(len(out), np.nan)
    same = np.zeros(len(out), dtype=bool)
    p_above = np.full(len(out), np.nan)
    if n:
        rank[ranked] = np.arange(1, n + 1)
        lo = out["macro_low"].to_numpy(dtype=float)[ranked]
        hi = out["macro_high"].to_numpy(dtype=float)[ranked]
        lo_sorted, hi_sorted = np.sort(lo), np.sort(hi)
        above = n - np.searchsorted(lo_sorted, hi, side="right")  # intervals wholly above mine
        below = np.searchsorted(hi_sorted, lo, side="left")  # intervals wholly below mine
        best[ranked] = 1 + above
        worst[ranked] = n - below
        if n > 1:
            diff = macro_reps[ranked[:-1]] - macro_reps[ranked[1:]]
            p = (diff <= 0).mean(axis=1)  # share of replicates where the lower entry is not behind
            low_q = np.percentile(diff, 2.5, axis=1)
            same[ranked[1:]] = low_q <= 0
            p_above[ranked[1:]] = p
    out["rank"] = rank
    out["rank_best"] = best
    out["rank_worst"] = worst
    out["rank_range"] = [
        "" if np.isnan(r) else (f"{int(b)}" if b == w else f"{int(b)}-{int(w)}")
        for r, b, w in zip(rank, best, worst, strict=True)
    ]
    out["same_as_above"] = same
    out["p_not_behind_above"] = p_above
    return out, order


def apply_filters(frame: pd.DataFrame, *, backends: list[str] | None = None, sizes: list[str] | None = None,
                  show_flagged: bool = False, show_synthetic: bool = True) -> pd.DataFrame:
    """The rows a visitor asked for; ranks stay those of the whole board."""
    m = frame.index == frame.index
    if backends:
        m &= frame["backend"].isin(backends).to_numpy()
    if sizes:
        m &= frame["size"].isin(sizes).to_numpy()
    if not show_flagged:
        m &= ~frame["flagged"].to_numpy()
    if not show_synthetic:
        m &= ~frame["synthetic"].astype(bool).to_numpy()
    return frame[m]


def pareto_frontier(x: Any, y: Any) -> np.ndarray:
    """Mask of points no other point beats (fewer or equal x and higher or equal y, one strictly)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    mask = np.zeros(len(x), dtype=bool)
    idx = np.where(ok)[0]
    order = idx[np.lexsort((-y[idx], x[idx]))]  # by x ascending, higher y first on equal x
    best = -np.inf
    for i in order:
        if y[i] > best:
            mask[i] = True
            best = y[i]
    return mask


def learning_curves(scores: pd.DataFrame, checkpoints: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long frame (submission_id, checkpoint, words_seen, task, value) of task scores per checkpoint.

    Task score per checkpoint follows the same rule as the board (task row, else sub-task mean); rows
    computed across checkpoints (no words seen) are left out: they have no place on the axis.
    """
    import pandas as pd

    if scores.empty:
        return pd.DataFrame(columns=["submission_id", "checkpoint", "words_seen", "task", "value"])
    rows = _primary(scores)
    rows = rows[rows["words_seen"].notna()]
    task_rows = rows[rows["subtask"] == ""][["submission_id", "checkpoint", "words_seen", "task", "value"]]
    sub = rows[rows["subtask"] != ""].groupby(["submission_id", "checkpoint", "words_seen", "task"],
                                               as_index=False)["value"].mean()
    merged = pd.concat([task_rows, sub]).drop_duplicates(["submission_id", "checkpoint", "task"], keep="first")
    merged["words_seen"] = merged["words_seen"].astype(float)
    return merged.sort_values(["submission_id", "task", "words_seen"]).reset_index(drop=True)


def budget_rows(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Budgets used against caps, [{what, used, cap, share}], from a submission's meta.

    Caps come from meta["budgets"] (word_budget or words_budget, exposure_cap, student_generation_cap);
    used amounts from meta["budgets"] when given (words_used, words_seen, student_words), else from the
    validator's summary (data_words, ledger_summary.words).
    """
    b = meta.get("budgets") or {}
    ledger = meta.get("ledger_summary") or {}
    rows = (
        ("training words (budget)", b.get("words_used", meta.get("data_words")), b.get("words_budget",
                                                                                       b.get("word_budget"))),
        ("words seen (exposure cap)", b.get("words_seen", ledger.get("words")), b.get("exposure_cap")),
        ("student-generated words", b.get("student_words"), b.get("student_generation_cap")),
    )
    out = []
    for label, used, cap in rows:
        if used is None and cap is None:
            continue
        share = float(used) / float(cap) if used is not None and cap else None
        out.append({"what": label, "used": used, "cap": cap, "share": share})
    return out


def interaction_series(meta: dict[str, Any]) -> dict[str, list[float]]:
    """The {variant: [success per round]} part of meta["interaction"] (other keys are shown as data)."""
    inter = meta.get("interaction") or {}
    if not isinstance(inter, dict):
        return {}
    return {str(k): [float(x) for x in v] for k, v in inter.items()
            if isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v)}
