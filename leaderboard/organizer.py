"""What the organizer console and `babylm leaderboard flag|unflag|withdraw|annotate|audit` show: every
entry (withdrawn ones too), the scoring state and its failures, re-evaluation differences.

`babylm submission score` keeps no queue and no job log in the store (a job's failure goes to its printed
summary only), so the scoring state is derived from what the store holds: per entry, the board's
required tasks scored at its furthest checkpoint, the re-evaluated checkpoints, the stored validation
report, and the flags the scorer raised; the "queue" is the entries with tasks still missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from babylm.leaderboard.store.schema import ACROSS_CHECKPOINTS_KEY

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from babylm.leaderboard.store import Store

REEVAL_SUFFIX = ":reeval"  # metric of an organizer re-evaluation (submissions/score/run.py)
SCORER_BY = "babylm submission score"  # submissions/score/driver.py: who the scorer's flags are by
ENTRY_COLUMNS = ["submission_id", "team", "model", "edition", "track", "backend", "synthetic", "withdrawn",
                 "flags", "notes", "updated"]


def entries(store: Store) -> pd.DataFrame:
    """Every entry of the store (withdrawn too) with its number of flags and notes."""
    subs = store.submissions_frame(with_meta=False, include_withdrawn=True)
    flags = store.flags_frame()
    notes = store.notes_frame()
    subs["flags"] = subs["submission_id"].map(flags.groupby("submission_id").size()).fillna(0).astype(int)
    subs["notes"] = subs["submission_id"].map(notes.groupby("submission_id").size()).fillna(0).astype(int)
    subs["withdrawn"] = subs["withdrawn"].astype(bool)
    return subs[ENTRY_COLUMNS].reset_index(drop=True)


def reeval_differences(store: Store, submission_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per re-evaluated (entry, checkpoint, task): the score on the board's row (the bundle's claim,
    or its item scores re-scored on gold; `scorer` says which), the re-evaluation, and their difference."""
    import pandas as pd

    cols = ["submission_id", "checkpoint", "task", "metric", "stored", "scorer", "reevaluated", "difference",
            "reeval_scorer", "reevaluated_at"]
    re_rows = store.task_scores_frame(submission_ids, metric_suffix=REEVAL_SUFFIX)
    if re_rows.empty:
        return pd.DataFrame(columns=cols)
    rows = store.task_scores_frame(sorted(set(re_rows["submission_id"])))
    rows = rows[~rows["metric"].astype(str).str.endswith(REEVAL_SUFFIX)]
    re_rows = re_rows.assign(metric=re_rows["metric"].str.slice(0, -len(REEVAL_SUFFIX)))
    key = ["submission_id", "checkpoint", "task", "metric"]
    # the newest row per key on both sides (a task re-versioned later has several)
    base = rows.sort_values("id").drop_duplicates(key, keep="last")
    re_rows = re_rows.sort_values("id").drop_duplicates(key, keep="last")
    out = re_rows.merge(base[[*key, "value", "scorer"]], on=key, how="left", suffixes=("_re", ""))
    out = out.rename(columns={"value_re": "reevaluated", "value": "stored", "scorer_re": "reeval_scorer",
                              "created": "reevaluated_at"})
    out["difference"] = out["reevaluated"] - out["stored"]
    return out[cols].sort_values(["submission_id", "checkpoint", "task"]).reset_index(drop=True)


