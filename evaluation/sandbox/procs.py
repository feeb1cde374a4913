"""The process-count limit: RLIMIT_NPROC where it binds, a pids cgroup where it does not (root).

The kernel does not apply RLIMIT_NPROC to root, so when the harness runs as root every sandbox gets a
pids cgroup of its own (pids.max = the limit); without a writable pids controller the sandbox refuses
to start rather than run without a process limit.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


def _pids_base() -> Path | None:
    """The folder of this process's pids cgroup (v1 `pids` hierarchy or v2 unified), if writable."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        rel = path.lstrip("/")
        if "pids" in controllers.split(","):
            base = CGROUP_ROOT / "pids" / rel
        elif controllers == "" and (CGROUP_ROOT / "cgroup.controllers").is_file():
            base = CGROUP_ROOT / rel
            try:
                if "pids" not in (base / "cgroup.subtree_control").read_text().split():
                    continue
            except OSError:
                continue
        else:
            continue
        if base.is_dir() and os.access(base, os.W_OK):
            return base
    return None


def process_limit_problem() -> str | None:
    """Why the process limit cannot be enforced here (None when it can)."""
    if os.geteuid() != 0:
        return None
    if _pids_base() is None:
        return ("the harness runs as root, whom RLIMIT_NPROC does not bind, and no writable pids cgroup "
                f"was found under {CGROUP_ROOT} to limit the sandbox's processes (run as a normal user, "
                "or give the container a writable pids controller)")
    return None


def user_tasks(uid: int) -> int:
    """Threads + processes of `uid` now (RLIMIT_NPROC counts them all)."""
    n = 0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if d.stat().st_uid == uid:
                    n += sum(1 for _ in (d / "task").iterdir())
    return n


class PidsCgroup:
    """A pids cgroup of its own for one sandbox (root only); `join()` runs in the child before exec."""

    def __init__(self, limit: int) -> None:
        base = _pids_base()
        if base is None:
            raise OSError("no writable pids cgroup")
        self.path = base / f"babylm-sandbox-{os.getpid()}-{next(_counter)}"
        self.path.mkdir()
        (self.path / "pids.max").write_text(str(limit))
        self._procs = str(self.path / "cgroup.procs")

    def join(self) -> None:
        fd = os.open(self._procs, os.O_WRONLY)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)

    def remove(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                if (self.path / "cgroup.kill").exists():
                    (self.path / "cgroup.kill").write_text("1")
                for pid in (self.path / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
