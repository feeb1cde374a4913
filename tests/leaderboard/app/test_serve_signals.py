"""SIGTERM / SIGHUP to `babylm leaderboard serve` stop its Streamlit child: no orphan keeps the port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from babylm.leaderboard.seed import seed_demo
from babylm.leaderboard.serve import free_port, port_in_use
from babylm.leaderboard.store import Store


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone, only not yet reaped


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [pytest.param(signal.SIGTERM, id="SIGTERM"),
                                 pytest.param(signal.SIGHUP, id="SIGHUP", marks=pytest.mark.slow)])
def test_a_signal_to_serve_stops_the_streamlit_child(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "store.sqlite"
    seed_demo(Store(db), 2, seed=1)
    port = free_port()
    cli = [sys.executable, "-c", "from babylm.cli import main; main()"]
    proc = subprocess.Popen([*cli, "leaderboard", "serve", "--store", str(db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    child = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _healthy(port):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.3)
        assert _healthy(port)
        kids = _children(proc.pid)
        assert len(kids) == 1
        child = kids[0]
        assert os.getpgid(child) == child != os.getpgid(proc.pid)  # its own process group
        proc.send_signal(sig)
        assert proc.wait(timeout=30) is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (_alive(child) or port_in_use("127.0.0.1", port)):
            time.sleep(0.2)
        assert not _alive(child), "the Streamlit child outlived `babylm leaderboard serve`"
        assert not port_in_use("127.0.0.1", port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if child is not None and _alive(child):
            os.kill(child, signal.SIGKILL)
