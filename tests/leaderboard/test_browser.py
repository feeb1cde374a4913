"""Real browser: start the app on 127.0.0.1, load each page in headless Chromium (driven over the DevTools
protocol, in real time), check that the table and charts were drawn, and screenshot each page.
Screenshots go to $BABYLM_LEADERBOARD_SHOTS (else the test's tmp dir)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from babylm.leaderboard.seed import seed_demo
from babylm.leaderboard.serve import start_app
from babylm.leaderboard.store import Store

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# What each page must show: counts of drawn elements (JS selectors) and a text.
PROBE = """(() => ({
  tables: document.querySelectorAll('[data-testid="stDataFrame"] canvas, [data-testid="stTable"] table').length,
  charts: document.querySelectorAll('.vega-embed canvas, .vega-embed svg.marks').length,
  metrics: document.querySelectorAll('[data-testid="stMetric"]').length,
  exceptions: document.querySelectorAll('[data-testid="stException"]').length,
  text: document.body ? document.body.innerText : ''
}))()"""

PAGES: dict[str, dict[str, Any]] = {
    "ranking": {"tables": 1, "charts": 0, "text": "Ranking · 2025 / strict-small"},
    "curves": {"tables": 0, "charts": 1, "text": "Learning curves"},
    "flops": {"tables": 1, "charts": 1, "text": "Pareto frontier"},
    "submission": {"tables": 3, "charts": 1, "metrics": 6, "text": "Validation report"},
}
HEIGHT = {"ranking": 1100, "curves": 1500, "flops": 1300, "submission": 2900}  # screenshot viewport


class Cdp:
    """A minimal DevTools-protocol client over a websocket (the `websockets` package's sync client)."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.conn = connect(ws_url, max_size=256 * 1024 * 1024, open_timeout=30)
        self.n = 0

    def call(self, method: str, **params: Any) -> dict:
        self.n += 1
        me = self.n
        self.conn.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(self.conn.recv(timeout=60))
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def close(self) -> None:
        self.conn.close()


def _ok(found: dict, want: dict) -> bool:
    return (found["exceptions"] == 0 and want["text"] in found["text"]
            and all(found[k] >= v for k, v in want.items() if k != "text"))


def _visit(cdp: Cdp, url: str, want: dict, png: Path, height: int = 1100, timeout_s: float = 90) -> dict:
    """Load `url`, poll in real time until `want` is drawn (or timeout), then screenshot."""
    cdp.call("Emulation.setDeviceMetricsOverride", width=1400, height=height, deviceScaleFactor=1, mobile=False)
    cdp.call("Page.navigate", url=url)
    deadline = time.monotonic() + timeout_s
    found: dict = {}
    while time.monotonic() < deadline:
        found = cdp.call("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"].get("value") or {}
        if found and _ok(found, want):
            break
        time.sleep(0.5)
    time.sleep(1.5)  # let the charts finish their transitions before the picture
    png.write_bytes(base64.b64decode(cdp.call("Page.captureScreenshot", format="png")["data"]))
    return found


def _start_chromium(profile: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--remote-allow-origins=*", "--window-size=1400,1100", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = Path(profile) / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode}")
        time.sleep(0.2)
    port = port_file.read_text().split()[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
        targets = json.load(r)
    page = next(t for t in targets if t["type"] == "page")
    return proc, page["webSocketDebuggerUrl"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH (apt-get install chromium)")
def test_every_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    seed_demo(Store(url), 16, seed=4)
    shots = Path(os.environ.get("BABYLM_LEADERBOARD_SHOTS", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    app = start_app(url, log_path=tmp_path / "app.log")
    profile = tempfile.mkdtemp(prefix="chromium-lb-")
    browser = None
    try:
        browser, ws_url = _start_chromium(profile)
        cdp = Cdp(ws_url)
        for page, want in PAGES.items():
            png = shots / f"{page}.png"
            found = _visit(cdp, f"{app.url}/?page={page}", want, png, HEIGHT[page])
            summary = {k: v for k, v in found.items() if k != "text"}
            assert found and _ok(found, want), f"{page}: not rendered: {summary}, want {want}"
            assert png.stat().st_size > 20_000, f"{page}: screenshot looks blank"
        cdp.close()
    finally:
        if browser is not None:
            browser.terminate()
            browser.wait(timeout=20)
        app.stop()
        shutil.rmtree(profile, ignore_errors=True)
    assert app.proc.poll() is not None
