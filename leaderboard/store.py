"""The results store: submissions, checkpoints, scores, flags and provenance in one SQL database.

SQLite file by default (WAL, busy timeout, BEGIN IMMEDIATE for writes, retry on "database is locked"),
PostgreSQL by URL. Writes are idempotent: a score row is keyed by (submission, checkpoint content hash
or name, task, sub-task, metric, task version) and re-adding it is a no-op. Every write that changes a
row bumps a revision counter, which `state_token()` returns as the app's cache key.

Besides the append-only `scores` table the store keeps `latest`: for each (submission, task, sub-task,
metric) the row of the furthest checkpoint, maintained on write, so the ranking page reads a few rows
per submission instead of every checkpoint.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from babylm.errors import BabyLMError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SCHEMA_VERSION = 1

# Order key for a score row whose checkpoint is unknown to the store and whose name is not chck_<N>M:
# results computed across all checkpoints (AoA) sort after every checkpoint.
ACROSS_CHECKPOINTS_KEY = 10**18


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ScoreRow(BaseModel):
    """One score: a task (subtask == "") or a sub-task of one checkpoint of one submission."""

    submission_id: str
    checkpoint: str
    content_hash: str | None = None
    task: str
    subtask: str = ""
    metric: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    task_version: str = "1"
    scorer: str = ""  # backend + compat, e.g. "causal/babylm"
    harness_version: str = ""
    created: datetime = Field(default_factory=_utcnow)


def normalize_url(url: str | Path) -> str:
    """'sqlite:///x.db' and 'postgresql://…' pass through; a bare path becomes a SQLite URL."""
    s = str(url)
    if "://" in s:
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


def display_url(url: str) -> str:
    """The URL without its password, for printing."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: print as given
        return url


