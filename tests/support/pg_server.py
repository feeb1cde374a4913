"""A real PostgreSQL server for the test session, and the store fixtures that run a test on SQLite and
on PostgreSQL.

The server: initdb into a temp folder (as the `postgres` user when we are root), listening on a free
loopback port with its unix socket in that folder, trust auth, one database `babylm_test`; stopped at
the end of the session. BABYLM_TEST_PG_URL=postgresql://... uses that server instead (its user needs
CREATEDB: every test gets a fresh database). Without the binaries the fixtures skip with the reason,
except when BABYLM_REQUIRE_PG=1 (CI): then a missing server fails the test.

Use from a conftest.py:  `from pg_server import pg_server, pg_url, store_url  # noqa: F401`
(tests/support is on sys.path); `store_url` is parametrized [sqlite, postgresql].
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DB_NAME = "babylm_test"
ENV_URL = "BABYLM_TEST_PG_URL"
ENV_REQUIRE = "BABYLM_REQUIRE_PG"


def find_binary(name: str) -> str | None:
    """A PostgreSQL server binary: /usr/local/bin, PATH, then Debian's /usr/lib/postgresql/*/bin."""
    for cand in (f"/usr/local/bin/{name}", shutil.which(name),
                 *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One throwaway PostgreSQL cluster on 127.0.0.1 (start, restart, stop)."""

    def __init__(self, root: Path | None = None) -> None:
        """`root`: the server's folder (created; e.g. on a small tmpfs), default a new temp folder."""
        self.initdb, self.pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        if root is not None:
            root.mkdir(parents=True)
        self.root = root or Path(tempfile.mkdtemp(prefix="babylm-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
            os.chmod(self.root, 0o700)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, *args: str, timeout: float = 120) -> str:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({res.returncode}): {res.stderr or res.stdout}\n{tail}")
        return res.stdout

    def start(self) -> PgServer:
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        self._ctl("start")
        self.create_database(DB_NAME)
        return self

    def _ctl(self, action: str, *extra: str) -> None:
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60",
                  action, *extra)

    def stop_server(self) -> None:
        """Stop the server, keeping its data (start_server brings it back on the same port)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_server(self) -> None:
        self._ctl("start")

    def restart(self, mode: str = "fast") -> None:
        """pg_ctl restart: every open connection is cut; the server is back when this returns."""
        self._ctl("restart", "-m", mode)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> None:
        """createdb (as docs/operations.md shows it) when installed, else CREATE DATABASE."""
        createdb = find_binary("createdb")
        if createdb:
            self._run(createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        else:
            create_database(self.url, name)


def _admin_url(url: str, db: str = "postgres") -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql", database=db).render_as_string(hide_password=False)


def create_database(url: str, name: str) -> str:
    """CREATE DATABASE `name` on the server of `url`; returns the URL of the new database."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _admin_url(url, name)


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _unavailable(reason: str) -> None:
    if os.environ.get(ENV_REQUIRE) == "1":
        pytest.fail(f"PostgreSQL is required here ({ENV_REQUIRE}=1) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL server: {reason} (install PostgreSQL 15 or set {ENV_URL})")


_SERVER: PgServer | None = None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """The session's own PostgreSQL server (None when BABYLM_TEST_PG_URL names another one)."""
    global _SERVER
    if os.environ.get(ENV_URL):
        yield None
        return
    if _SERVER is None:
        try:
            _SERVER = PgServer().start()
        except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired, KeyError) as exc:
            _unavailable(str(exc))
    try:
        yield _SERVER
    finally:
        if _SERVER is not None:
            _SERVER.stop()
            _SERVER = None


@pytest.fixture(scope="session")
def pg_url(pg_server: PgServer | None) -> str:
    """postgresql://postgres@127.0.0.1:PORT/babylm_test (or BABYLM_TEST_PG_URL)."""
    return os.environ.get(ENV_URL) or pg_server.url  # type: ignore[union-attr]


@pytest.fixture()
def pg_database(pg_url: str) -> Iterator[str]:
    """A fresh, empty database on the session's server for one test (dropped after it)."""
    name = f"babylm_t_{uuid.uuid4().hex[:12]}"
    try:
        url = create_database(pg_url, name)
    except Exception as exc:  # e.g. an external server whose user lacks CREATEDB
        _unavailable(f"cannot create a scratch database on {pg_url}: {exc}")
    yield url
    drop_database(pg_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty results store URL: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return str(request.getfixturevalue("pg_database"))
