"""Helpers of the operations tests: `babylm submission score` as a child process, a second store of the
same kind, store dumps on SQLite and PostgreSQL, waiting for the first committed rows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from submission_factory import dump_store

HERE = Path(__file__).parent
SUPPORT = HERE.parent / "support"
BABYLM = [sys.executable, "-c", "from babylm.cli import main; main()"]
TOY = "submission_factory:register_toy_task"
SLOW = "submission_factory:slow_down"


def env(**extra: str) -> dict[str, str]:
    """The environment of a scorer child: the test helpers importable (plugins), `extra` set."""
    path = os.pathsep.join([str(HERE), str(SUPPORT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, **extra}


def score_cmd(bundles: list[Path] | Path, url: str, gold: Path, *extra: str, plugin: str = TOY) -> list[str]:
    bundles = bundles if isinstance(bundles, list) else [bundles]
    return [*BABYLM, "submission", "score", *map(str, bundles), "--store", url, "--eval-data", str(gold),
            "--allow-scaled", "--sample", "3", "--no-load", "--plugin", plugin, "--json", *extra]


def run_score(bundles: list[Path] | Path, url: str, gold: Path, *extra: str, timeout: float = 300,
              **env_extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(score_cmd(bundles, url, gold, *extra), env=env(**env_extra), capture_output=True,
                          text=True, timeout=timeout)


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table as sorted rows without ids and timestamps (any store URL babylm takes)."""
    from babylm.leaderboard.store import normalize_url

    return dump_store(normalize_url(url))


def same_kind_store(url: str, tmp_path: Path, name: str) -> tuple[str, Callable[[], None]]:
    """A second, empty store next to `url` (a SQLite file, or a new database on the same PostgreSQL
    server) and its clean-up."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'{name}.sqlite'}", lambda: None
    from pg_server import create_database, drop_database

    db = f"babylm_{name}_{uuid.uuid4().hex[:8]}"
    return create_database(url, db), lambda: drop_database(url, db)


def score_rows(url: str) -> int:
    """Committed score rows (0 while the store does not exist yet or cannot be read)."""
    from babylm.leaderboard.store import Store

    try:
        st = Store(url)
    except Exception:
        return 0
    try:
        return int(st.counts()["scores"])
    except Exception:
        return 0
    finally:
        st.close()


def wait_for_rows(url: str, proc: subprocess.Popen, timeout_s: float = 240) -> int:
    """Poll until the scorer `proc` has committed some score rows; their number (0: it ended first)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline and proc.poll() is None:
        n = score_rows(url)
        if n > 0:
            return n
        time.sleep(0.2)
    return 0
