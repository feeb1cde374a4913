"""Opening a store: URLs, the engine (SQLite pragmas or a PostgreSQL pool), transactions with retry,
and bringing the schema to the head migration."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from babylm.errors import BabyLMError
from babylm.leaderboard.store import migrate, retry, schema

T = TypeVar("T")
log = logging.getLogger("babylm.store")

URL_HINT = "use sqlite:///path.db, a file path, or postgresql://user@host:port/db"
RESUME_HINT = "run the command again (it resumes)"
ENV_TRIES = "BABYLM_STORE_RETRIES"  # tries of a PostgreSQL transaction (default pg_tries)


def normalize_url(url: str | Path) -> str:
    """A bare path becomes a SQLite URL; 'postgresql://' (or 'postgres://') gets the psycopg 3 driver;
    any other URL passes through."""
    s = str(url)
    if "://" not in s:
        return f"sqlite:///{Path(s).expanduser().resolve()}"
    scheme, rest = s.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return s


def display_url(url: str) -> str:
    """The URL without its password, for printing."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: print as given
        return url


class StoreConnection:
    """The engine of a store at a SQLAlchemy URL, its tables, and read/write transactions.

    Write transactions are retried with exponential backoff: on SQLite while another process holds the
    lock, on PostgreSQL while the server is unreachable or restarting (connections are pre-pinged, so
    a pool that outlived a restart reconnects). After the last try the error is a BabyLMError, and so is
    a full disk (nothing of the failed transaction is written; the run resumes once there is space).
    BABYLM_STORE_RETRIES=N sets the PostgreSQL tries (the backoff caps at retry_max_s a try)."""

    sqlite_tries = 30
    pg_tries = 10
    retry_base_s = 0.1
    retry_max_s = 4.0
    connect_timeout_s = 10

    def __init__(self, url: str | Path, *, create: bool = True) -> None:
        import sqlalchemy as sa

        self.url = normalize_url(url)
        self._sa = sa
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self._check_sqlite_file(create)
        try:
            self.engine = sa.create_engine(self.url, **self._engine_args())
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
            raise BabyLMError(f"cannot open results store {display_url(self.url)!r}: {exc}", URL_HINT) from None
        if self.is_sqlite:
            self._sqlite_setup()
        self.metadata, self.t = schema.tables(sa)
        self._ensure_schema(create)

    def _check_sqlite_file(self, create: bool) -> None:
        db = self.url.split("///", 1)[-1]
        if not db or db == ":memory:":
            return
        if not create and not Path(db).exists():
            raise BabyLMError(f"no results store at {db}", "pass an existing store with --store, "
                              "or fill one with `babylm leaderboard seed-demo`")
        Path(db).parent.mkdir(parents=True, exist_ok=True)

    def _engine_args(self) -> dict[str, Any]:
        if self.is_sqlite:
            return {"connect_args": {"timeout": 60, "check_same_thread": False}}
        connect_args = {"connect_timeout": self.connect_timeout_s} if "psycopg" in self.url else {}
        return {"pool_pre_ping": True, "connect_args": connect_args}

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
        """One write transaction (run it inside `_retry`: the whole transaction is what is retried)."""
        with self.engine.connect().execution_options(babylm_write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Any]:
        """One read transaction; getting the connection is retried like a write, and a connection lost
        mid-read is a BabyLMError (a read is not retried: its caller may have used part of it)."""
        conn = self._retry(self.engine.connect)
        try:
            with conn, conn.begin():
                yield conn
        except self._sa.exc.DBAPIError as exc:
            if self._disk_full(exc):
                raise self._disk_full_error(exc) from None
            if self.is_sqlite or not retry.is_transient(exc, sqlite=False):
                raise
            raise BabyLMError(f"lost the results store {display_url(self.url)} while reading: {retry.short(exc)}",
                              f"check that the database server is up, then {RESUME_HINT}") from None

    def _disk_full(self, exc: BaseException) -> bool:
        """A full disk; SQLite reports one as "disk I/O error" when it cannot grow its WAL files."""
        if retry.is_disk_full(exc):
            return True
        if not (self.is_sqlite and "disk i/o error" in str(exc).lower()):
            return False
        db = self.url.split("///", 1)[-1]
        try:
            st = os.statvfs(Path(db).parent)
        except OSError:
            return False
        return st.f_bavail * st.f_frsize < 1 << 20

    def _disk_full_error(self, exc: BaseException) -> BabyLMError:
        return BabyLMError(f"results store {display_url(self.url)}: the database's disk is full "
                           f"({retry.short(exc)}); the failed transaction wrote nothing",
                           f"free space on the database's disk, then {RESUME_HINT}")

    def _tries(self) -> int:
        if self.is_sqlite:
            return self.sqlite_tries
        env = os.environ.get(ENV_TRIES, "")
        return max(1, int(env)) if env.isdigit() else self.pg_tries

    def _retry(self, fn: Callable[[], T]) -> T:
        """Run `fn` (a whole, idempotent transaction), retrying transient errors with backoff."""
        sa = self._sa
        tries = self._tries()
        for i in range(tries):
            try:
                return fn()
            except sa.exc.DBAPIError as exc:
                if self._disk_full(exc):
                    raise self._disk_full_error(exc) from None
                if not self.is_sqlite and retry.is_fatal_connect(exc):
                    raise BabyLMError(f"cannot connect to results store {display_url(self.url)}: "
                                      f"{retry.short(exc)}", URL_HINT) from None
                if not retry.is_transient(exc, sqlite=self.is_sqlite):
                    raise
                if i == tries - 1:
                    what = "stayed locked" if self.is_sqlite else "could not be reached"
                    raise BabyLMError(f"results store {display_url(self.url)} {what} after {tries} tries: "
                                      f"{retry.short(exc)}", "check that the database server is up and the "
                                      f"URL is right, then {RESUME_HINT}") from exc
                wait = retry.backoff_s(i, base_s=self.retry_base_s, max_s=self.retry_max_s)
                from babylm.output import strip_control

                (log.debug if self.is_sqlite else log.warning)(
                    "results store %s: %s; retrying (%d/%d) in %.1f s", display_url(self.url),
                    strip_control(retry.short(exc)), i + 1, tries - 1, wait)  # may quote a stored value
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _ensure_schema(self, create: bool) -> None:
        """Upgrade the database to the head revision, once even when several processes open it at once
        (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock)."""

        def run() -> None:
            with self._write() as conn:
                if not self.is_sqlite:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({migrate.PG_LOCK_KEY})")
                if migrate.upgrade(conn, display_url(self.url), create=create):
                    self._bump(conn)

        self._retry(run)

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute(self._sa.select(self.t["schema_version"].c.version)).scalar_one())

    def revision(self) -> str | None:
        """The Alembic revision the database is at (the head after opening)."""
        with self._read() as conn:
            return migrate.current(conn)

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

    def state_token(self) -> str:
        """Changes whenever any row changes: the cache key for everything read from the store."""
        st = self.t["store_state"]
        with self._read() as conn:
            rev = conn.execute(self._sa.select(st.c.revision).where(st.c.id == 1)).scalar_one()
        return f"{self.url}#{rev}"

    def close(self) -> None:
        self.engine.dispose()
