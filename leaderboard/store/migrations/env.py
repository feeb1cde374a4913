"""Alembic's entry point for the results store. The store passes its open connection (inside its own
write transaction, holding the migration lock) as `config.attributes["connection"]`; from the `alembic`
command line, `sqlalchemy.url` in the config names the database instead."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from babylm.leaderboard.store import schema

target_metadata = schema.tables(sa)[0]


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():  # a no-op inside the store's transaction: it commits
        context.run_migrations()


conn = context.config.attributes.get("connection")
if conn is not None:
    _run(conn)
else:  # pragma: no cover - developer use: `alembic -x ... upgrade head` with sqlalchemy.url set
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as c:
        _run(c)
