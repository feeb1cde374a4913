"""Which database errors are worth retrying, and the backoff between tries.

SQLite: another process holds the write lock ("database is locked" / "busy"). PostgreSQL: the server is
unreachable, restarting or shutting down, the connection dropped, or the transaction lost a
serialization/deadlock race; every write transaction of the store is idempotent, so it is safe to run
again. Errors that no retry can fix (bad password, no such database) are reported at once.
"""

from __future__ import annotations

import random
from typing import Any

# SQLSTATE classes/codes of PostgreSQL errors that a retry can outlive.
PG_TRANSIENT_PREFIXES = ("08", "57P")  # connection exceptions; admin/crash shutdown, cannot connect now
PG_TRANSIENT_CODES = {"40001", "40P01", "53300"}  # serialization failure, deadlock, too many connections
# ... and those that it cannot: invalid authorization, no such database. libpq reports a refused login
# without a SQLSTATE, so its message is matched too.
PG_FATAL_PREFIXES = ("28", "3D")
PG_FATAL_MESSAGES = ("does not exist", "authentication failed", "no password supplied",
                     "could not translate host name", "invalid connection option", "invalid dsn")


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of a (wrapped) driver error, if it has one."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


def is_transient(exc: BaseException, *, sqlite: bool) -> bool:
    """True when running the same transaction again may succeed."""
    if sqlite:
        msg = str(exc).lower()
        return "locked" in msg or "busy" in msg
    if getattr(exc, "connection_invalidated", False):
        return True
    state = sqlstate(exc)
    if state is None:  # no SQLSTATE: the connection itself failed (refused, reset, closed)
        return True
    return state.startswith(PG_TRANSIENT_PREFIXES) or state in PG_TRANSIENT_CODES


# The database's disk is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100) or an OS write error.
PG_DISK_FULL = "53100"
DISK_FULL_MESSAGES = ("database or disk is full", "no space left on device", "disk full")


def is_disk_full(exc: BaseException) -> bool:
    """True when a write failed because the database's disk has no space left (no retry fixes that soon)."""
    if sqlstate(exc) == PG_DISK_FULL:
        return True
    msg = str(getattr(exc, "orig", None) or exc).lower()
    return any(m in msg for m in DISK_FULL_MESSAGES)


def is_fatal_connect(exc: BaseException) -> bool:
    """A PostgreSQL error that says the URL itself is wrong (credentials, database name)."""
    state = sqlstate(exc)
    if state is not None:
        return state.startswith(PG_FATAL_PREFIXES)
    msg = short(exc).lower()
    return any(m in msg for m in PG_FATAL_MESSAGES)


def backoff_s(attempt: int, *, base_s: float, max_s: float) -> float:
    """Exponential backoff with jitter: about base_s * 2**attempt, at most max_s."""
    return min(max_s, base_s * 2**attempt) * (0.5 + random.random())


def short(exc: Any) -> str:
    """The driver's message, first line, without SQLAlchemy's statement dump."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__
