"""ReSpect learning curves: six variants {binary, ternary} x {SUP, RL, KTO}, task success per round.

Each variant is its own `babylm interact run --protocol respect` run (same world, same seed data, same
deployment RNG streams), 7 rounds (0..6) on the unscaled 2025 interaction track. Prints a table of
success and decoder accuracy (against the simulator's ground truth) per round, writes
OUT/success.png, OUT/decoder_accuracy.png and OUT/summary.json ({variant: [success per round]}, the
shape of a submission's meta["interaction"]).

    .venv/bin/python bench/respect_curves.py --out runs/bench_respect [--games 250] [--seed 0]

Runs resume: re-running with the same --out continues unfinished variants.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/bench_respect"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--games", type=int, default=250)
    ap.add_argument("--seed-games", type=int, default=150)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", type=float, default=None, help="partner noise (default: the protocol's 0.1)")
    ap.add_argument("--variants", default="binary-sup,binary-rl,binary-kto,ternary-sup,ternary-rl,ternary-kto")
    args = ap.parse_args()

    import torch

    from babylm.tracks.interaction.cli import run_interaction
    from babylm.tracks.interaction.plots import combine_runs, plot_series, write_summary

    torch.set_num_threads(1)
    opts = {"games": args.games, "seed_games": args.seed_games, "epochs": args.epochs}
    if args.noise is not None:
        opts["noise"] = args.noise
    runs: dict[str, Path] = {}
    times: dict[str, float] = {}
    for v in args.variants.split(","):
        t0 = time.perf_counter()
        run_dir = args.out / v
        run_interaction("respect", run_dir, rounds=args.rounds, track="interaction", variant=v, seed=args.seed,
                        options=opts, progress=False)
        times[v] = time.perf_counter() - t0
        runs[v] = run_dir
        print(f"{v}: done in {times[v]:.0f} s", flush=True)

    success = combine_runs(runs)
    dec_acc = combine_runs(runs, metric_key="decoder_accuracy")
    pos_true = combine_runs(runs, metric_key="positive_rate_true")
    pos_dec = combine_runs(runs, metric_key="positive_rate_decoded")
    prec_pos = combine_runs(runs, metric_key="precision_decoded_positive")
    prec_neg = combine_runs(runs, metric_key="precision_decoded_negative")
    header = "variant".ljust(12) + "".join(f"  r{r:<4}" for r in range(args.rounds))
    for title, table in (("task success (%)", success), ("decoder accuracy vs ground truth (%)", dec_acc),
                         ("true positive rate of actions (%)", pos_true), ("decoded positive rate (%)", pos_dec),
                         ("precision of decoded positives (%)", prec_pos),
                         ("precision of decoded negatives (%)", prec_neg)):
        print(f"\n{title}\n{header}")
        for v, vals in table.items():
            print(v.ljust(12) + "".join(f"  {100 * x:5.1f}" if x is not None else "      -" for x in vals))
    print("\nSUP vs RL vs KTO (mean success over the last 3 rounds):")
    for mode in ("binary", "ternary"):
        tail = {lr: success.get(f"{mode}-{lr}") for lr in ("sup", "rl", "kto")}
        if all(tail.values()):
            avg = {lr: sum(v[-3:]) / len(v[-3:]) for lr, v in tail.items()}  # type: ignore[union-attr]
            verdict = "SUP beats RL (as in the paper)" if avg["sup"] > avg["rl"] else "SUP does NOT beat RL here"
            print(f"  {mode}: " + ", ".join(f"{k.upper()} {100 * v:.1f}" for k, v in avg.items()) + f" -> {verdict}")
    plot_series(success, args.out / "success.png", title="ReSpect: task success per round (deployment)")
    plot_series(dec_acc, args.out / "decoder_accuracy.png", title="ReSpect: decoder accuracy vs simulator truth",
                ylabel="decoder accuracy")
    write_summary(args.out, success, protocol="respect", metric="success",
                  extra={"decoder_accuracy": dec_acc, "options": opts, "seed": args.seed,
                         "seconds": times, "load": os.getloadavg()})
    print(f"\nwrote {args.out / 'success.png'}, {args.out / 'decoder_accuracy.png'}, {args.out / 'summary.json'}")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(json.dumps({"seconds_per_variant": {k: round(t, 1) for k, t in times.items()}}))


if __name__ == "__main__":
    main()
