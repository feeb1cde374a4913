"""Masked-LM (mlm) and encoder-decoder (enc_dec_mask) PLL scoring: babylm vs a plain transformers loop.

    .venv/bin/python bench/mlm_speed.py [--shapes tiny,base] [--backends mlm,enc_dec_mask] [--files 2]
                                        [--pairs 200] [--threads 2]

The reference is the official 2025 pipeline's method, reimplemented here as a plain loop: items in
batches of 64, each sentence's masked copies padded to the longest in the batch, 64 copies per forward,
the full model forward (logits at every position), log_softmax at the masked position, float32 sums.
Both run in this process on the same model, one after the other, on the first --pairs pairs of the
first --files BLiMP files (BabyLM 2025 blimp_fast, else the original BLiMP); imports, tokenizer
training and model building are not timed. Shapes, with random weights and an 8k byte-level BPE
vocabulary trained on the files' sentences: tiny = 2 layers, hidden 128, 2 heads, FFN 512; base =
BERT-base / T5-base (12 layers, hidden 768, 12 heads, FFN 3072; T5: 12 + 12 layers). Prints seconds,
pairs/s, the ratio, and whether the predictions (compat official) agree with the reference.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # busy-waiting threads crawl on a shared CPU

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BABYLM_SHARED_DATA", REPO.parent / "shared" / "data"))
SOURCES = (DATA / "babylm_eval_2025" / "fast_eval" / "blimp_fast", DATA / "blimp")
SHAPES = {"tiny": (2, 128, 2, 512), "base": (12, 768, 12, 3072)}  # layers, hidden, heads, ffn


def blimp_pairs(n_files: int, n_pairs: int) -> list[tuple[str, str]] | None:
    for root in SOURCES:
        files = sorted(root.glob("*.jsonl"))[:n_files] if root.is_dir() else []
        if files:
            pairs = []
            for f in files:
                rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
                pairs += [(r["sentence_good"], r["sentence_bad"]) for r in rows[:n_pairs]]
            print(f"data: {len(files)} files from {root} ({', '.join(f.stem for f in files)}), {len(pairs)} pairs")
            return pairs
    return None


def build(backend: str, shape: str, texts: list[str]) -> tuple[object, object]:
    import torch
    import transformers as tf

    from babylm.testing.tinymodels import train_tokenizer

    layers, hidden, heads, ffn = SHAPES[shape]
    kind = "bert" if backend == "mlm" else "t5"
    tok = train_tokenizer(texts, kind, vocab_size=8192)
    torch.manual_seed(0)
    if kind == "bert":
        cfg = tf.BertConfig(vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=heads, intermediate_size=ffn, pad_token_id=tok.pad_token_id)
        model = tf.BertForMaskedLM(cfg)
    else:
        cfg = tf.T5Config(vocab_size=len(tok), d_model=hidden, d_kv=hidden // heads, d_ff=ffn, num_layers=layers,
                          num_decoder_layers=layers, num_heads=heads, pad_token_id=tok.pad_token_id,
                          eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id)
        model = tf.T5ForConditionalGeneration(cfg)
    return model.float().eval(), tok


def reference(model: object, tok: object, backend: str, sentences: list[list[str]]) -> list[list[float]]:
    """The official method: per batch of 64 items, per sentence slot, padded copies, 64 per forward."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    mask = tok.mask_token_id
    dec_prompt = [tok.bos_token_id, mask] if tok.bos_token_id is not None else [mask]
    out: list[list[float]] = [[] for _ in sentences]
    with torch.no_grad():
        for s in range(0, len(sentences), 64):
            items = sentences[s : s + 64]
            for slot in range(len(items[0])):
                copies, targets, idx, counts = [], [], [], []
                for item in items:
                    enc = tok(item[slot], return_offsets_mapping=True)
                    ids = enc["input_ids"]
                    scored = [i for i, (_, end) in enumerate(enc["offset_mapping"]) if end > 0]
                    for i in scored:
                        c = torch.tensor(ids)
                        c[i] = mask
                        copies.append(c)
                        targets.append(ids[i])
                        idx.append(i)
                    counts.append(len(scored))
                ids = pad_sequence(copies, batch_first=True, padding_value=tok.pad_token_id)
                att = pad_sequence([torch.ones(len(c), dtype=torch.long) for c in copies], batch_first=True)
                tgt, pos = torch.tensor(targets), torch.tensor(idx)
                lps = []
                for b in range(0, len(copies), 64):
                    sl = slice(b, b + 64)
                    if backend == "mlm":
                        logits = model(input_ids=ids[sl], attention_mask=att[sl]).logits
                        sel = logits[torch.arange(logits.shape[0]), pos[sl]]
                    else:
                        dec = torch.tensor([dec_prompt] * ids[sl].shape[0])
                        sel = model(input_ids=ids[sl], attention_mask=att[sl], decoder_input_ids=dec,
                                    decoder_attention_mask=torch.ones_like(dec)).logits[:, -1]
                    lps.append(torch.log_softmax(sel, dim=-1).gather(1, tgt[sl, None]).squeeze(1))
                lp = torch.cat(lps)
                at = 0
                for k, n in enumerate(counts):
                    out[s + k].append(float(lp[at : at + n].sum()))
                    at += n
    return out


def ours(model: object, tok: object, backend: str, sentences: list[list[str]]) -> tuple[list[list[float]], str]:
    from babylm.evaluation.api import ScoreRequest
    from babylm.evaluation.scorers.encdec import EncDecScorer
    from babylm.evaluation.scorers.mlm import MaskedScorer

    flat = [ScoreRequest("", s) for item in sentences for s in item]
    if backend == "mlm":
        sc = MaskedScorer(model, tok, backend="mlm", compat="official")
    else:
        sc = EncDecScorer(model, tok, backend=backend, compat="official")
    vals = sc.score(flat)
    k = len(sentences[0])
    return [vals[i : i + k] for i in range(0, len(vals), k)], getattr(sc, "engine", "transformers")


def compare(backend: str, shape: str, pairs: list[tuple[str, str]]) -> None:
    texts = [s for p in pairs for s in p]
    model, tok = build(backend, shape, texts)
    items = [list(p) for p in pairs]
    t0 = time.perf_counter()
    ref = reference(model, tok, backend, items)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    got, engine = ours(model, tok, backend, items)
    t_ours = time.perf_counter() - t0
    agree = sum((r[0] >= r[1]) == (g[0] >= g[1]) for r, g in zip(ref, got, strict=True))
    diff = max(abs(a - b) for r, g in zip(ref, got, strict=True) for a, b in zip(r, g, strict=True))
    n = len(pairs)
    print(f"{backend:13s} {shape:5s} reference {t_ref:7.2f} s ({n / t_ref:7.1f} pairs/s)   babylm[{engine}] "
          f"{t_ours:7.2f} s ({n / t_ours:7.1f} pairs/s)   ratio {t_ref / t_ours:5.2f}x   "
          f"predictions agree {agree}/{n}, max |diff| {diff:.2e}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default="tiny,base")
    ap.add_argument("--backends", default="mlm,enc_dec_mask")
    ap.add_argument("--files", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=200, help="pairs per file")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    pairs = blimp_pairs(args.files, args.pairs)
    if pairs is None:
        print(f"skipped: no BLiMP files under {' or '.join(map(str, SOURCES))} (set BABYLM_SHARED_DATA)")
        sys.exit(0)
    print(f"load: {os.popen('uptime').read().strip()}; threads {args.threads}; device cpu")
    for shape in args.shapes.split(","):
        for backend in args.backends.split(","):
            compare(backend, shape, pairs)
    print(f"load: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    main()
