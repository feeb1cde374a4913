"""The results store: submissions, checkpoints, scores, flags and provenance in one SQL database.

SQLite file by default (WAL, busy timeout, BEGIN IMMEDIATE for writes, retry on "database is locked"),
PostgreSQL by URL (psycopg 3; pre-pinged pool, writes retried with backoff across a server restart).
Writes are idempotent and race-safe (INSERT ... ON CONFLICT): a score row is keyed by (submission,
checkpoint content hash or name, task, sub-task, metric, task version) and re-adding it is a no-op. Every write that changes a
row bumps a revision counter, which `state_token()` returns as the app's cache key.

Besides the append-only `scores` table the store keeps `latest`: for each (submission, task, sub-task,
metric) the row of the furthest checkpoint, maintained on write, so the ranking page reads a few rows
per submission instead of every checkpoint.

Every user string is checked on write (`limits`: the bundle's name rules and length limits). The
organizers' actions (flag, unflag, annotate, withdraw, restore) are logged in `audit`; a withdrawn entry
stays in the store and is left out of every public read.

Modules: `schema` (tables, version, ScoreRow), `migrations/` (Alembic revisions, applied on open by
`migrate`), `connection` (URLs, engine, transactions with retry and backoff), `retry`, `limits`,
`writes`, `reads`.
"""

from __future__ import annotations

from babylm.leaderboard.store.connection import display_url, normalize_url
from babylm.leaderboard.store.reads import StoreReads
from babylm.leaderboard.store.schema import (
    ACROSS_CHECKPOINTS_KEY,
    SCHEMA_VERSION,
    ScoreRow,
    checkpoint_order_key,
)
from babylm.leaderboard.store.writes import StoreWrites

__all__ = [
    "ACROSS_CHECKPOINTS_KEY", "SCHEMA_VERSION", "ScoreRow", "Store", "checkpoint_order_key",
    "display_url", "normalize_url",
]


class Store(StoreWrites, StoreReads):
    """A results store at a SQLAlchemy URL (or a bare SQLite path). Safe to share between processes."""
