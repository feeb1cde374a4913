"""Start the Streamlit app as a subprocess, wait until it answers, stop it cleanly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from babylm.errors import BabyLMError

APP_PATH = Path(__file__).with_name("app.py")


@dataclass
class RunningApp:
    proc: subprocess.Popen
    url: str
    log_path: Path | None = None

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)

    def serve_until_interrupted(self, stopping_message: str) -> None:
        """Wait for the app to exit; on Ctrl-C print `stopping_message`. The app is stopped either way."""
        from babylm.output import console

        try:
            self.proc.wait()
        except KeyboardInterrupt:
            console.print(stopping_message)
        finally:
            self.stop()


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
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--global.developmentMode", "false", "--", "--store", store_url]
    env = dict(os.environ, BABYLM_LEADERBOARD_STORE=store_url)
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the app
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    app = RunningApp(proc=proc, url=f"http://{host}:{port}", log_path=log_path)
    try:
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
