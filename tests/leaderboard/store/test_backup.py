"""docs/operations.md's backup and restore of a PostgreSQL store: pg_dump -Fc, then pg_restore into a
new database, gives a store with the same rows at the same revision."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pg_server import create_database, drop_database, find_binary

from babylm.leaderboard.seed import seed_demo
from babylm.leaderboard.store import Store


def test_pg_dump_and_pg_restore_round_trip(pg_url: str, pg_database: str, tmp_path: Path) -> None:
    pg_dump, pg_restore = find_binary("pg_dump"), find_binary("pg_restore")
    if not (pg_dump and pg_restore):
        pytest.skip("pg_dump/pg_restore not installed")
    s = Store(pg_database)
    seed_demo(s, 3, track="strict-small", seed=3)
    before, rev = s.counts(), s.revision()
    s.close()
    dump = tmp_path / "store.dump"
    subprocess.run([pg_dump, "-Fc", "-f", str(dump), "-d", pg_database], check=True, timeout=120)
    restored = create_database(pg_url, "babylm_restored")
    try:
        subprocess.run([pg_restore, "--no-owner", "-d", restored, str(dump)], check=True, timeout=120)
        r = Store(restored, create=False)
        assert r.counts() == before and r.revision() == rev
        r.close()
    finally:
        drop_database(pg_url, "babylm_restored")
