"""Opening a store: URLs, the engine (SQLite pragmas or a PostgreSQL pool), transactions with retry,
and creating or migrating the schema."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.leaderboard.store import schema


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


class StoreConnection:
    """The engine of a store at a SQLAlchemy URL, its tables, and read/write transactions."""

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
            raise BabyLMError(f"cannot open results store {display_url(self.url)!r}: {exc}",
                              "use sqlite:///path.db, a file path, or postgresql://user@host/db") from None
        if self.is_sqlite:
            self._sqlite_setup()
        self.metadata, self.t = schema.tables(sa)
        self._ensure_schema()

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
        def run() -> None:
            with self._write() as conn:
                if not self._sa.inspect(conn).has_table("schema_version"):
                    self._create_schema(conn)
                else:
                    self._migrate(conn)

        self._retry(run)

    def _create_schema(self, conn: Any) -> None:
        self.metadata.create_all(conn)
        conn.execute(self.t["schema_version"].insert().values(id=1, version=schema.SCHEMA_VERSION,
                                                               updated=schema.utcnow()))
        conn.execute(self.t["store_state"].insert().values(id=1, revision=0))

    def _migrate(self, conn: Any) -> None:
        """Bring an existing store up to SCHEMA_VERSION (refusing one newer than this babylm)."""
        sv = self.t["schema_version"]
        version = conn.execute(self._sa.select(sv.c.version)).scalar_one()
        if version > schema.SCHEMA_VERSION:
            raise BabyLMError(
                f"results store {display_url(self.url)} has schema version {version}, newer than this "
                f"babylm knows ({schema.SCHEMA_VERSION})", "upgrade babylm")
        while version < schema.SCHEMA_VERSION:
            step = schema.MIGRATIONS.get(version)
            if step is None:
                raise BabyLMError(f"no migration from store schema version {version}",
                                  "this store needs a newer/older babylm")
            step(conn)
            version += 1
            conn.execute(sv.update().values(version=version, updated=schema.utcnow()))
            self._bump(conn)

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

    def state_token(self) -> str:
        """Changes whenever any row changes: the cache key for everything read from the store."""
        st = self.t["store_state"]
        with self._read() as conn:
            rev = conn.execute(self._sa.select(st.c.revision).where(st.c.id == 1)).scalar_one()
        return f"{self.url}#{rev}"

    def close(self) -> None:
        self.engine.dispose()
