"""Fixtures: one valid bundle (built once per session from a real ledger and tiny checkpoints)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import submission_factory as factory  # noqa: E402


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(good bundle, gold data root); treat as read-only, copy with `fresh_bundle`."""
    factory.register_toy_task()
    base = tmp_path_factory.mktemp("built")
    return factory.make_bundle(base)


@pytest.fixture
def fresh_bundle(built: tuple[Path, Path], tmp_path: Path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(built[0], dst, symlinks=True)
    return dst


@pytest.fixture
def gold(built: tuple[Path, Path]) -> Path:
    return built[1]


@pytest.fixture(autouse=True, scope="module")
def _forget_toy_task():
    """The toy task is registered in-process by the tests that need it; unregister it after each module
    so that tests elsewhere see the built-in registry only."""
    yield
    from babylm.evaluation.api import TASKS

    TASKS.pop(factory.TOY, None)
