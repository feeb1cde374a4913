"""2026 multilingual route: babylm's own tasks vs the official lm-eval route, same tiny model, same data.

    .venv/bin/python bench/ml_speed.py [--pairs N] [--mc N] [--train-steps N] [--batch B] [--compat babylm|official]

Use the default compat ("babylm"): it scores a context-free request as lm-eval's HFLM does (" " + sentence
after the end-of-text token), so per-item log-likelihoods and arg-max predictions are identical; ties
(none expected here) would count 0.5 in babylm's accuracy and 1 in lm-eval's.

Generates (untimed, never downloaded) Dutch data in the official formats: MultiBLiMP-style minimal pairs
(`sen` / `wrong_sen`, task multiblimp_nld) and MuBench-style 4-way multiple choice (`prompt` / `choices` /
`label`, task hellaswag_nl_mubench), a byte-level BPE tokenizer and a 2 x 64 GPT-2 trained a few steps on
the generated text. Then runs, each as its own subprocess timed from start to exit (imports and model
loading included):
  lm-eval: lm_eval run --model hf with the official task YAMLs (babylm-org/babylm-eval
           multilingual/tasks/multiblimp/multiblimp_krl.yaml and hellaswag_mubench/default_af.yaml fields),
           pointed at the generated JSON-lines files;
  babylm:  babylm eval run DIR --tasks multiblimp_nld,hellaswag_nl_mubench --split full (fresh cache);
and prints items/s, the ratio, and per task whether the per-item predictions (acc and acc_norm) are
identical and the largest per-item log-likelihood difference. lm-eval's `datasets` cache is warmed once
first (its usual state).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

from bench_util import timed

REPO = Path(__file__).resolve().parents[1]
SUBJ = ["de kat", "de hond", "het kind", "de vrouw", "de man", "het meisje", "de jongen", "de leraar"]
SUBJ_PL = ["de katten", "de honden", "de kinderen", "de vrouwen", "de mannen", "de meisjes"]
VERB = [("slaapt", "slapen"), ("loopt", "lopen"), ("eet", "eten"), ("zingt", "zingen"), ("leest", "lezen"),
        ("speelt", "spelen"), ("werkt", "werken"), ("zwemt", "zwemmen")]
PLACE = ["in de tuin", "in het huis", "op straat", "in het park", "bij de rivier", "op school", "in de keuken"]
OBJ = ["een appel", "het brood", "een boek", "de krant", "een liedje", "de soep", "een brief", "het water"]


def sentences(rng: random.Random, n: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        sg, (v_sg, v_pl) = rng.random() < 0.5, rng.choice(VERB)
        subj = rng.choice(SUBJ if sg else SUBJ_PL)
        good, bad = (v_sg, v_pl) if sg else (v_pl, v_sg)
        tail = rng.choice(PLACE)
        out.append((f"{subj.capitalize()} {good} {tail}.", f"{subj.capitalize()} {bad} {tail}."))
    return out


def write_data(root: Path, n_pairs: int, n_mc: int, seed: int = 0) -> tuple[Path, Path, list[str]]:
    rng = random.Random(seed)
    full = root / "full_eval"
    (full / "multiblimp").mkdir(parents=True, exist_ok=True)
    (full / "hellaswag_mubench").mkdir(parents=True, exist_ok=True)
    pairs = sentences(rng, n_pairs)
    mb = full / "multiblimp" / "nld.jsonl"
    mb.write_text("".join(json.dumps({"sen": g, "wrong_sen": b, "phenomenon": "SV-#"}, ensure_ascii=False) + "\n"
                          for g, b in pairs), encoding="utf-8")
    rows = []
    for _ in range(n_mc):
        subj, (v, _v) = rng.choice(SUBJ), rng.choice(VERB)
        choices = [f"{v} {rng.choice(PLACE)} en eet {rng.choice(OBJ)}." for _ in range(4)]
        rows.append({"prompt": f"{subj.capitalize()} komt thuis en", "choices": choices, "label": rng.randrange(4)})
    hs = full / "hellaswag_mubench" / "nl.jsonl"
    hs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    texts = [g for g, _ in sentences(rng, 4000)] + [f"{r['prompt']} {c}" for r in rows for c in r["choices"]]
    return mb, hs, texts


def build_model(folder: Path, texts: list[str], train_steps: int) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from babylm.testing.tinymodels import train_causal_briefly, train_tokenizer

    tok = train_tokenizer(texts, "gpt2", vocab_size=1000)
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=len(tok), n_layer=2, n_embd=64, n_head=1, n_positions=256,
                     bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(cfg)
    train_causal_briefly(model, tok, texts, train_steps, block=32)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


METRICS = ("metric_list:\n- metric: acc\n  aggregation: mean\n  higher_is_better: true\n"
           "- metric: acc_norm\n  aggregation: mean\n  higher_is_better: true\nmetadata:\n  version: 1.0\n")


def official_yaml(folder: Path, mb: Path, hs: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    specs = {
        "multiblimp_nld": (mb, "doc_to_text: ''\ndoc_to_target: 0\ndoc_to_choice: '{{[sen, wrong_sen]}}'\n"),
        "hellaswag_nl_mubench": (hs, "doc_to_text: prompt\ndoc_to_target: label\ndoc_to_choice: choices\n"),
    }
    for name, (path, fields) in specs.items():
        (folder / f"bench_{name}.yaml").write_text(
            f"task: bench_{name}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: {json.dumps(str(path))}\n"
            f"output_type: multiple_choice\ntest_split: test\n{fields}num_fewshot: 0\n{METRICS}", encoding="utf-8")
    return list(specs)



def _argmax(xs: list[float]) -> int:
    return max(range(len(xs)), key=lambda i: (xs[i], -i))


def compare(ours_out: Path, lm_out: Path, tasks: list[str], data: dict[str, list[dict]]) -> dict[str, dict]:
    res = json.loads((ours_out / "results.json").read_text())
    ck = next(iter(res["checkpoints"].values()))
    report = {}
    for task in tasks:
        mine = ck["tasks"][task]["items"]
        files = list(lm_out.rglob(f"samples_bench_{task}_*.jsonl"))
        samples = sorted((json.loads(x) for f in files for x in f.read_text().splitlines()), key=lambda s: s["doc_id"])
        same = same_norm = 0
        diff = 0.0
        for row, s, doc in zip(mine, samples, data[task], strict=True):
            lls = [float(r[0][0]) for r in s["resps"]]
            choices = [doc["sen"], doc["wrong_sen"]] if "sen" in doc else doc["choices"]
            norm = [v / len(c) for v, c in zip(row["scores"], choices, strict=True)]
            their_norm = [v / len(c) for v, c in zip(lls, choices, strict=True)]
            same += int(_argmax(row["scores"]) == _argmax(lls))
            same_norm += int(_argmax(norm) == _argmax(their_norm))
            diff = max(diff, *(abs(a - b) for a, b in zip(row["scores"], lls, strict=True)))
        report[task] = {"n": len(samples), "same_acc": same, "same_acc_norm": same_norm, "max_diff": diff,
                        "ours": ck["tasks"][task]["details"]["metrics"]}
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=4000, help="multiblimp_nld minimal pairs")
    ap.add_argument("--mc", type=int, default=1000, help="hellaswag_nl_mubench 4-way items")
    ap.add_argument("--train-steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64, help="lm-eval batch size")
    # babylm's default compat is lm-eval's rule for context-free requests (BOS/EOS first); "official" is the
    # 2025 strict pipeline's (first token unscored), which is not what the multilingual (lm-eval) route does.
    ap.add_argument("--compat", choices=["babylm", "official"], default="babylm")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "babylm_ml_speed")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    root = args.work / f"data_{args.pairs}_{args.mc}"
    mb, hs, texts = write_data(root, args.pairs, args.mc)
    model = build_model(args.work / "model", texts, args.train_steps)
    tasks = official_yaml(args.work / "yaml", mb, hs)
    data = {"multiblimp_nld": [json.loads(x) for x in mb.read_text(encoding="utf-8").splitlines()],
            "hellaswag_nl_mubench": [json.loads(x) for x in hs.read_text(encoding="utf-8").splitlines()]}
    n_items = args.pairs + args.mc
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    lm_cmd = [sys.executable, "-m", "lm_eval", "run", "--model", "hf", "--model_args",
              f"pretrained={model},dtype=float32", "--tasks", ",".join(f"bench_{t}" for t in tasks),
              "--include_path", str(args.work / "yaml"), "--batch_size", str(args.batch), "--device", "cpu",
              "--log_samples"]
    print(f"== multilingual route: {args.pairs:,} multiblimp_nld pairs + {args.mc:,} hellaswag_nl_mubench items "
          f"(4 choices); compat {args.compat}; {os.popen('uptime').read().strip()}", flush=True)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        t = Path(tmp)
        timed([*lm_cmd, "--output_path", str(t / "warm")], env)
        t_lm = timed([*lm_cmd, "--output_path", str(t / "lm")], env)
        ours = [str(REPO / ".venv" / "bin" / "babylm"), "eval", "run", str(model), "--tasks", ",".join(tasks),
                "--eval-data", str(root), "--split", "full", "--compat", args.compat, "--out", str(t / "ours"),
                "--cache-dir", str(t / "ours" / "cache"), "--json"]
        t_ours = timed(ours, env)
        report = compare(t / "ours", t / "lm", tasks, data)
    print(f"  lm-eval HFLM : {t_lm:7.1f} s  {n_items / t_lm:8.0f} items/s")
    print(f"  babylm       : {t_ours:7.1f} s  {n_items / t_ours:8.0f} items/s")
    print(f"  ratio        : {t_lm / t_ours:.2f}x")
    for task, r in report.items():
        print(f"  {task}: identical predictions acc {r['same_acc']}/{r['n']}, acc_norm {r['same_acc_norm']}/{r['n']}; "
              f"max |d loglik| {r['max_diff']:.2e}; babylm acc {r['ours']['acc']:.4f} acc_norm "
              f"{r['ours']['acc_norm']:.4f}")


if __name__ == "__main__":
    main()
