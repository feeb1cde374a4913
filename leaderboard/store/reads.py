"""The store's reads: frames for the board, the curves and one submission's page, and the organizer
console's (every entry, withdrawn ones too; audit log, notes, re-evaluation differences, scoring state).

Public reads (`submissions_frame`, `boards`, `latest_frame` by board) leave withdrawn entries out, so
no page or export built on them can show one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from babylm.leaderboard.store.connection import StoreConnection

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TABLES_COUNTED = ("submissions", "checkpoints", "scores", "latest", "flags", "notes", "audit")


class StoreReads(StoreConnection):
    def _frame(self, stmt: Any, *, raw: bool = False) -> pd.DataFrame:
        """Run a select into a DataFrame. `raw` reads the DB-API cursor directly (skips SQLAlchemy's row
        processing, ~3x faster): only for selects of plain string/number columns."""
        import pandas as pd

        with self._read() as conn:
            res = conn.execute(stmt)
            cols = list(res.keys())
            rows = res.cursor.fetchall() if raw else res.fetchall()
            return pd.DataFrame(rows, columns=cols)

    def submissions_frame(self, edition: int | None = None, track: str | None = None, *,
                          with_meta: bool = True, include_withdrawn: bool = False) -> pd.DataFrame:
        """One row per submission (facts, meta as dict, synthetic); optional edition/track filter.
        Withdrawn entries only with `include_withdrawn` (the console's view, with a `withdrawn` column)."""
        tbl = self.t["submissions"]
        skip = {"validation_report"} | (set() if with_meta else {"meta"}) | (set() if include_withdrawn
                                                                             else {"withdrawn"})
        stmt = self._on_board(self._sa.select(*[c for c in tbl.c if c.name not in skip]), edition, track,
                              include_withdrawn=include_withdrawn)
        return self._frame(stmt.order_by(tbl.c.submission_id))

    def _on_board(self, stmt: Any, edition: int | None, track: str | None, *,
                  include_withdrawn: bool = False) -> Any:
        """`stmt` (which reads `submissions`) limited to the entries of `edition` and `track` (either may
        be None: no limit) that are not withdrawn."""
        sub = self.t["submissions"]
        if not include_withdrawn:
            stmt = stmt.where(sub.c.withdrawn == self._sa.false())
        if edition is not None:
            stmt = stmt.where(sub.c.edition == int(edition))
        if track is not None:
            stmt = stmt.where(sub.c.track == track)
        return stmt

    def boards(self) -> list[tuple[int, str]]:
        """The (edition, track) pairs that have submissions: newest edition first, then busiest board."""
        sa = self._sa
        tbl = self.t["submissions"]
        with self._read() as conn:
            rows = conn.execute(sa.select(tbl.c.edition, tbl.c.track, sa.func.count())
                                .where(tbl.c.withdrawn == sa.false())
                                .group_by(tbl.c.edition, tbl.c.track)).all()
        return [(int(e), str(t)) for e, t, _ in sorted(rows, key=lambda x: (-x[0], -x[2], x[1]))]

    def latest_frame(self, submission_ids: Sequence[str] | None = None, *, edition: int | None = None,
                     track: str | None = None) -> pd.DataFrame:
        """The furthest checkpoint's score per (submission, task, sub-task, metric); by board, without
        withdrawn entries."""
        lt, sub = self.t["latest"], self.t["submissions"]
        stmt = self._sa.select(lt.c.submission_id, lt.c.checkpoint, lt.c.task, lt.c.subtask, lt.c.metric,
                               lt.c.value, lt.c.ci_low, lt.c.ci_high, lt.c.task_version, lt.c.order_key)
        if edition is not None or track is not None:
            stmt = self._on_board(stmt.join(sub, sub.c.submission_id == lt.c.submission_id), edition, track)
        if submission_ids is not None:
            stmt = stmt.where(lt.c.submission_id.in_(list(submission_ids)))
        return self._frame(stmt, raw=True)

    def scores_frame(self, submission_ids: Sequence[str], *, task_level_only: bool = False) -> pd.DataFrame:
        """Every score row of some submissions, with the checkpoint's words seen and FLOPs."""
        sc, ck = self.t["scores"], self.t["checkpoints"]
        stmt = (
            self._sa.select(sc.c.submission_id, sc.c.checkpoint, sc.c.content_hash, sc.c.task, sc.c.subtask,
                            sc.c.metric, sc.c.value, sc.c.ci_low, sc.c.ci_high, sc.c.task_version, sc.c.scorer,
                            sc.c.harness_version, sc.c.created, sc.c.order_key,
                            ck.c.words_seen, ck.c.train_flops)
            .select_from(sc.outerjoin(ck, (ck.c.submission_id == sc.c.submission_id) & (ck.c.name == sc.c.checkpoint)))
            .where(sc.c.submission_id.in_(list(submission_ids)))
        )
        if task_level_only:
            stmt = stmt.where(sc.c.subtask == "")
        return self._frame(stmt.order_by(sc.c.submission_id, sc.c.order_key, sc.c.task, sc.c.subtask))

    def checkpoints_frame(self, submission_ids: Sequence[str]) -> pd.DataFrame:
        ck = self.t["checkpoints"]
        stmt = self._sa.select(ck).where(ck.c.submission_id.in_(list(submission_ids)))
        return self._frame(stmt.order_by(ck.c.submission_id, ck.c.words_seen))

    def flags_frame(self, submission_ids: Sequence[str] | None = None) -> pd.DataFrame:
        fl = self.t["flags"]
        stmt = self._sa.select(fl.c.submission_id, fl.c.reason, fl.c.by, fl.c.checkpoint, fl.c.task, fl.c.created)
        if submission_ids is not None:
            stmt = stmt.where(fl.c.submission_id.in_(list(submission_ids)))
        return self._frame(stmt.order_by(fl.c.submission_id, fl.c.created))

    def submission(self, submission_id: str) -> dict[str, Any] | None:
        """One submission's row including meta, validation report and `withdrawn`, or None."""
        tbl = self.t["submissions"]
        with self._read() as conn:
            row = conn.execute(self._sa.select(tbl).where(tbl.c.submission_id == submission_id)).mappings().first()
        return dict(row) if row is not None else None

    def notes_frame(self, submission_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """The organizers' notes (submission_id, note, by, created), oldest first."""
        nt = self.t["notes"]
        stmt = self._sa.select(nt.c.submission_id, nt.c.note, nt.c.by, nt.c.created)
        if submission_ids is not None:
            stmt = stmt.where(nt.c.submission_id.in_(list(submission_ids)))
        return self._frame(stmt.order_by(nt.c.submission_id, nt.c.created, nt.c.id))

    def audit_frame(self, submission_id: str | None = None, *, limit: int | None = None) -> pd.DataFrame:
        """The audit log (created, actor, action, submission_id, detail), newest first."""
        au = self.t["audit"]
        stmt = self._sa.select(au.c.created, au.c.actor, au.c.action, au.c.submission_id, au.c.detail)
        if submission_id is not None:
            stmt = stmt.where(au.c.submission_id == submission_id)
        stmt = stmt.order_by(au.c.id.desc())
        return self._frame(stmt.limit(limit) if limit is not None else stmt)

    def task_scores_frame(self, submission_ids: Sequence[str] | None = None, *,
                          metric_suffix: str | None = None) -> pd.DataFrame:
        """Task-level score rows (claimed, gold and re-evaluated) with scorer and time, optionally only those
        whose metric ends with `metric_suffix` (":reeval"): what the console's re-evaluation differences
        are computed from."""
        sc = self.t["scores"]
        stmt = self._sa.select(sc.c.submission_id, sc.c.checkpoint, sc.c.task, sc.c.metric, sc.c.value,
                               sc.c.task_version, sc.c.scorer, sc.c.created, sc.c.order_key, sc.c.id).where(sc.c.subtask == "")
        if submission_ids is not None:
            stmt = stmt.where(sc.c.submission_id.in_(list(submission_ids)))
        if metric_suffix is not None:
            stmt = stmt.where(sc.c.metric.endswith(metric_suffix, autoescape=True))
        return self._frame(stmt.order_by(sc.c.submission_id, sc.c.order_key, sc.c.task, sc.c.id))

    def last_scored(self) -> dict[str, Any]:
        """submission id -> when its newest score row was written (entries with scores only)."""
        sa, sc = self._sa, self.t["scores"]
        with self._read() as conn:
            rows = conn.execute(sa.select(sc.c.submission_id, sa.func.max(sc.c.created)).group_by(sc.c.submission_id))
            return {str(sid): t for sid, t in rows}

    def validation_reports(self) -> dict[str, Any]:
        """Every submission's stored validation report (None where there is none), by submission id."""
        tbl = self.t["submissions"]
        with self._read() as conn:
            rows = conn.execute(self._sa.select(tbl.c.submission_id, tbl.c.validation_report)).all()
        return {str(sid): rep for sid, rep in rows}

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests, the CLI and the bench)."""
        sa = self._sa
        out = {}
        with self._read() as conn:
            for name in TABLES_COUNTED:
                out[name] = int(conn.execute(sa.select(sa.func.count()).select_from(self.t[name])).scalar_one())
        return out
