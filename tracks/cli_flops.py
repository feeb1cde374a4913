"""`babylm model flops`: analytic training FLOPs of a model, checked against FlopCounterMode and fvcore."""

from __future__ import annotations

from pathlib import Path

import typer

from babylm.cli_options import json_option
from babylm.output import emit
from babylm.tracks.cli_choices import Attn


def flops_cmd(
    model: Path = typer.Argument(..., help="A model folder (with config.json) or a config.json file."),
    seq_len: int = typer.Option(128, "--seq-len", help="Tokens per training sequence (attention context)."),
    attn: Attn = typer.Option("sdpa", "--attn", help="Attention implementation for the measured counts."),
    measure: bool = typer.Option(
        True, "--measure/--no-measure", help="Also run the two counters (builds the model, random weights)."
    ),
    as_json: bool = json_option("Print JSON (keys below)."),
) -> None:
    """Training FLOPs per sequence and per token: analytic (canonical), torch FlopCounterMode, fvcore.

    1 multiply-add = 2 FLOPs, LM head and attention counted, training = 3 x forward. JSON keys:
    model, family, seq_len, attn, analytic_train_flops_per_sequence,
    flop_counter_train_flops_per_sequence, fvcore_train_flops_per_sequence,
    rel_diff_vs_flop_counter, rel_diff_vs_fvcore (analytic minus measured, over measured),
    train_flops_per_token, breakdown (forward FLOPs per sequence by component), method.
    """
    from babylm.errors import BabyLMError
    from babylm.tracks.compute import analytic_flops, compare

    if not model.exists():
        raise BabyLMError(f"{model} does not exist", hint="pass a model folder or a config.json")
    est = analytic_flops(model, seq_len)
    cmp = compare(model, seq_len, attn=attn, measure=measure)
    data = {"model": str(model), "family": est.family, **cmp.to_dict(),
            "train_flops_per_token": est.train_per_token, "breakdown": est.breakdown, "method": est.method}

    def render(console) -> None:
        from rich.table import Table

        table = Table(title=f"Training FLOPs, {est.family}, sequence of {seq_len} tokens ({attn} attention)")
        for col in ("method", "FLOPs / sequence", "FLOPs / token", "vs analytic"):
            table.add_column(col, justify="right" if col != "method" else "left")
        rows = [("analytic (canonical)", cmp.analytic_train),
                ("torch FlopCounterMode", cmp.flop_counter_train), ("fvcore x2 x3", cmp.fvcore_train)]
        for name, value in rows:
            if value is None:
                table.add_row(name, "not measured", "", "")
                continue
            rel = "" if value is cmp.analytic_train else f"{(cmp.analytic_train - value) / value:+.3%}"
            table.add_row(name, f"{value:.4g}", f"{value / seq_len:.4g}", rel)
        console.print(table)
        parts = ", ".join(f"{k} {v / est.forward_per_sequence:.1%}" for k, v in est.breakdown.items())
        console.print(f"forward by component: {parts}")

    emit(data, as_json, render)
