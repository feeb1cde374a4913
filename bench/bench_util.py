"""What several benches share: timing a whole command, the way a user waits for it."""

from __future__ import annotations

import subprocess
import sys
import time


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of `cmd` (start to exit); exits the bench with its stderr when it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return wall
