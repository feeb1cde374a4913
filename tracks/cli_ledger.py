"""`babylm ledger verify`: recompute a training ledger's hash chain and counters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from babylm.cli_options import json_option
from babylm.output import emit

ledger_app = typer.Typer(help="The training ledger (ledger.jsonl).", no_args_is_help=True)


def _render(rep: Any, console: Any) -> None:
    scaled = rep.scale not in ("", "1")
    tag = f" [bold yellow]SCALED x{rep.scale}[/]" if scaled else ""
    head = "[green]ledger OK[/]" if rep.ok else "[bold red]ledger BROKEN[/]"
    console.print(f"{head}{tag}: {rep.path} ({rep.lines} lines, {rep.edition}/{rep.track})")
    console.print(
        f"words seen {rep.words:,} (cap {rep.exposure_cap or 0:,}), tokens {rep.tokens:,}, steps {rep.steps:,}, "
        f"FLOPs {rep.flops:.3g}, status {rep.status or 'unfinished'}"
        + (", stopped at the exposure cap" if rep.stopped_at_cap else "")
    )
    if rep.checkpoints:
        console.print("checkpoints: " + ", ".join(f"{k} @ {v:,}" for k, v in rep.checkpoints.items()))
    if rep.cap_exceeded:
        console.print("[bold red]words seen exceed the exposure cap[/]")
    for w in rep.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    for e in rep.errors:
        console.print(f"[red]error:[/] {e}")


@ledger_app.command("verify")
def verify_cmd(
    path: Path = typer.Argument(..., help="A ledger.jsonl or the run folder holding it."),
    checkpoints: bool = typer.Option(
        True, "--checkpoints/--no-checkpoints", help="Also check checkpoint folders against the ledger."
    ),
    as_json: bool = json_option("Print JSON (keys below)."),
) -> None:
    """Recompute the ledger's hash chain and counters; exit 1 when it is broken.

    JSON keys: path, ok, errors (the first broken line named), warnings, lines, words, tokens,
    steps, flops, checkpoints (name -> words seen), cap_exceeded, stopped_at_cap, complete,
    resumes, status, track, edition, scale, exposure_cap, word_budget.
    """
    from babylm.tracks.ledger import verify_ledger

    rep = verify_ledger(path, check_checkpoints=checkpoints)
    emit(rep.to_dict(), as_json, lambda console: _render(rep, console))
    if not rep.ok:
        raise typer.Exit(1)