def _tables(sa: Any) -> tuple[Any, dict[str, Any]]:
    md = sa.MetaData()
    t: dict[str, Any] = {}
    t["schema_version"] = sa.Table(
        "schema_version", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    t["store_state"] = sa.Table(
        "store_state", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    t["submissions"] = sa.Table(
        "submissions", md,
        sa.Column("submission_id", sa.String(200), primary_key=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("edition", sa.Integer, nullable=False),
        sa.Column("track", sa.String(100), nullable=False),
        sa.Column("backend", sa.String(50), nullable=False),
        sa.Column("n_params", sa.BigInteger),
        sa.Column("train_flops", sa.Float),
        sa.Column("words_seen", sa.BigInteger),
        sa.Column("teacher", sa.String(200)),
        sa.Column("meta", sa.JSON),
        sa.Column("validation_report", sa.JSON),
        sa.Column("synthetic", sa.Boolean, nullable=False, default=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_submissions_board", "edition", "track"),
    )
    t["checkpoints"] = sa.Table(
        "checkpoints", md,
        sa.Column("submission_id", sa.String(200), sa.ForeignKey("submissions.submission_id"),
                  primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("words_seen", sa.BigInteger, nullable=False),
        sa.Column("train_flops", sa.Float),
        sa.Column("content_hash", sa.String(100)),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    score_cols = lambda: [  # noqa: E731 - same columns in `scores` and `latest`
        sa.Column("submission_id", sa.String(200), nullable=False),
        sa.Column("checkpoint", sa.String(100), nullable=False),
        sa.Column("content_hash", sa.String(100)),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("subtask", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(50), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("ci_low", sa.Float),
        sa.Column("ci_high", sa.Float),
        sa.Column("task_version", sa.String(50), nullable=False),
        sa.Column("scorer", sa.String(100), nullable=False),
        sa.Column("harness_version", sa.String(50), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_key", sa.BigInteger, nullable=False),
    ]
    t["scores"] = sa.Table(
        "scores", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ckey", sa.String(200), nullable=False),  # content hash, else checkpoint name
        *score_cols(),
        sa.UniqueConstraint("submission_id", "ckey", "task", "subtask", "metric", "task_version",
                            name="uq_scores_key"),
        sa.Index("ix_scores_curve", "submission_id", "subtask", "task"),
    )
    t["latest"] = sa.Table(
        "latest", md,
        *score_cols(),
        sa.PrimaryKeyConstraint("submission_id", "task", "subtask", "metric"),
    )
    t["flags"] = sa.Table(
        "flags", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("checkpoint", sa.String(100), nullable=False),  # "" = whole submission
        sa.Column("task", sa.String(100), nullable=False),  # "" = all tasks
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("submission_id", "reason", "checkpoint", "task", name="uq_flags_key"),
    )
    return md, t


# Migrations: version N -> N+1, each a function of a connection inside one transaction.
# Version 1 is the first released schema; add entries here (and a test) when the schema changes.
MIGRATIONS: dict[int, Callable[[Any], None]] = {}


def checkpoint_order_key(name: str, words_seen: int | None) -> int:
    """Where a checkpoint sits in a run: its words seen, else the milestone in its name."""
    if words_seen is not None:
        return int(words_seen)
    from babylm.tracks.rules import parse_checkpoint_name

    try:
        return parse_checkpoint_name(name)
    except ValueError:
        return ACROSS_CHECKPOINTS_KEY


class Store:
    """A results store at a SQLAlchemy URL (or a bare SQLite path). Safe to share between processes."""

    def __init__(self, url: str | Path, *, create: bool = True) -> None:
        import sqlalchemy as sa

        self.url = normalize_url(url)
        self._sa = sa
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            db = self.url.split("///", 1)[-1]
            if db and db != ":memory:" and not create and not Path(db).exists():
                raise BabyLMError(f"no results store at {db}", "pass an existing store with --store, "
                                  "or fill one with `babylm leaderboard --seed-demo`")
            if db and db != ":memory:":
                Path(db).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(self.url, **self._engine_args())
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
            raise BabyLMError(f"cannot open results store {display_url(self.url)!r}: {exc}",
                              "use sqlite:///path.db, a file path, or postgresql://user@host/db") from None
        if self.is_sqlite:
            self._sqlite_setup()
        self.metadata, self.t = _tables(sa)
        self._ensure_schema()

    # ------------------------------------------------------------------ engine and schema
    def _engine_args(self) -> dict[str, Any]:
        if self.is_sqlite:
            return {"connect_args": {"timeout": 60, "check_same_thread": False}}
        return {"pool_pre_ping": True}

    def _sqlite_setup(self) -> None:
        from sqlalchemy import event

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (IMMEDIATE for writers)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Any) -> None:
            write = conn.get_execution_options().get("babylm_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.engine.connect().execution_options(babylm_write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _retry(self, fn: Callable[[], Any], attempts: int = 30) -> Any:
        """Run a write transaction, retrying when another process holds the database."""
        sa = self._sa
        for i in range(attempts):
            try:
                return fn()
            except sa.exc.OperationalError as exc:
                msg = str(exc).lower()
                if ("locked" not in msg and "busy" not in msg) or i == attempts - 1:
                    raise
                time.sleep(min(2.0, 0.05 * 2**i) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _ensure_schema(self) -> None:
        sa = self._sa
        t = self.t

        def run() -> None:
            with self._write() as conn:
                have = sa.inspect(conn).has_table("schema_version")
                if not have:
                    self.metadata.create_all(conn)
                    conn.execute(t["schema_version"].insert().values(id=1, version=SCHEMA_VERSION,
                                                                      updated=_utcnow()))
                    conn.execute(t["store_state"].insert().values(id=1, revision=0))
                    return
                version = conn.execute(sa.select(t["schema_version"].c.version)).scalar_one()
                if version > SCHEMA_VERSION:
                    raise BabyLMError(
                        f"results store {display_url(self.url)} has schema version {version}, newer than this "
                        f"babylm knows ({SCHEMA_VERSION})", "upgrade babylm")
                while version < SCHEMA_VERSION:
                    step = MIGRATIONS.get(version)
                    if step is None:
                        raise BabyLMError(f"no migration from store schema version {version}",
                                          "this store needs a newer/older babylm")
                    step(conn)
                    version += 1
                    conn.execute(t["schema_version"].update().values(version=version, updated=_utcnow()))
                    self._bump(conn)

        self._retry(run)

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute(self._sa.select(self.t["schema_version"].c.version)).scalar_one())

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has ON CONFLICT clauses (SQLite and PostgreSQL)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def _bump(self, conn: Any) -> None:
        st = self.t["store_state"]
        conn.execute(st.update().where(st.c.id == 1).values(revision=st.c.revision + 1))

    # ------------------------------------------------------------------ writes (the contract)
    def upsert_submission(
        self, *, submission_id: str, team: str, model: str, edition: int, track: str, backend: str,
        n_params: int | None = None, train_flops: float | None = None, words_seen: int | None = None,
        teacher: str | None = None, meta: dict | None = None, synthetic: bool = False,
    ) -> None:
        """Create or update a submission's fact row (idempotent: same values, no change)."""
        sa = self._sa
        tbl = self.t["submissions"]
        values = dict(team=team, model=model, edition=int(edition), track=track, backend=backend,
                      n_params=n_params, train_flops=train_flops, words_seen=words_seen, teacher=teacher,
                      meta=meta or {}, synthetic=bool(synthetic))

        def run() -> None:
            with self._write() as conn:
                row = conn.execute(sa.select(tbl).where(tbl.c.submission_id == submission_id)).mappings().first()
                now = _utcnow()
                if row is None:
                    conn.execute(tbl.insert().values(submission_id=submission_id, created=now, updated=now,
                                                     **values))
                elif any(_jsonable(row[k]) != _jsonable(v) for k, v in values.items()):
                    conn.execute(tbl.update().where(tbl.c.submission_id == submission_id)
                                 .values(updated=now, **values))
                else:
                    return
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
        sa = self._sa
        tbl = self.t["checkpoints"]
        wanted = {c["name"]: dict(words_seen=int(c["words_seen"]), train_flops=c.get("train_flops"),
                                  content_hash=c.get("content_hash")) for c in checkpoints}

        def run() -> int:
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                have = {r["name"]: r for r in conn.execute(
                    sa.select(tbl).where(tbl.c.submission_id == submission_id)).mappings()}
                new = [dict(submission_id=submission_id, name=n, created=_utcnow(), **v)
                       for n, v in wanted.items() if n not in have]
                changed = [(n, v) for n, v in wanted.items()
                           if n in have and any(have[n][k] != x for k, x in v.items())]
                if new:
                    conn.execute(tbl.insert(), new)
                for n, v in changed:
                    conn.execute(tbl.update().where((tbl.c.submission_id == submission_id) & (tbl.c.name == n))
                                 .values(**v))
                if new or changed:
                    self._bump(conn)
                return len(new) + len(changed)

        return int(self._retry(run))

    def _require_submission(self, conn: Any, submission_id: str) -> None:
        tbl = self.t["submissions"]
        found = conn.execute(self._sa.select(tbl.c.submission_id).where(tbl.c.submission_id == submission_id)).first()
        if found is None:
            raise BabyLMError(f"unknown submission {submission_id!r} in the results store",
                              "call upsert_submission first")

    def add_scores(self, rows: Sequence[ScoreRow | dict]) -> int:
        """Insert score rows whose key is new; returns how many were inserted (re-adding is a no-op)."""
        sa = self._sa
        parsed = [r if isinstance(r, ScoreRow) else ScoreRow.model_validate(r) for r in rows]
        if not parsed:
            return 0
        scores, latest, ck = self.t["scores"], self.t["latest"], self.t["checkpoints"]

        def run() -> int:
            with self._write() as conn:
                subs = sorted({r.submission_id for r in parsed})
                for s in subs:
                    self._require_submission(conn, s)
                known = {
                    (r.submission_id, r.name): r.words_seen
                    for r in conn.execute(sa.select(ck.c.submission_id, ck.c.name, ck.c.words_seen)
                                          .where(ck.c.submission_id.in_(subs)))
                }
                records = []
                for r in parsed:
                    rec = r.model_dump()
                    rec["ckey"] = r.content_hash or r.checkpoint
                    rec["order_key"] = checkpoint_order_key(r.checkpoint, known.get((r.submission_id, r.checkpoint)))
                    records.append(rec)
                key_cols = ["submission_id", "ckey", "task", "subtask", "metric", "task_version"]
                new_keys: set[tuple] = set()
                for chunk in _chunks(records, 500):
                    stmt = self._insert(scores).on_conflict_do_nothing(index_elements=key_cols).returning(
                        *[scores.c[k] for k in key_cols])
                    new_keys.update(tuple(r) for r in conn.execute(stmt, chunk).all())
                inserted = len(new_keys)
                if inserted:
                    # only rows that went in update `latest` (a re-added key with another value is ignored in
                    # both); one row per latest key, the furthest checkpoint, as PostgreSQL's upsert requires
                    best: dict[tuple, dict] = {}
                    for rec in records:
                        if tuple(rec[k] for k in key_cols) not in new_keys:
                            continue
                        lk = (rec["submission_id"], rec["task"], rec["subtask"], rec["metric"])
                        if lk not in best or rec["order_key"] >= best[lk]["order_key"]:
                            best[lk] = rec
                    fresh = [{k: v for k, v in rec.items() if k != "ckey"} for rec in best.values()]
                    for chunk in _chunks(fresh, 500):
                        ins = self._insert(latest)
                        cols = {c: ins.excluded[c] for c in chunk[0] if c not in
                                ("submission_id", "task", "subtask", "metric")}
                        stmt = ins.on_conflict_do_update(
                            index_elements=["submission_id", "task", "subtask", "metric"], set_=cols,
                            where=ins.excluded.order_key >= latest.c.order_key,
                        )
                        conn.execute(stmt, chunk)
                    self._bump(conn)
                return inserted

        return int(self._retry(run))

    def add_flag(self, *, submission_id: str, reason: str, by: str, checkpoint: str | None = None,
                 task: str | None = None) -> bool:
        """Flag a submission (or one checkpoint/task of it); returns False when the flag already existed."""
        flags = self.t["flags"]

        def run() -> bool:
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                stmt = self._insert(flags).on_conflict_do_nothing(
                    index_elements=["submission_id", "reason", "checkpoint", "task"]
                ).returning(flags.c.id)
                new = conn.execute(stmt, [dict(submission_id=submission_id, reason=reason, by=by,
                                               checkpoint=checkpoint or "", task=task or "",
                                               created=_utcnow())]).all()
                if new:
                    self._bump(conn)
                return bool(new)

        return bool(self._retry(run))

    def set_validation_report(self, submission_id: str, report: dict) -> None:
        """Store the validator's report for a submission (replaces an earlier one)."""
        tbl = self.t["submissions"]

        def run() -> None:
            with self._write() as conn:
                self._require_submission(conn, submission_id)
                conn.execute(tbl.update().where(tbl.c.submission_id == submission_id)
                             .values(validation_report=report, updated=_utcnow()))
                self._bump(conn)

        self._retry(run)

    def state_token(self) -> str:
        """Changes whenever any row changes: the cache key for everything read from the store."""
        st = self.t["store_state"]
        with self._read() as conn:
            rev = conn.execute(self._sa.select(st.c.revision).where(st.c.id == 1)).scalar_one()
        return f"{self.url}#{rev}"

    # ------------------------------------------------------------------ reads
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
                          with_meta: bool = True) -> pd.DataFrame:
        """One row per submission (facts, meta as dict, synthetic); optional edition/track filter."""
        tbl = self.t["submissions"]
        skip = {"validation_report"} | (set() if with_meta else {"meta"})
        stmt = self._sa.select(*[c for c in tbl.c if c.name not in skip])
        if edition is not None:
            stmt = stmt.where(tbl.c.edition == int(edition))
        if track is not None:
            stmt = stmt.where(tbl.c.track == track)
        return self._frame(stmt.order_by(tbl.c.submission_id))

    def boards(self) -> list[tuple[int, str]]:
        """The (edition, track) pairs that have submissions: newest edition first, then busiest board."""
        sa = self._sa
        tbl = self.t["submissions"]
        with self._read() as conn:
            rows = conn.execute(sa.select(tbl.c.edition, tbl.c.track, sa.func.count())
                                .group_by(tbl.c.edition, tbl.c.track)).all()
        return [(int(e), str(t)) for e, t, _ in sorted(rows, key=lambda x: (-x[0], -x[2], x[1]))]

    def latest_frame(self, submission_ids: Sequence[str] | None = None, *, edition: int | None = None,
                     track: str | None = None) -> pd.DataFrame:
        """The furthest checkpoint's score per (submission, task, sub-task, metric)."""
        lt, sub = self.t["latest"], self.t["submissions"]
        stmt = self._sa.select(lt.c.submission_id, lt.c.checkpoint, lt.c.task, lt.c.subtask, lt.c.metric,
                               lt.c.value, lt.c.ci_low, lt.c.ci_high, lt.c.task_version, lt.c.order_key)
        if edition is not None or track is not None:
            stmt = stmt.join(sub, sub.c.submission_id == lt.c.submission_id)
            if edition is not None:
                stmt = stmt.where(sub.c.edition == int(edition))
            if track is not None:
                stmt = stmt.where(sub.c.track == track)
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
        """One submission's row including meta and validation report, or None."""
        tbl = self.t["submissions"]
        with self._read() as conn:
            row = conn.execute(self._sa.select(tbl).where(tbl.c.submission_id == submission_id)).mappings().first()
        return dict(row) if row is not None else None

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests, the CLI and the bench)."""
        sa = self._sa
        out = {}
        with self._read() as conn:
            for name in ("submissions", "checkpoints", "scores", "latest", "flags"):
                out[name] = int(conn.execute(sa.select(sa.func.count()).select_from(self.t[name])).scalar_one())
        return out

    def close(self) -> None:
        self.engine.dispose()


def _chunks(seq: list[dict], n: int) -> Iterator[list[dict]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _jsonable(v: Any) -> Any:
    """Compare JSON columns by value (the DB may hand back a dict with a different key order)."""
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, default=str)
    return v
