"""Sandbox overhead: `babylm eval run` on BLiMP fast, the same tiny GPT-2 weights scored in-process and in
the bubblewrap sandbox, whole processes timed.

    .venv/bin/python bench/sandbox_overhead.py [--repeats 2] [--work DIR] [--threads N]

Builds (untimed) a tiny GPT-2 (2 layers x 64, byte-level BPE trained on the BLiMP fast sentences) twice:
as a stock checkpoint, and as a copy whose config.json has an auto_map naming a one-line subclass of
GPT2LMHeadModel in the folder (custom model code), which `--trust-remote-code` scores in the sandbox.
Both runs use `--engine transformers` (the same prefix-tree scorer, so the scores are identical) and a
fresh score cache. Prints the wall time of each, the overhead and the largest score difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BABYLM_SHARED_DATA", REPO.parent / "shared" / "data"))
EVAL_ROOT = DATA / "babylm_eval_2025"
WRAP = "from transformers import GPT2LMHeadModel\n\n\nclass CustomGPT2(GPT2LMHeadModel):\n    pass\n"


def build(work: Path) -> tuple[Path, Path]:
    from babylm.testing.tinymodels import tiny_checkpoint

    texts = []
    for f in sorted((EVAL_ROOT / "fast_eval" / "blimp_fast").glob("*.jsonl")):
        for line in f.read_text().splitlines():
            d = json.loads(line)
            texts += [d["sentence_good"], d["sentence_bad"]]
    stock = tiny_checkpoint(work / "stock", "gpt2", texts=texts, vocab_size=2000)
    custom = work / "custom"
    shutil.copytree(stock, custom)
    (custom / "modeling_custom.py").write_text(WRAP)
    cfg = json.loads((custom / "config.json").read_text())
    cfg["auto_map"] = {"AutoModelForCausalLM": "modeling_custom.CustomGPT2"}
    (custom / "config.json").write_text(json.dumps(cfg, indent=1))
    return stock, custom


def run(ckpt: Path, out: Path, extra: list[str], threads: int | None) -> tuple[float, dict]:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "babylm.cli", "eval", "run", str(ckpt), "--tasks", "blimp", "--eval-data",
           str(EVAL_ROOT), "--engine", "transformers", "--cache-dir", str(out / "cache"), "--out", str(out),
           "--json", *(["--threads", str(threads)] if threads else []), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall, json.loads((out / "results.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    if not (EVAL_ROOT / "fast_eval" / "blimp_fast").is_dir():
        raise SystemExit(f"BLiMP fast not found under {EVAL_ROOT} (set BABYLM_SHARED_DATA)")
    work = args.work or Path(tempfile.mkdtemp(prefix="babylm_sandbox_bench_"))
    stock, custom = build(work)
    times: dict[str, list[float]] = {"in-process": [], "sandbox": []}
    res: dict[str, dict] = {}
    for _ in range(args.repeats):
        for name, ck, extra in (("in-process", stock, []), ("sandbox", custom, ["--trust-remote-code"])):
            wall, res[name] = run(ck, work / f"out-{name}", extra, args.threads)
            times[name].append(wall)
    a = res["in-process"]["checkpoints"]["main"]["tasks"]["blimp"]
    b = res["sandbox"]["checkpoints"]["main"]["tasks"]["blimp"]
    diff = max(abs(x - y) for ia, ib in zip(a["items"], b["items"], strict=True)
               for x, y in zip(ia["scores"], ib["scores"], strict=True))
    best = {k: min(v) for k, v in times.items()}
    print(f"BLiMP fast, {a['n_items']} pairs, tiny GPT-2, engine transformers ({res['sandbox']['checkpoints']['main']['engine']})")
    for k, v in times.items():
        print(f"  {k:10s}: best {best[k]:.1f} s  (runs: {', '.join(f'{t:.1f}' for t in v)})")
    print(f"  overhead: {100 * (best['sandbox'] / best['in-process'] - 1):+.1f} %  "
          f"accuracy {a['score']:.4f} vs {b['score']:.4f}, max |score diff| {diff:.2e}")


if __name__ == "__main__":
    main()
