"""The store's writes (the contract): submissions, checkpoints, scores, flags and validation reports,
and the organizers' actions (flag, unflag, annotate, withdraw, restore), each logged in `audit` in the
same transaction.

Every write is idempotent and bumps the revision counter only when a row changed. Every user string is
checked first (limits.py): a name the store does not take is a BabyLMError, and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.leaderboard.store import limits
from babylm.leaderboard.store.connection import StoreConnection
from babylm.leaderboard.store.schema import LATEST_KEY, SCORE_KEY, ScoreRow, checkpoint_order_key, utcnow

CHUNK = 500  # rows per INSERT statement


class StoreWrites(StoreConnection):
    def upsert_submission(
        self, *, submission_id: str, team: str, model: str, edition: int, track: str, backend: str,
        n_params: int | None = None, train_flops: float | None = None, words_seen: int | None = None,
        teacher: str | None = None, meta: dict | None = None, synthetic: bool = False,
    ) -> None:
        """Create or update a submission's fact row (idempotent: same values, no change). Refuses names the
        store does not take (limits.py) with a BabyLMError."""
        limits.check_submission(submission_id=submission_id, team=team, model=model, track=track, backend=backend,
                                teacher=teacher)
        sa = self._sa
        tbl = self.t["submissions"]
        values = dict(team=team, model=model, edition=int(edition), track=track, backend=backend,
                      n_params=n_params, train_flops=train_flops, words_seen=words_seen, teacher=teacher,
                      meta=meta or {}, synthetic=bool(synthetic))

        def run() -> None:
            with self._write() as conn:
                now = utcnow()
                ins = self._insert(tbl).values(submission_id=submission_id, created=now, updated=now, **values)
                if conn.execute(ins.on_conflict_do_nothing(index_elements=["submission_id"])
                                .returning(tbl.c.submission_id)).first() is None:
                    sel = sa.select(tbl).where(tbl.c.submission_id == submission_id)
                    row = conn.execute(sel if self.is_sqlite else sel.with_for_update()).mappings().one()
                    if all(_jsonable(row[k]) == _jsonable(v) for k, v in values.items()):
                        return
                    conn.execute(tbl.update().where(tbl.c.submission_id == submission_id)
                                 .values(updated=now, **values))
                self._bump(conn)

        self._retry(run)

    def upsert_checkpoint(self, *, submission_id: str, name: str, words_seen: int,
                          train_flops: float | None, content_hash: str | None) -> None:
        """Create or update one checkpoint of a submission (idempotent)."""
        self.upsert_checkpoints(submission_id, [dict(name=name, words_seen=words_seen, train_flops=train_flops,
                                                     content_hash=content_hash)])

    def upsert_checkpoints(self, submission_id: str, checkpoints: Sequence[dict]) -> int:
        """Several checkpoints ({name, words_seen, train_flops, content_hash}) in one transaction;
        returns how many rows were created or changed."""
        tbl = self.t["checkpoints"]
        for c in checkpoints:
            limits.check_text("checkpoint", c["name"])
            limits.check_text("checkpoint", c.get("content_hash"), optional=True)
        wanted = {c["name"]: dict(words_seen=int(c["words_seen"]), train_flops=c.get("train_flops"),
                                  content_hash=c.get("content_hash")) for c in checkpoints}
        if not wanted:
            return 0
        records = [dict(submission_id=submission_id, name=n, created=utcnow(), **v) for n, v in sorted(wanted.items())]

        def run() -> int:
            # one upsert: a new checkpoint goes in, a changed one is updated, an unchanged one is left
            # alone; RETURNING gives the rows that were written (race-safe across processes)
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                changed = 0
                for chunk in _chunks(records, CHUNK):
                    ins = self._insert(tbl)
                    cols = ("words_seen", "train_flops", "content_hash")
                    stmt = ins.on_conflict_do_update(
                        index_elements=["submission_id", "name"], set_={c: ins.excluded[c] for c in cols},
                        where=self._sa.or_(*[tbl.c[c].is_distinct_from(ins.excluded[c]) for c in cols]),
                    ).returning(tbl.c.name)
                    changed += len(conn.execute(stmt, chunk).all())
                if changed:
                    self._bump(conn)
                return changed

        return int(self._retry(run))

    def _require_submission(self, conn: Any, submission_id: str) -> None:
        tbl = self.t["submissions"]
        found = conn.execute(self._sa.select(tbl.c.submission_id).where(tbl.c.submission_id == submission_id)).first()
        if found is None:
            raise BabyLMError(f"unknown submission {submission_id!r} in the results store",
                              "call upsert_submission first")

    def add_scores(self, rows: Sequence[ScoreRow | dict]) -> int:
        """Insert score rows whose key is new; returns how many were inserted (re-adding is a no-op)."""
        from pydantic import ValidationError

        try:
            parsed = [r if isinstance(r, ScoreRow) else ScoreRow.model_validate(r) for r in rows]
        except ValidationError as exc:
            err = exc.errors()[0]
            raise BabyLMError(f"score row refused by the results store: {'.'.join(map(str, err['loc']))}: "
                              f"{err['msg']}", limits.HINT) from None
        if not parsed:
            return 0

        def run() -> int:
            with self._write() as conn:
                records = self._score_records(conn, parsed)
                new_keys = self._insert_new_scores(conn, records)
                if new_keys:
                    # only rows that went in update `latest` (a re-added key with another value is ignored
                    # in both)
                    self._advance_latest(conn, [r for r in records if tuple(r[k] for k in SCORE_KEY) in new_keys])
                    self._bump(conn)
                return len(new_keys)

        return int(self._retry(run))

    def _score_records(self, conn: Any, parsed: list[ScoreRow]) -> list[dict[str, Any]]:
        """The rows as `scores` records: with their ckey and their checkpoint's order key."""
        ck = self.t["checkpoints"]
        subs = sorted({r.submission_id for r in parsed})
        for s in subs:
            self._require_submission(conn, s)
        known = {
            (r.submission_id, r.name): r.words_seen
            for r in conn.execute(self._sa.select(ck.c.submission_id, ck.c.name, ck.c.words_seen)
                                  .where(ck.c.submission_id.in_(subs)))
        }
        records = []
        for r in parsed:
            rec = r.model_dump()
            rec["ckey"] = r.content_hash or r.checkpoint
            rec["order_key"] = checkpoint_order_key(r.checkpoint, known.get((r.submission_id, r.checkpoint)))
            records.append(rec)
        # one lock order for every writer (PostgreSQL: overlapping batches cannot deadlock)
        return sorted(records, key=lambda rec: tuple(str(rec[k]) for k in SCORE_KEY))

    def _insert_new_scores(self, conn: Any, records: list[dict[str, Any]]) -> set[tuple]:
        """INSERT … ON CONFLICT DO NOTHING; returns the keys of the rows that went in."""
        scores = self.t["scores"]
        new_keys: set[tuple] = set()
        for chunk in _chunks(records, CHUNK):
            stmt = self._insert(scores).on_conflict_do_nothing(index_elements=list(SCORE_KEY)).returning(
                *[scores.c[k] for k in SCORE_KEY])
            new_keys.update(tuple(r) for r in conn.execute(stmt, chunk).all())
        return new_keys

    def _advance_latest(self, conn: Any, records: list[dict[str, Any]]) -> None:
        """Upsert `latest` with each key's furthest checkpoint among `records` (one row per key, as
        PostgreSQL's upsert requires), never moving a key back to an earlier checkpoint."""
        latest = self.t["latest"]
        best: dict[tuple, dict] = {}
        for rec in records:
            lk = tuple(rec[k] for k in LATEST_KEY)
            if lk not in best or rec["order_key"] >= best[lk]["order_key"]:
                best[lk] = rec
        fresh = [{k: v for k, v in rec.items() if k != "ckey"} for _, rec in sorted(best.items(), key=_str_key)]
        for chunk in _chunks(fresh, CHUNK):
            ins = self._insert(latest)
            cols = {c: ins.excluded[c] for c in chunk[0] if c not in LATEST_KEY}
            stmt = ins.on_conflict_do_update(index_elements=list(LATEST_KEY), set_=cols,
                                             where=ins.excluded.order_key >= latest.c.order_key)
            conn.execute(stmt, chunk)

    def add_flag(self, *, submission_id: str, reason: str, by: str, checkpoint: str | None = None,
                 task: str | None = None) -> bool:
        """Flag a submission (or one checkpoint/task of it); returns False when the flag already existed.
        A new flag is logged in `audit` (actor `by`)."""
        limits.check_flag(reason=reason, by=by, checkpoint=checkpoint, task=task)
        flags = self.t["flags"]

        def run() -> bool:
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                stmt = self._insert(flags).on_conflict_do_nothing(
                    index_elements=["submission_id", "reason", "checkpoint", "task"]
                ).returning(flags.c.id)
                new = conn.execute(stmt, [dict(submission_id=submission_id, reason=reason, by=by,
                                               checkpoint=checkpoint or "", task=task or "",
                                               created=utcnow())]).all()
                if new:
                    self._audit(conn, by, "flag", submission_id, _flag_detail(reason, checkpoint, task))
                    self._bump(conn)
                return bool(new)

        return bool(self._retry(run))

    def remove_flags(self, submission_id: str, *, by: str, reason: str | None = None,
                     checkpoint: str | None = None, task: str | None = None) -> int:
        """Unflag: remove the submission's flags that match `reason`, `checkpoint` and `task` (None: any;
        "" for checkpoint/task: the whole-submission flag). Returns how many went; each is audited."""
        fl = self.t["flags"]

        def body(conn: Any) -> int:
            cond = fl.c.submission_id == submission_id
            for col, v in (("reason", reason), ("checkpoint", checkpoint), ("task", task)):
                if v is not None:
                    cond = cond & (fl.c[col] == v)
            gone = conn.execute(fl.delete().where(cond).returning(fl.c.reason, fl.c.checkpoint, fl.c.task)).all()
            for r in sorted(gone, key=lambda r: tuple(map(str, r))):
                self._audit(conn, by, "unflag", submission_id, _flag_detail(r.reason, r.checkpoint, r.task))
            if gone:
                self._bump(conn)
            return len(gone)

        return int(self._on_entry(submission_id, by, body))

    def add_note(self, submission_id: str, note: str, *, by: str) -> None:
        """Annotate an entry (organizers' notes: text, line breaks allowed, at most 2,000 characters)."""
        limits.check_text("note", note, multiline=True)
        notes = self.t["notes"]

        def body(conn: Any) -> None:
            conn.execute(notes.insert().values(submission_id=submission_id, note=note, by=by, created=utcnow()))
            self._audit(conn, by, "annotate", submission_id, note)
            self._bump(conn)

        self._on_entry(submission_id, by, body)

    def set_withdrawn(self, submission_id: str, withdrawn: bool, *, by: str, reason: str) -> bool:
        """Withdraw an entry (it stays in the store, every public read leaves it out) or restore it.
        Returns False when it already was in that state (nothing is logged then)."""
        if withdrawn or reason:  # a withdrawal needs its reason; a restore may give one
            limits.check_text("reason", reason, multiline=True)
        tbl = self.t["submissions"]

        def body(conn: Any) -> bool:
            changed = conn.execute(tbl.update().where((tbl.c.submission_id == submission_id)
                                                      & (tbl.c.withdrawn != bool(withdrawn)))
                                   .values(withdrawn=bool(withdrawn), updated=utcnow())).rowcount
            if changed:
                self._audit(conn, by, "withdraw" if withdrawn else "restore", submission_id, reason)
                self._bump(conn)
            return bool(changed)

        return bool(self._on_entry(submission_id, by, body))

    def _on_entry(self, submission_id: str, by: str, body: Any) -> Any:
        """An organizer's action: `by` checked, then `body(conn)` in a retried write transaction on an
        entry that must exist."""
        limits.check_text("by", by)

        def run() -> Any:
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                return body(conn)

        return self._retry(run)

    def _audit(self, conn: Any, actor: str, action: str, submission_id: str, detail: str) -> None:
        conn.execute(self.t["audit"].insert().values(created=utcnow(), actor=actor, action=action,
                                                     submission_id=submission_id, detail=detail))

    def set_validation_report(self, submission_id: str, report: dict) -> None:
        """Store the validator's report for a submission (replaces an earlier one)."""
        tbl = self.t["submissions"]

        def run() -> None:
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                conn.execute(tbl.update().where(tbl.c.submission_id == submission_id)
                             .values(validation_report=report, updated=utcnow()))
                self._bump(conn)

        self._retry(run)


def _flag_detail(reason: str, checkpoint: str | None, task: str | None) -> str:
    where = "/".join(x for x in (checkpoint, task) if x)
    return f"{reason} ({where})" if where else reason


def _chunks(seq: list[dict], n: int) -> Iterator[list[dict]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _str_key(item: tuple[tuple, Any]) -> tuple[str, ...]:
    return tuple(str(x) for x in item[0])


def _jsonable(v: Any) -> Any:
    """Compare JSON columns by value (the DB may hand back a dict with a different key order)."""
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, default=str)
    return v
