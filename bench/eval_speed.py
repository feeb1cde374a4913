"""BLiMP fast: babylm's causal scorer vs lm-eval's HFLM on the same local model, whole process timed.

    .venv/bin/python bench/eval_speed.py [--size tiny|small|both] [--files N] [--engine auto|native|transformers]

Builds (untimed, cached under --work) an 8k byte-level BPE tokenizer trained on the BabyLM train
sample and a GPT-2 model: "tiny" = 2 layers x 64 (a few hundred training steps so predictions are not
trivial), "small" = 12 x 768 (GPT-2-small shape, random weights). Then runs, each as its own
subprocess timed from start to exit (imports and model loading included):
  ours:    babylm eval run DIR --tasks blimp --eval-data ROOT --engine E (fresh score cache every run; the
           default engine scores these GPT-2 models natively, see evaluation/scorers/tree.py)
  lm-eval: lm_eval run --model hf --model_args pretrained=DIR,dtype=float32 with local BLiMP-fast YAML
and prints pairs/s, the ratio, whether the predictions are identical and the largest per-item
log-likelihood difference. lm-eval's `datasets` cache is warmed once first (its usual state).
Both processes get OMP_WAIT_POLICY=PASSIVE (busy-waiting threads crawl on a shared CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench_util import timed

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BABYLM_SHARED_DATA", REPO.parent / "shared" / "data"))
BLIMP_FAST = DATA / "babylm_eval_2025" / "fast_eval" / "blimp_fast"
TRAIN = DATA / "babylm_train_sample"


def load() -> str:
    return os.popen("uptime").read().strip()


def train_texts() -> list[str]:
    lines: list[str] = []
    for p in sorted(TRAIN.rglob("*.train")):
        lines.extend(line.strip() for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    return lines


def build_model(folder: Path, size: str, train_steps: int) -> Path:
    if (folder / "model.safetensors").is_file():
        return folder
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from babylm.testing.tinymodels import train_causal_briefly, train_tokenizer

    texts = train_texts()
    tok = train_tokenizer(texts, "gpt2", vocab_size=8192)
    n_layer, width = (2, 64) if size == "tiny" else (12, 768)
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=len(tok), n_layer=n_layer, n_embd=width, n_head=max(1, width // 64),
                     n_positions=512, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(cfg)
    if train_steps:
        loss = train_causal_briefly(model, tok, texts[:20000], train_steps, block=64)
        print(f"  trained {train_steps} steps, last loss {loss:.2f}", flush=True)
    model.eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def data_root(work: Path, n_files: int | None) -> tuple[Path, list[Path]]:
    files = sorted(BLIMP_FAST.glob("*.jsonl"))[: n_files or None]
    root = work / f"data_{len(files)}"
    folder = root / "fast_eval" / "blimp_fast"
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        link = folder / f.name
        if not link.exists():
            link.symlink_to(f)
    return root, files


def lm_eval_yaml(work: Path, files: list[Path]) -> tuple[Path, str]:
    folder = work / f"yaml_{len(files)}"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for f in files:
        name = f"bench_blimp_{f.stem}"
        names.append(name)
        (folder / f"{name}.yaml").write_text(
            f"task: {name}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    train: {f}\n"
            "test_split: train\noutput_type: multiple_choice\ndoc_to_text: \"\"\ndoc_to_target: 0\n"
            "doc_to_choice: \"{{[sentence_good, sentence_bad]}}\"\nnum_fewshot: 0\n"
            "metric_list:\n  - metric: acc\nmetadata:\n  version: 1.0\n")
    group = f"bench_blimp_fast_{len(files)}"
    (folder / f"{group}.yaml").write_text(
        f"group: {group}\ntask:\n" + "".join(f"  - {n}\n" for n in names)
        + "aggregate_metric_list:\n  - metric: acc\n    weight_by_size: false\nmetadata:\n  version: 1.0\n")
    return folder, group



def ours_cmd(model: Path, root: Path, out: Path, threads: int | None, engine: str) -> list[str]:
    cmd = [str(REPO / ".venv" / "bin" / "babylm"), "eval", "run", str(model), "--tasks", "blimp",
           "--eval-data", str(root), "--out", str(out), "--cache-dir", str(out / "cache"), "--engine", engine,
           "--json"]
    return cmd + (["--threads", str(threads)] if threads else [])


def lm_eval_cmd(model: Path, yaml_dir: Path, group: str, out: Path, batch: int) -> list[str]:
    return [sys.executable, "-m", "lm_eval", "run", "--model", "hf", "--model_args",
            f"pretrained={model},dtype=float32", "--tasks", group, "--include_path", str(yaml_dir),
            "--batch_size", str(batch), "--device", "cpu", "--log_samples", "--output_path", str(out)]


def compare(ours_out: Path, lm_out: Path) -> tuple[int, int, float, str]:
    res = json.loads((ours_out / "results.json").read_text())
    ck = next(iter(res["checkpoints"].values()))
    mine = {r["id"]: r for r in ck["tasks"]["blimp"]["items"]}
    same = total = 0
    max_diff = 0.0
    for f in lm_out.rglob("samples_bench_blimp_*.jsonl"):
        uid = f.name[len("samples_bench_blimp_"):].rsplit("_", 1)[0]
        for line in f.read_text().splitlines():
            s = json.loads(line)
            lls = [float(r[0][0]) for r in s["resps"]]
            pred = max(range(len(lls)), key=lambda i: (lls[i], -i))
            row = mine[f"{uid}_{s['doc_id']}"]
            total += 1
            same += int(row["pred"] == pred)
            max_diff = max(max_diff, *(abs(a - b) for a, b in zip(row["scores"], lls, strict=True)))
    return same, total, max_diff, ck.get("engine", "?")


def bench(size: str, n_files: int | None, train_steps: int, work: Path, batch: int, threads: int | None,
          engine: str) -> None:
    model = build_model(work / f"model_{size}", size, train_steps if size == "tiny" else 0)
    root, files = data_root(work, n_files)
    pairs = 200 * len(files)
    yaml_dir, group = lm_eval_yaml(work, files)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    print(f"\n== {size}: {len(files)} BLiMP fast files, {pairs:,} pairs; lm-eval batch {batch}; "
          f"{load()}", flush=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        tmp = Path(tmp)
        timed(lm_eval_cmd(model, yaml_dir, group, tmp / "warm", batch), env)  # warm the datasets cache
        t_lm = timed(lm_eval_cmd(model, yaml_dir, group, tmp / "lm", batch), env)
        t_ours = timed(ours_cmd(model, root, tmp / "ours", threads, engine), env)
        same, total, diff, used = compare(tmp / "ours", tmp / "lm")
    print(f"  lm-eval HFLM : {t_lm:7.1f} s  {pairs / t_lm:8.0f} pairs/s")
    print(f"  babylm       : {t_ours:7.1f} s  {pairs / t_ours:8.0f} pairs/s  (engine {used})")
    print(f"  ratio        : {t_lm / t_ours:.2f}x faster; identical predictions {same}/{total}; "
          f"max |d loglik| {diff:.2e}")
    print(f"  {load()}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["tiny", "small", "both"], default="both")
    ap.add_argument("--files", type=int, default=None, help="BLiMP files (default: all 67 tiny, 10 small)")
    ap.add_argument("--train-steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64, help="lm-eval batch size")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for ours (default: torch's)")
    ap.add_argument("--engine", choices=["auto", "native", "transformers"], default="auto",
                    help="babylm's causal engine (auto: native for these GPT-2 models)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "babylm_eval_speed")
    args = ap.parse_args()
    if not BLIMP_FAST.is_dir():
        sys.exit(f"BLiMP fast not found at {BLIMP_FAST} (set BABYLM_SHARED_DATA)")
    args.work.mkdir(parents=True, exist_ok=True)
    for size in (["tiny", "small"] if args.size == "both" else [args.size]):
        files = args.files if args.files is not None else (None if size == "tiny" else 10)
        bench(size, files, args.train_steps, args.work, args.batch, args.threads, args.engine)


if __name__ == "__main__":
    main()
