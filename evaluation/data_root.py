"""Where the evaluation data is: --eval-data, else $BABYLM_EVAL_DATA, else the usual folders."""

from __future__ import annotations

import os
from pathlib import Path

from babylm.errors import BabyLMError

ENV = "BABYLM_EVAL_DATA"


def default_data_root(data_root: str | Path | None = None) -> Path | None:
    """--eval-data, else $BABYLM_EVAL_DATA, else ./evaluation_data, else ../shared/data/babylm_eval_2025
    (beside the working folder or the checkout); None when none exists."""
    if data_root is not None:
        root = Path(data_root).expanduser()
        if not root.is_dir():
            raise BabyLMError(f"evaluation data folder not found: {root}",
                              hint="pass the folder holding fast_eval/ and full_eval/ with --eval-data")
        return root
    env = os.environ.get(ENV)
    candidates = [Path(env)] if env else []
    candidates += [Path.cwd() / "evaluation_data", Path.cwd().parent / "shared" / "data" / "babylm_eval_2025",
                   Path(__file__).resolve().parents[2] / "shared" / "data" / "babylm_eval_2025"]
    return next((c for c in candidates if c.is_dir()), None)


def require_data_root(data_root: str | Path | None = None) -> Path:
    """Like `default_data_root`, but finding none is a user error."""
    root = default_data_root(data_root)
    if root is None:
        raise BabyLMError("no evaluation data found",
                          hint="pass --eval-data PATH (the official evaluation_data/ folder)")
    return root
