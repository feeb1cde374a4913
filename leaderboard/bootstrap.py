"""The paired bootstrap behind the board's intervals (rules in `aggregate`'s docstring).

Each replicate resamples every task's sub-tasks with replacement, the same resample for every
submission (hence paired); a task with no sub-task rows but a stored interval varies as a normal with
that interval; otherwise it is held fixed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

Z95 = 1.959964  # the normal quantile of a two-sided 95 % interval


def task_replicates(rows: pd.DataFrame, ids: pd.Index, point: pd.Series, rng: np.random.Generator,
                    n_boot: int) -> np.ndarray:
    """(n_submissions, n_boot) replicates of one task's score, paired across submissions."""
    import numpy as np

    base = point.reindex(ids).to_numpy(dtype=float)
    reps = np.repeat(base[:, None].astype(np.float32), n_boot, axis=1)
    covered = _resample_subtasks(rows[rows["subtask"] != ""], ids, base, reps, rng, n_boot)
    task_rows = rows[rows["subtask"] == ""].set_index("submission_id").reindex(ids)
    lo = task_rows["ci_low"].to_numpy(dtype=float)
    hi = task_rows["ci_high"].to_numpy(dtype=float)
    sd = (hi - lo) / (2 * Z95)
    use_ci = ~covered & ~np.isnan(sd) & ~np.isnan(base)
    if use_ci.any():
        z = rng.standard_normal(n_boot)
        reps[use_ci] = base[use_ci, None] + sd[use_ci, None] * z[None, :]
    return reps


def _resample_subtasks(subs: pd.DataFrame, ids: pd.Index, base: np.ndarray, reps: np.ndarray,
                       rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Fill `reps` for the entries with sub-task rows; returns which entries those are."""
    import numpy as np

    covered = np.zeros(len(ids), dtype=bool)
    if subs.empty:
        return covered
    vals = subs.pivot(index="submission_id", columns="subtask", values="value").reindex(ids).to_numpy(dtype=float)
    mask = ~np.isnan(vals)
    covered = mask.any(axis=1) & ~np.isnan(base)
    if not covered.any():
        return covered
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
    return covered


def mean_with_replicates(wide: pd.DataFrame, latest: pd.DataFrame, ids: pd.Index, tasks: tuple[str, ...],
                         scale: Callable[[str], float], *, seed: int, n_boot: int) -> tuple[np.ndarray, np.ndarray]:
    """The unweighted mean of `tasks` (each times `scale(task)`; a missing score counts 0) per
    submission, and its (n_submissions, n_boot) replicates."""
    import numpy as np

    n = len(ids)
    point = np.zeros(n)
    reps = np.zeros((n, n_boot), dtype=np.float32)
    for t in tasks:
        if t not in wide.columns:
            continue
        f = scale(t)
        col = wide[t]
        rng = np.random.default_rng([seed, zlib.crc32(t.encode())])
        r = task_replicates(latest[latest["task"] == t], ids, col, rng, n_boot)
        point += np.nan_to_num(col.to_numpy(dtype=float)) * f
        np.nan_to_num(r, copy=False)
        reps += r * np.float32(f) if f != 1.0 else r
    k = max(len(tasks), 1)
    return point / k, reps / k
