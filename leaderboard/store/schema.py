"""The store's tables, their version and migrations, and the one row model written to `scores`.

The on-disk format is the SQL schema below, versioned by `SCHEMA_VERSION` (kept in the
`schema_version` table) and by the Alembic revisions in migrations/ that create it; keep the two in
step (tests compare them). `ScoreRow` is the model every score row is validated by before it is written.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

SCHEMA_VERSION = 2

# Order key for a score row whose checkpoint is unknown to the store and whose name is not chck_<N>M:
# results computed across all checkpoints (AoA) sort after every checkpoint.
ACROSS_CHECKPOINTS_KEY = 10**18

# The schema changes by Alembic revisions (migrations/versions/); a revision that changes the schema
# bumps this number and the `schema_version` row with it (migrate.LEGACY_REVISIONS maps the versions of
# stores made before the migrations existed).

# The key of a `latest` row, and of a `scores` row (ckey = checkpoint content hash, else its name).
LATEST_KEY = ("submission_id", "task", "subtask", "metric")
SCORE_KEY = ("submission_id", "ckey", "task", "subtask", "metric", "task_version")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# A score row's strings: printable (no control, format or line-separator characters), at most the column
# width (limits.py checks the other user strings the same way).
_TEXT = r"^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$"


def _text(max_length: int, default: Any = ...) -> Any:
    return Field(default, max_length=max_length, pattern=_TEXT)


@cache
def _score_widths() -> dict[str, int]:
    """ScoreRow's string fields and their widths (from the model)."""
    return {name: m.max_length for name, f in ScoreRow.model_fields.items() for m in f.metadata
            if getattr(m, "max_length", None) is not None}


def score_text_problem(field: str, value: Any) -> str | None:
    """Why `value` cannot be the ScoreRow string `field` (the same rule as _TEXT and the column's width,
    for callers that report instead of raising, e.g. the validator), or None."""
    import unicodedata

    if not isinstance(value, str):
        return "is not a string"
    width = _score_widths()[field]
    if len(value) > width:
        return f"is longer than {width} characters"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        return "holds control or format characters"
    return None


class ScoreRow(BaseModel):
    """One score: a task (subtask == "") or a sub-task of one checkpoint of one submission."""

    submission_id: str = _text(200)
    checkpoint: str = _text(100)
    content_hash: str | None = _text(100, None)
    task: str = _text(100)
    subtask: str = _text(200, "")
    metric: str = _text(50)
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    task_version: str = _text(50, "1")
    scorer: str = _text(100, "")  # backend + compat, e.g. "causal/babylm"
    harness_version: str = _text(50, "")
    created: datetime = Field(default_factory=utcnow)


def checkpoint_order_key(name: str, words_seen: int | None) -> int:
    """Where a checkpoint sits in a run: its words seen, else the milestone in its name."""
    if words_seen is not None:
        return int(words_seen)
    from babylm.tracks.rules import parse_checkpoint_name

    try:
        return parse_checkpoint_name(name)
    except ValueError:
        return ACROSS_CHECKPOINTS_KEY


def tables(sa: Any) -> tuple[Any, dict[str, Any]]:
    """The schema's MetaData and its tables by name (built per store: SQLAlchemy is imported lazily)."""
    md = sa.MetaData()
    t: dict[str, Any] = {
        "schema_version": sa.Table(
            "schema_version", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        ),
        "store_state": sa.Table(
            "store_state", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("revision", sa.BigInteger, nullable=False),
        ),
        "submissions": _submissions(sa, md),
        "checkpoints": sa.Table(
            "checkpoints", md,
            sa.Column("submission_id", sa.String(200), sa.ForeignKey("submissions.submission_id"),
                      primary_key=True),
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("words_seen", sa.BigInteger, nullable=False),
            sa.Column("train_flops", sa.Float),
            sa.Column("content_hash", sa.String(100)),
            sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        ),
        "scores": sa.Table(
            "scores", md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("ckey", sa.String(200), nullable=False),  # content hash, else checkpoint name
            *_score_columns(sa),
            sa.UniqueConstraint(*SCORE_KEY, name="uq_scores_key"),
            sa.Index("ix_scores_curve", "submission_id", "subtask", "task"),
        ),
        "latest": sa.Table("latest", md, *_score_columns(sa), sa.PrimaryKeyConstraint(*LATEST_KEY)),
        "flags": sa.Table(
            "flags", md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("submission_id", sa.String(200), nullable=False),
            sa.Column("reason", sa.String(500), nullable=False),
            sa.Column("by", sa.String(200), nullable=False),
            sa.Column("checkpoint", sa.String(100), nullable=False),  # "" = whole submission
            sa.Column("task", sa.String(100), nullable=False),  # "" = all tasks
            sa.Column("created", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("submission_id", "reason", "checkpoint", "task", name="uq_flags_key"),
        ),
        "notes": sa.Table(  # organizers' annotations of an entry
            "notes", md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("submission_id", sa.String(200), nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("by", sa.String(200), nullable=False),
            sa.Column("created", sa.DateTime(timezone=True), nullable=False),
            sa.Index("ix_notes_submission", "submission_id"),
        ),
        "audit": sa.Table(  # every organizer action (flag, unflag, annotate, withdraw, restore), append-only
            "audit", md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("created", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(200), nullable=False),
            sa.Column("action", sa.String(50), nullable=False),
            sa.Column("submission_id", sa.String(200), nullable=False),
            sa.Column("detail", sa.Text, nullable=False),
            sa.Index("ix_audit_submission", "submission_id"),
        ),
    }
    return md, t


def _submissions(sa: Any, md: Any) -> Any:
    return sa.Table(
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
        # withdrawn by the organizers: kept in the store, left out of every public read
        sa.Column("withdrawn", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_submissions_board", "edition", "track"),
    )


def _score_columns(sa: Any) -> list[Any]:
    """The columns `scores` and `latest` share (fresh objects per table)."""
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
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_key", sa.BigInteger, nullable=False),
    ]
