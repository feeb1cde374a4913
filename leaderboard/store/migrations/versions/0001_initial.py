"""Revision 0001: the schema as first released (store schema version 1).

Stores made before the migrations existed (they have `schema_version` = 1 and no `alembic_version`)
are stamped at this revision when opened, not re-created.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _score_columns() -> list[sa.Column]:
    return [
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
        sa.Column("created", TS, nullable=False),
        sa.Column("order_key", sa.BigInteger, nullable=False),
    ]


def upgrade() -> None:
    version = op.create_table(
        "schema_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated", TS, nullable=False),
    )
    state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "submissions",
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
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.Column("updated", TS, nullable=False),
    )
    op.create_index("ix_submissions_board", "submissions", ["edition", "track"])
    op.create_table(
        "checkpoints",
        sa.Column("submission_id", sa.String(200), sa.ForeignKey("submissions.submission_id"), primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("words_seen", sa.BigInteger, nullable=False),
        sa.Column("train_flops", sa.Float),
        sa.Column("content_hash", sa.String(100)),
        sa.Column("created", TS, nullable=False),
    )
    op.create_table(
        "scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ckey", sa.String(200), nullable=False),
        *_score_columns(),
        sa.UniqueConstraint("submission_id", "ckey", "task", "subtask", "metric", "task_version",
                            name="uq_scores_key"),
    )
    op.create_index("ix_scores_curve", "scores", ["submission_id", "subtask", "task"])
    op.create_table("latest", *_score_columns(),
                    sa.PrimaryKeyConstraint("submission_id", "task", "subtask", "metric"))
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("checkpoint", sa.String(100), nullable=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.UniqueConstraint("submission_id", "reason", "checkpoint", "task", name="uq_flags_key"),
    )
    op.bulk_insert(version, [{"id": 1, "version": 1, "updated": datetime.now(timezone.utc)}])
    op.bulk_insert(state, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    for name in ("flags", "latest", "scores", "checkpoints", "submissions", "store_state", "schema_version"):
        op.drop_table(name)
