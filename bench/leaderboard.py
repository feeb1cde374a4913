"""Leaderboard speed with 1,000 submissions x 28 checkpoints x 10 tasks (2025/strict, synthetic).

Times the server side only, with streamlit.testing.v1.AppTest against the real app script (what a visitor
sees in a browser, from navigation to the table: bench/leaderboard_browser.py):
  - first render of the main (Ranking) page, cold: empty caches (the store revision just changed);
  - a filter change (backend filter, then the "show flagged" toggle) on the warm page;
and, as the peer measured in the same run, the naive way to get each entry's final scores (pull every
score row into pandas and pick the last checkpoint) against the store's `latest` path the page uses.

Run by hand:  .venv/bin/python bench/leaderboard.py [--store PATH] [--n 1000] [--rebuild]
Goals: first render < 2 s, filter change < 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "leaderboard" / "app.py"
EDITION, TRACK = 2025, "strict"


def build(path: Path, n: int, rebuild: bool) -> None:
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store

    if path.exists() and not rebuild:
        c = Store(path).counts()
        if c["submissions"] == n:
            print(f"reusing {path}: {c}")
            return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    s = Store(path)
    t0 = time.perf_counter()
    step = max(n // 20, 1)

    def tick(k: int) -> None:
        if k % step == 0 or k == n:
            print(f"  seeded {k}/{n} ({time.perf_counter() - t0:.0f} s)", flush=True)

    seed_demo(s, n, edition=EDITION, track=TRACK, every_task_every_checkpoint=True, subtasks_final_only=True,
              progress=tick)
    print(f"built {path} in {time.perf_counter() - t0:.1f} s: {s.counts()}")


def time_app(url: str, repeats: int) -> dict[str, list[float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from babylm.leaderboard.app_data import STORE_ENV

    os.environ[STORE_ENV] = url
    out: dict[str, list[float]] = {k: [] for k in ("first_render", "filter_backend", "filter_flagged", "rerun",
                                                   "first_render_cpu", "filter_backend_cpu")}
    for _ in range(repeats):
        st.cache_data.clear()  # as after a store change: the board is scored again
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params["all_rows"] = "true"  # every row in the grid (the page shows the first 100 by default)
        t, c = time.perf_counter(), time.process_time()
        at.run()
        out["first_render"].append(time.perf_counter() - t)
        out["first_render_cpu"].append(time.process_time() - c)
        assert not at.exception, at.exception
        rows = len(at.dataframe[0].value)
        ms = at.multiselect(key="f_backend")
        t, c = time.perf_counter(), time.process_time()
        ms.set_value([ms.options[0]]).run()
        out["filter_backend"].append(time.perf_counter() - t)
        out["filter_backend_cpu"].append(time.process_time() - c)
        assert not at.exception and 0 < len(at.dataframe[0].value) < rows
        t = time.perf_counter()
        at.toggle(key="f_flagged").set_value(True).run()
        out["filter_flagged"].append(time.perf_counter() - t)
        t = time.perf_counter()
        at.run()
        out["rerun"].append(time.perf_counter() - t)
    return out


def time_peer(url: str) -> tuple[float, float]:
    """(naive all-rows seconds, latest-view seconds) to get each submission's final task scores."""
    from babylm.leaderboard.store import Store

    s = Store(url)
    ids = list(s.submissions_frame(EDITION, TRACK)["submission_id"])
    t = time.perf_counter()
    allrows = s.scores_frame(ids)
    last = allrows.loc[allrows.groupby(["submission_id", "task", "subtask", "metric"])["order_key"].idxmax()]
    naive = time.perf_counter() - t
    t = time.perf_counter()
    lat = s.latest_frame(edition=EDITION, track=TRACK)
    fast = time.perf_counter() - t
    assert len(last) == len(lat), (len(last), len(lat))
    return naive, fast


def cold_process_render(url: str) -> float:
    """First render in a brand-new Python process (imports included), as right after `babylm leaderboard serve`."""
    code = (
        "import os, time; t = time.perf_counter();"
        "from streamlit.testing.v1 import AppTest;"
        f"os.environ['BABYLM_LEADERBOARD_STORE'] = {url!r};"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=120).run();"
        "assert not at.exception; print(time.perf_counter() - t)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise SystemExit(r.stderr)
    return float(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=Path("/tmp/babylm_leaderboard_bench.sqlite"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    print("load before:", os.getloadavg())
    build(args.store, args.n, args.rebuild)
    url = f"sqlite:///{args.store.resolve()}"
    naive, fast = time_peer(url)
    times = time_app(url, args.repeats)
    cold = cold_process_render(url)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{args.n} submissions x 28 checkpoints x 10 tasks ({EDITION}/{TRACK}); load {os.getloadavg()}")
    print(f"final scores, naive all rows -> pandas: {naive:.3f} s; `latest` view: {fast:.3f} s; "
          f"ratio naive/latest = {naive / fast:.1f}x")
    print(f"first render, cold caches (median of {args.repeats}): {med['first_render']:.3f} s  (goal < 2 s: "
          f"{'OK' if med['first_render'] < 2 else 'MISSED'})  all: {[round(x, 3) for x in times['first_render']]}")
    print(f"  CPU time of those renders (this process, all threads; less sensitive to load): "
          f"first render {med['first_render_cpu']:.3f} s, backend filter {med['filter_backend_cpu']:.3f} s")
    print(f"first render, new process incl. imports: {cold:.3f} s  (goal < 2 s: {'OK' if cold < 2 else 'MISSED'})")
    for k in ("filter_backend", "filter_flagged"):
        print(f"filter change {k[7:]:<8} (median): {med[k]:.3f} s  (goal < 0.5 s: "
              f"{'OK' if med[k] < 0.5 else 'MISSED'})  all: {[round(x, 3) for x in times[k]]}")
    print(f"plain rerun (median): {med['rerun']:.3f} s")


if __name__ == "__main__":
    main()
