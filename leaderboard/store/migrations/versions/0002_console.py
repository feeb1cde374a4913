"""Revision 0002: the organizer console (store schema version 2).

Adds `submissions.withdrawn` (a withdrawn entry stays in the store and leaves every public read), the
organizers' `notes` on entries, and the append-only `audit` log of their actions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite takes it with a default): a batch copy of `submissions` would have to drop
    # a table that `checkpoints` references, which SQLite's foreign keys refuse once it has rows
    op.add_column("submissions", sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("created", TS, nullable=False),
    )
    op.create_index("ix_notes_submission", "notes", ["submission_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("submission_id", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_submission", "audit", ["submission_id"])
    op.execute("UPDATE schema_version SET version = 2")


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("notes")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("withdrawn")
    op.execute("UPDATE schema_version SET version = 1")
