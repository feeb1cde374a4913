"""Schema migrations on open: bring a store's database to the head Alembic revision.

A store made before the migrations existed (a `schema_version` table, no `alembic_version`) is stamped
at the revision of its schema version and then upgraded; a store at a revision this babylm does not
know (made by a newer babylm) is refused. The caller runs this inside its write transaction, holding
the migration lock, so concurrent openers of a fresh database create the schema exactly once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Store schema versions of the pre-Alembic stores -> the revision holding that schema.
LEGACY_REVISIONS = {1: "0001"}

# pg_advisory_xact_lock key held while a PostgreSQL store is created or migrated ("bblm").
PG_LOCK_KEY = 0x62626C6D


def _config(conn: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["connection"] = conn
    return cfg


@lru_cache(maxsize=4)
def _script(location: str) -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(location)


def script() -> Any:
    """The revisions this babylm knows (cached per migrations folder)."""
    return _script(str(MIGRATIONS_DIR))


def head() -> str:
    """The newest revision: the one every store is upgraded to on open."""
    return str(script().get_current_head())


def current(conn: Any) -> str | None:
    """The revision a database is at (None: no Alembic stamp)."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Any, where: str, *, create: bool = True) -> bool:
    """Upgrade the database on `conn` to head (creating the schema in an empty one unless `create` is
    False). Returns True when anything changed."""
    import sqlalchemy as sa
    from alembic import command

    rev = current(conn)
    if rev is None:
        if sa.inspect(conn).has_table("schema_version"):
            rev = _stamp_legacy(conn, where)
        elif not create:
            raise BabyLMError(f"no results store at {where}", "pass an existing store with --store, "
                              "or fill one with `babylm leaderboard seed-demo`")
    known = {s.revision for s in script().walk_revisions()}
    if rev is not None and rev not in known:
        raise BabyLMError(f"results store {where} is at schema revision {rev}, newer than this babylm knows "
                          f"(head {head()})", "upgrade babylm")
    if rev == head():
        return False
    command.upgrade(_config(conn), "head")
    return True


def _stamp_legacy(conn: Any, where: str) -> str:
    import sqlalchemy as sa
    from alembic import command

    version = conn.execute(sa.text("SELECT version FROM schema_version")).scalar_one()
    rev = LEGACY_REVISIONS.get(int(version))
    if rev is None:
        raise BabyLMError(f"results store {where} has schema version {version}, which this babylm does not "
                          "know", "open it with the babylm that made it, or upgrade babylm")
    command.stamp(_config(conn), rev)
    return rev
