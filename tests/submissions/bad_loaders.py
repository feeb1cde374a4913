"""Hostile stand-ins for the loader child's `_load_one` (`load_checkpoints(loader=...)`): what a checkpoint
that loads for ever or needs more memory than the limit does to the child. Imported by the child only."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def hog_memory(path: str, backend: str) -> dict[str, Any]:
    """Allocate far more than any test's address-space limit (a config that names a huge model)."""
    block = bytearray(64 * 1024**3)
    return {"ok": True, "n_params": len(block)}


def sleep_forever(path: str, backend: str) -> dict[str, Any]:
    time.sleep(3600)
    return {"ok": True}


def die(path: str, backend: str) -> dict[str, Any]:
    """What the kernel does to a child whose allocation fails outside Python's reach."""
    os.kill(os.getpid(), signal.SIGKILL)
    return {"ok": True}