def scoring_state(store: Store) -> pd.DataFrame:
    """Per entry: status (withdrawn, invalid, incomplete, scored, unscored), checkpoints, the required tasks
    scored at the furthest scored checkpoint, the missing ones, re-evaluated checkpoints, errors, scorer
    flags and the time of the last score row. Read from `latest` (one row per task), not every score."""
    import pandas as pd

    from babylm.leaderboard.board_tasks import tasks_for

    subs = store.submissions_frame(with_meta=False, include_withdrawn=True)
    lat = store.latest_frame()
    lat = lat[lat["subtask"] == ""]
    plain = lat[~lat["metric"].astype(str).str.endswith(REEVAL_SUFFIX)]
    real = plain[plain["order_key"] < ACROSS_CHECKPOINTS_KEY]
    top = real.groupby("submission_id")["order_key"].max()
    at_top = real[real["order_key"] == real["submission_id"].map(top)]
    furthest = at_top.groupby("submission_id")["checkpoint"].max()
    # tasks at the furthest checkpoint, and those computed across all checkpoints (AoA)
    done_rows = pd.concat([at_top, plain[plain["order_key"] >= ACROSS_CHECKPOINTS_KEY]])
    done = done_rows.groupby("submission_id")["task"].agg(set)
    reeval = store.task_scores_frame(metric_suffix=REEVAL_SUFFIX).groupby("submission_id")["checkpoint"].agg(
        lambda c: ", ".join(sorted(set(c))))
    n_ckpts = store.checkpoints_frame(list(subs["submission_id"])).groupby("submission_id").size()
    flags = store.flags_frame()
    scorer_flags = flags[flags["by"] == SCORER_BY].groupby("submission_id").size()
    reports = store.validation_reports()
    last = store.last_scored()
    scored_ids = set(plain["submission_id"])
    required_by_board: dict[tuple[int, str], tuple[str, ...]] = {}
    out = []
    for r in subs.itertuples():
        sid = r.submission_id
        board = (int(r.edition), str(r.track))
        if board not in required_by_board:
            required_by_board[board] = tasks_for(*board).required
        required = required_by_board[board]
        missing = [t for t in required if t not in done.get(sid, set())]
        errors = _report_errors(reports.get(sid))
        status = ("withdrawn" if r.withdrawn else "invalid" if errors else "unscored" if sid not in scored_ids
                  else "incomplete" if missing else "scored")
        out.append({
            "submission_id": sid, "status": status, "checkpoints": int(n_ckpts.get(sid, 0)),
            "furthest_scored": furthest.get(sid, ""), "tasks_scored": f"{len(required) - len(missing)} of {len(required)}",
            "missing": ", ".join(missing), "reevaluated": reeval.get(sid, ""), "errors": len(errors),
            "scorer_flags": int(scorer_flags.get(sid, 0)), "last_scored": last.get(sid),
        })
    return pd.DataFrame(out, columns=["submission_id", "status", "checkpoints", "furthest_scored", "tasks_scored",
                                      "missing", "reevaluated", "errors", "scorer_flags", "last_scored"])


def queue(state: pd.DataFrame) -> pd.DataFrame:
    """The entries still waiting for scores (unscored or incomplete, not withdrawn)."""
    return state[state["status"].isin(["unscored", "incomplete"])].reset_index(drop=True)


def failures(store: Store) -> pd.DataFrame:
    """What went wrong, as stored: error findings of the validation reports and flags the scorer raised
    (re-evaluation disagreements, gold items without a prediction, compat mismatches)."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for sid, rep in sorted(store.validation_reports().items()):
        for f in _report_errors(rep):
            rows.append({"submission_id": sid, "source": "validation", "code": str(f.get("code", "")),
                         "where": str(f.get("where") or ""), "message": str(f.get("message", ""))})
    fl = store.flags_frame()
    for f in fl[fl["by"] == SCORER_BY].itertuples():
        where = "/".join(x for x in (f.checkpoint, f.task) if x)
        rows.append({"submission_id": f.submission_id, "source": "scorer flag", "code": "flag", "where": where,
                     "message": f.reason})
    return pd.DataFrame(rows, columns=["submission_id", "source", "code", "where", "message"])


def _report_errors(report: Any) -> list[dict[str, Any]]:
    if not isinstance(report, dict):
        return []
    return [f for f in report.get("findings") or [] if isinstance(f, dict) and f.get("severity") == "error"]
