"""Benchmark: babylm word counting vs `wc -w` (C and UTF-8 locales) on a ~500 MB file built here.

Run by hand:  .venv/bin/python bench/words.py [--size-mb 500] [--repeat 3] [--workers 2]

The file repeats ../shared/data/babylm_train_sample (generated text when that is absent). Each tool
is timed on the same warm file (page cache), best of --repeat; ours is the whole `count_words` call
(resolve, count, sha256). The Python reference count `sum(len(l.split()) for l in open(f))` is
checked once unless --no-check. The machine may be shared: the load average is printed, and CPU seconds (user+sys, all threads,
children for wc) next to wall time, since CPU time is less disturbed by other load.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = Path(os.environ.get("BABYLM_SHARED_DATA", REPO.parent / "shared" / "data")) / "babylm_train_sample"


def seed_text() -> tuple[bytes, str]:
    files = sorted(SAMPLE.rglob("*.train")) if SAMPLE.is_dir() else []
    if files:
        return b"\n".join(f.read_bytes() for f in files) + b"\n", f"{len(files)} files of {SAMPLE}"
    rng = random.Random(0)
    vocab = ["the", "cat", "sat", "on", "mat", "—", "naïve", "café", "日本", "a\u00a0b", "said", "“quoted”"]
    lines = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 30))) for _ in range(20000)]
    return ("\n".join(lines) + "\n").encode("utf-8"), "generated text (train sample not found)"


def build(path: Path, size_mb: int) -> str:
    seed, origin = seed_text()
    target = size_mb << 20
    with open(path, "wb") as f:
        written = 0
        while written < target:
            piece = seed[: target - written]
            f.write(piece)
            written += len(piece)
    return origin


def utf8_locale() -> str | None:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    for name in ("C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8"):
        if name in out:
            return name
    return next((n for n in out if "utf" in n.lower()), None)


def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its finished children (wc)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_best(fn, repeat: int) -> tuple[float, float, int]:
    """Best wall seconds and best CPU seconds over `repeat` runs, and the result."""
    best, best_cpu, result = float("inf"), float("inf"), -1
    for _ in range(repeat):
        c0, t0 = cpu_seconds(), time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, cpu_seconds() - c0)
    return best, best_cpu, result


def wc(path: Path, locale: str) -> int:
    env = dict(os.environ, LC_ALL=locale)
    out = subprocess.run(["wc", "-w", str(path)], capture_output=True, text=True, env=env, check=True)
    return int(out.stdout.split()[0])


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=500, help="Size of the test file in MiB.")
    ap.add_argument("--repeat", type=int, default=3, help="Runs per tool; the best is reported.")
    ap.add_argument("--workers", type=int, default=2, help="Workers for babylm count_words.")
    ap.add_argument("--no-check", action="store_true", help="Skip the (slow) Python reference count.")
    args = ap.parse_args()

    from babylm.tracks.words import count_words

    tmp = Path(tempfile.mkdtemp(prefix="babylm_bench_words_"))
    try:
        path = tmp / "corpus.txt"
        origin = build(path, args.size_mb)
        size = path.stat().st_size
        mb = size / 1e6
        print(f"file: {size:,} bytes ({mb:.0f} MB) from {origin}; cpus {os.cpu_count()}; {load()}")
        with open(path, "rb") as f:  # warm the page cache so every tool reads from memory
            while f.read(64 << 20):
                pass
        seed = tmp / "warmup.txt"  # pay the one-time numpy import outside the timings
        seed.write_text("warm up")
        count_words([seed], workers=1)

        rows: list[tuple[str, float, float, int]] = []
        t, c, n = time_best(lambda: count_words([path], workers=args.workers).total_words, args.repeat)
        rows.append((f"babylm count_words (workers={args.workers}, with sha256)", t, c, n))
        if args.workers != 1:
            t1, c1, n1 = time_best(lambda: count_words([path], workers=1).total_words, args.repeat)
            rows.append(("babylm count_words (workers=1, with sha256)", t1, c1, n1))
        t_c, c_c, n_c = time_best(lambda: wc(path, "C"), args.repeat)
        rows.append(("LC_ALL=C wc -w", t_c, c_c, n_c))
        loc = utf8_locale()
        t_u = c_u = None
        if loc:
            t_u, c_u, n_u = time_best(lambda: wc(path, loc), args.repeat)
            rows.append((f"LC_ALL={loc} wc -w", t_u, c_u, n_u))
        print(f"{'tool':48s} {'wall MB/s':>10s} {'wall s':>7s} {'CPU MB/s':>9s} {'CPU s':>6s}  words")
        for name, secs, cpu, words in rows:
            print(f"{name:48s} {mb / secs:10.1f} {secs:7.2f} {mb / cpu:9.1f} {cpu:6.2f}  {words:,}")
        print(f"ratio ours (workers={args.workers}) vs LC_ALL=C wc -w:  wall {t_c / t:.2f}x   CPU {c_c / c:.2f}x")
        if t_u is not None and c_u is not None:
            print(f"ratio ours (workers={args.workers}) vs LC_ALL={loc} wc -w: wall {t_u / t:.2f}x   CPU {c_u / c:.2f}x")
        if not args.no_check:
            t0 = time.perf_counter()
            with open(path, encoding="utf-8") as f:
                ref = sum(len(line.split()) for line in f)
            print(f"python reference {ref:,} words in {time.perf_counter() - t0:.1f} s: "
                  f"ours {'EQUAL' if ref == n else 'DIFFERENT'}; "
                  f"C wc off by {n_c - ref:+,}" + (f", {loc} wc off by {n_u - ref:+,}" if t_u is not None else ""))
        print(load())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
