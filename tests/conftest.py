"""Shared fixtures: where ../shared/data is, and skipping with a reason when it is absent."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))  # shared test helpers
SHARED_DATA = Path(os.environ.get("BABYLM_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Streamlit's AppTest leaves its script as sys.modules["__main__"]; a later multiprocessing child
    (spawn) would then run the leaderboard app while it starts. Put the real one back after each test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set BABYLM_SHARED_DATA to its folder)")
    return SHARED_DATA


class CliResult:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli(capsys):
    """Run `babylm ARGS...` in-process through the real entry point (user errors -> exit 2, no traceback)."""
    from babylm.cli import main

    def run(*args: str) -> CliResult:
        import sys

        argv = sys.argv
        sys.argv = ["babylm", *map(str, args)]
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = argv
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run



@pytest.fixture(scope="session")
def tiny_causal_lm(tmp_path_factory) -> Path:
    """Session-wide tiny GPT-2 folder (random weights, safetensors + local tokenizer), loadable offline."""
    from babylm.testing.tinymodels import tiny_checkpoint

    return tiny_checkpoint(tmp_path_factory.mktemp("tiny_gpt2"), "gpt2", width=32)
