"""Leaderboard speed in a real browser: navigation to the ranking table, 1,000 entries (2025/strict, synthetic).

Measured in headless Chromium (Debian's, driven by the playwright package with executable_path; never a
browser download) as the page's own clock sees it: `performance.now()` (0 = navigation start) when the
ranking grid's canvas first appears, recorded by a MutationObserver the page gets before any script runs.

  fresh:     the first visit to a server started just before (`babylm leaderboard serve`'s way: the
             landing board is scored before the server listens), in a new browser context;
  warm:      later visits to that server, each in a new browser context (a new visitor: empty HTTP cache);
  returning: later visits in one browser context (the same visitor again: Streamlit's scripts cached).

As the peer measured in the same run, the same three on a bare Streamlit page holding a 10-row
st.dataframe (`floor`): what any Streamlit table costs in this browser on this machine at this load.

Run by hand:  .venv/bin/python bench/leaderboard_browser.py [--store PATH] [--n 1000] [--repeats 5] [--fresh 3]
Goals: fresh < 2 s, warm < 1 s (on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
EDITION, TRACK = 2025, "strict"
TABLE = '[data-testid="stDataFrame"] canvas'
# runs before the app's scripts: note when the table's canvas first shows up (ms since navigation start)
OBSERVE = (
    "window.__tableAt = null;"
    "new MutationObserver((_, obs) => {"
    f"  if (document.querySelector('{TABLE}')) {{ window.__tableAt = performance.now(); obs.disconnect(); }}"
    "}).observe(document, {childList: true, subtree: true});"
)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        sys.exit("chromium is not on PATH (apt-get install chromium)")
    return path


def visit(browser: object, url: str, path: str, ctx: object | None = None, timeout_s: float = 60) -> float:
    """Seconds from navigation start to the first table, in `ctx` (default: a new context, a new visitor)."""
    own = ctx is None
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}) if own else ctx
    page = ctx.new_page()
    try:
        page.add_init_script(OBSERVE)
        page.goto(url + path, timeout=timeout_s * 1000)
        page.wait_for_function("window.__tableAt !== null", timeout=timeout_s * 1000, polling=50)
        return float(page.evaluate("window.__tableAt")) / 1000
    finally:
        page.close()
        if own:
            ctx.close()


FLOOR_APP = "import pandas as pd, streamlit as st\nst.title('floor')\nst.dataframe(pd.DataFrame({'a': range(10)}))\n"


def _visits(browser: object, url: str, path: str, repeats: int, out: dict[str, list[float]], first: bool) -> None:
    out["fresh"].append(visit(browser, url, path))
    if not first:
        return
    out["warm"] += [visit(browser, url, path) for _ in range(repeats)]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        for _ in range(repeats + 1):
            out["returning"].append(visit(browser, url, path, ctx))
        out["returning"].pop(0)  # the first visit of this context fills its cache
    finally:
        ctx.close()


def measure(url: str, repeats: int, fresh_runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    import tempfile

    from playwright.sync_api import sync_playwright

    from babylm.leaderboard.serve import start_app

    app_t: dict[str, list[float]] = {"fresh": [], "warm": [], "returning": []}
    floor_t: dict[str, list[float]] = {"fresh": [], "warm": [], "returning": []}
    floor_dir = Path(tempfile.mkdtemp(prefix="babylm-floor-"))
    (floor_dir / "floor.py").write_text(FLOOR_APP)
    log = Path(tempfile.gettempdir()) / f"babylm-leaderboard-browser-bench-{os.getpid()}.log"
    path = f"/?page=ranking&edition={EDITION}&track={TRACK}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            for k in range(fresh_runs):  # alternate: load changes alike for the app and its peer
                app = start_app(url, log_path=log)
                try:
                    _visits(browser, app.url, path, repeats, app_t, k == fresh_runs - 1)
                finally:
                    app.stop()
                floor = start_floor(floor_dir / "floor.py")
                try:
                    _visits(browser, floor.url, "/", repeats, floor_t, k == fresh_runs - 1)
                finally:
                    floor.stop()
        finally:
            browser.close()
    return app_t, floor_t


def start_floor(script: Path) -> object:
    """A plain `streamlit run` of `script` with the app's server options."""
    import subprocess

    from babylm.leaderboard.serve import RunningApp, free_port, wait_healthy

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                             "--client.toolbarMode", "viewer"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    app = RunningApp(proc=proc, url=f"http://127.0.0.1:{port}")
    wait_healthy(app, 90)
    return app


def main() -> None:
    from leaderboard import build  # bench/leaderboard.py: the same 1,000-entry store

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=Path("/tmp/babylm_leaderboard_bench.sqlite"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5, help="warm visits")
    ap.add_argument("--fresh", type=int, default=3, help="fresh servers (one visit each)")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    load0 = os.getloadavg()
    build(args.store, args.n, args.rebuild)
    url = f"sqlite:///{args.store.resolve()}"
    t = time.perf_counter()
    app_t, floor_t = measure(url, args.repeats, args.fresh)
    print(f"\n{args.n} submissions ({EDITION}/{TRACK}), headless Chromium, navigation start -> ranking table "
          f"drawn; load {load0[0]:.2f} before, {os.getloadavg()[0]:.2f} after ({time.perf_counter() - t:.0f} s)")
    goals = {"fresh": 2.0, "warm": 1.0, "returning": 1.0}
    for k, goal in goals.items():
        a, f = statistics.median(app_t[k]), statistics.median(floor_t[k])
        print(f"{k:<9} (median of {len(app_t[k])}): app {a:.2f} s  (goal < {goal:g} s: {'OK' if a < goal else 'MISSED'}); "
              f"bare Streamlit table {f:.2f} s; app - floor = {a - f:+.2f} s   app all: {[round(x, 2) for x in app_t[k]]}")


if __name__ == "__main__":
    main()
