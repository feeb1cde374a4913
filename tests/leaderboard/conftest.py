"""Fixtures for the leaderboard tests: a small seeded store shared read-only by a session, and
`store_url` (an empty store on SQLite, then on a real PostgreSQL server: tests/support/pg_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pg_server import pg_database, pg_server, pg_url, store_url  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store

    path = tmp_path_factory.mktemp("lbstore") / "seeded.sqlite"
    s = Store(path)
    seed_demo(s, 14, edition=2025, track="strict-small", seed=1)
    seed_demo(s, 3, edition=2025, track="interaction", seed=2)
    s.close()
    return f"sqlite:///{path}"


@pytest.fixture()
def fresh_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
