"""Ledger overhead against a training step, measured in the same run (goal: under 1 %).

Run by hand:  .venv/bin/python bench/ledger.py [--steps 60] [--arch gpt2-tiny] [--batch-size 16] [--seq-len 128]

It trains a small model from a config on random tokens and times, in alternating blocks, (a) plain
steps and (b) the same steps with the ledger's bookkeeping (words/tokens of the batch summed from the
per-sequence tensors, before_step, after_step writing one hash-chained line per step: log_every=1,
the worst case; --log-every 10 is what the trainer uses). It prints the median step time of each, the ledger calls timed on their own inside
(b), and the overhead ratio both ways. Checkpoint saves are excluded (the unscaled schedule is not
reached): saving the model is the checkpoint's cost, not bookkeeping.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60, help="steps per variant (in blocks of 10)")
    ap.add_argument("--arch", default="gpt2-tiny")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=1, help="ledger step lines every N steps (trainer: 10)")
    args = ap.parse_args()

    import torch
    from transformers.utils import logging as hf_logging

    from babylm.tracks.ledger import Ledger
    from babylm.tracks.model_configs import build_config, build_model, train_flops_per_token
    from babylm.tracks.rules import get_track

    hf_logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    config = build_config(args.arch, vocab_size=args.vocab, seq_len=args.seq_len, bos_id=0, eos_id=0, pad_id=1)
    model = build_model(config, seed=0)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    n_seq = 4 * args.batch_size
    ids = torch.randint(2, args.vocab, (n_seq, args.seq_len))
    words_per_seq = torch.randint(60, 100, (n_seq,))
    tokens_per_seq = torch.full((n_seq,), args.seq_len)
    fpt, method = train_flops_per_token(config, args.seq_len)

    def step(idx: torch.Tensor) -> None:
        x = ids[idx]
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        optim.step()
        optim.zero_grad(set_to_none=True)

    tmp = Path(tempfile.mkdtemp(prefix="babylm-bench-ledger-"))
    ledger = Ledger(tmp, get_track("strict-small"), flops_per_token=fpt, log_every=args.log_every,
                    flops_method=method)
    plain: list[float] = []
    with_ledger: list[float] = []
    ledger_only: list[float] = []
    g = torch.Generator().manual_seed(0)
    for _ in range(3):  # warm-up
        step(torch.randperm(n_seq, generator=g)[: args.batch_size])
    for block in range(2 * (args.steps // 10)):
        use = block % 2 == 1
        for _ in range(10):
            idx = torch.randperm(n_seq, generator=g)[: args.batch_size]
            t0 = time.perf_counter()
            if use:
                l0 = time.perf_counter()
                ledger.before_step(int(words_per_seq[idx].sum()), int(tokens_per_seq[idx].sum()))
                l1 = time.perf_counter()
            step(idx)
            if use:
                l2 = time.perf_counter()
                ledger.after_step(loss=1.0)
                l3 = time.perf_counter()
                ledger_only.append((l1 - l0) + (l3 - l2))
            (with_ledger if use else plain).append(time.perf_counter() - t0)
    ledger.close()

    med_plain = statistics.median(plain)
    med_with = statistics.median(with_ledger)
    med_ledger = statistics.median(ledger_only)
    load = os.getloadavg()
    print(f"arch {args.arch}, batch {args.batch_size} x {args.seq_len} tokens, {args.threads} thread(s), "
          f"ledger log_every {args.log_every}, "
          f"{len(plain)} steps per variant, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"training step, plain         : {med_plain * 1e3:9.3f} ms (median)")
    print(f"training step, with ledger   : {med_with * 1e3:9.3f} ms (median)")
    print(f"ledger calls alone, per step : {med_ledger * 1e6:9.1f} us (median; mean {statistics.mean(ledger_only) * 1e6:.1f} us)")
    print(f"overhead ratio (ledger calls / plain step) : {med_ledger / med_plain:.4%}  (goal < 1 %)")
    print(f"overhead ratio, means                      : {statistics.mean(ledger_only) / statistics.mean(plain):.4%}")
    print(f"overhead ratio (with / plain - 1)          : {med_with / med_plain - 1:+.4%}  (noisy: step-time jitter)")
    print(f"ledger: {ledger.path.stat().st_size:,} bytes for {ledger.steps} steps")
    import shutil

    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
