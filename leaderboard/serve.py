"""Start the Streamlit app as a subprocess, wait until it answers, stop it cleanly.

The child runs in its own process group (session), and while `serve_until_interrupted` waits, SIGTERM and
SIGHUP stop that whole group, so killing `babylm leaderboard serve` never leaves Streamlit serving as an
orphan on the port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babylm.errors import BabyLMError

APP_PATH = Path(__file__).with_name("app.py")


@dataclass
class RunningApp:
    proc: subprocess.Popen
    url: str
    log_path: Path | None = None

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)  # the child leads its own group: this reaches its children too

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the app's process group, SIGKILL after `timeout` s."""
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)  # anything the app left behind in its group

    def serve_until_interrupted(self, stopping_message: str) -> None:
        """Wait for the app to exit; on Ctrl-C, SIGTERM or SIGHUP print `stopping_message`. The app is
        stopped either way."""
        from babylm.output import console

        try:
            with stop_signals_interrupt():
                self.proc.wait()
        except KeyboardInterrupt:
            console.print(stopping_message)
        finally:
            self.stop()


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise KeyboardInterrupt (as Ctrl-C does), so the caller's cleanup
    runs; outside the main thread signals cannot be handled and this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def start_app(store_url: str, *, host: str = "127.0.0.1", port: int | None = None, log_path: Path | None = None,
              wait_s: float = 90.0) -> RunningApp:
    """Run `streamlit run leaderboard/app.py` on host:port for `store_url`; return once /_stcore/health is ok."""
    port = free_port(host) if port is None else port
    if port_in_use(host, port):
        raise BabyLMError(f"port {port} on {host} is already in use", "pick another with --port")
    # app_launch = `streamlit run` that scores the landing board while the server starts (a fast first visit)
    cmd = [sys.executable, "-m", "babylm.leaderboard.app_launch", str(APP_PATH), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--global.developmentMode", "false",
           "--client.toolbarMode", "viewer",  # no Deploy button or developer menu for visitors
           "--", "--store", store_url]
    env = dict(os.environ, BABYLM_LEADERBOARD_STORE=store_url)
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the app
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    app = RunningApp(proc=proc, url=f"http://{host}:{port}", log_path=log_path)
    try:
        with stop_signals_interrupt():
            wait_healthy(app, wait_s)
    except BaseException:
        app.stop()
        raise
    return app


def wait_healthy(app: RunningApp, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            hint = f"see {app.log_path}" if app.log_path else "run `streamlit run leaderboard/app.py` to see why"
            raise BabyLMError(f"the leaderboard app exited with code {app.proc.returncode}", hint)
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    raise BabyLMError(f"the leaderboard app did not answer at {app.url} within {wait_s:.0f} s")
