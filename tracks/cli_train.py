"""`babylm model train` and `babylm model resume` (the `model` group also holds `flops`, cli_flops.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from babylm import cli_options as opt
from babylm.output import emit, scaled_banner
from babylm.tracks.cli_choices import Arch

model_app = typer.Typer(help="Train a baseline model inside a track's rules, resume it, count its FLOPs.",
                        no_args_is_help=True)


def _render_train(result: Any, console: Any) -> None:
    tag = f" [bold yellow]SCALED x{result.scale}[/]" if result.scaled else ""
    console.print(
        f"[green]{result.status}[/]{tag}: {result.arch} ({result.n_params:,} params) on {result.track}, "
        f"{result.words_seen:,} words seen ({result.data_words:,} per epoch), {result.tokens_seen:,} tokens, "
        f"{result.steps:,} steps, {result.train_flops:.3g} FLOPs, {result.wall_time_s:.1f} s"
    )
    console.print(f"checkpoints ({len(result.checkpoints)}): {', '.join(result.checkpoints) or 'none'}")
    console.print(f"run folder: {result.run_dir}")


@model_app.command("train")
def train_cmd(
    corpus: list[Path] = typer.Option(..., "--corpus", help="Training text: files or folders (repeatable)."),
    out: Path = typer.Option(..., "--out", help="New run folder (ledger, checkpoints, run.json)."),
    edition: opt.Edition = opt.edition_option(),
    track: opt.TrackName = opt.track_option(help="Track whose budget, cap and schedule apply."),
    scale: str = opt.scale_option(),
    arch: Arch = typer.Option("gpt2-tiny", "--arch", help="Model architecture."),
    epochs: int = typer.Option(10, help="Passes over the data (the run stops at the exposure cap)."),
    seq_len: int = typer.Option(128, "--seq-len", help="Tokens per training sequence."),
    batch_size: int = typer.Option(16, "--batch-size", help="Sequences per step."),
    lr: float = typer.Option(None, help="Peak learning rate (default per arch: 3e-3 tiny, 6e-4 small)."),
    seed: int = typer.Option(0, help="Seed for tokenizer data order, weights and batch order."),
    vocab_size: int = typer.Option(8000, "--vocab-size", help="BPE vocabulary size (upper bound)."),
    max_words: int = typer.Option(None, "--max-words", help="Train on the first N words of the data only."),
    threads: int = typer.Option(None, help="Torch CPU threads (default: torch's choice)."),
    stop_at_cap: bool = typer.Option(
        False, "--stop-at-cap", help="Train until the exposure cap and end normally (exit 0) instead of an error."
    ),
    as_json: bool = opt.json_option("Print JSON (keys below)."),
    lang: list[str] = typer.Option(None, "--lang", help="Byte-budget tracks (2026/multilingual): the language "
                                   "of every --corpus path (CODE), or of one group (CODE=PATH, repeatable); the "
                                   "ledger charges each language's UTF-8 bytes. Codes: en, nl, zh."),
) -> None:
    """Train a tokenizer and a small LM inside the track's word budget, with the training ledger.

    Saves every scheduled checkpoint reached (RUN/chck_{N}M: safetensors + tokenizer, loadable
    offline with AutoModelForCausalLM/AutoTokenizer.from_pretrained), plus run.json,
    data_manifest.json and ledger.jsonl. Data over the budget is refused; a batch that would take
    words seen past the exposure cap stops the run with an error (exit 2; with --stop-at-cap it
    ends normally, status stopped_at_cap), everything written so far intact. JSON keys: run_dir, status,
    track, scale, scaled, arch, n_params, data_words, words_seen, tokens_seen, steps, train_flops,
    checkpoints, wall_time_s, final_loss, message.
    """
    from babylm.tracks.train import TrainOptions, train

    t = opt.track_from_options(edition, track, scale)
    if t.is_scaled and not as_json:
        from babylm.output import err_console

        err_console.print(scaled_banner(t.scale))
    from babylm.tracks.cli_data import _lang_options

    every, groups = _lang_options(lang or [])
    opts = TrainOptions(
        data=list(corpus), out=out, track=t.key, arch=arch, scale=t.scale, epochs=epochs, seq_len=seq_len,
        batch_size=batch_size, lr=lr, seed=seed, vocab_size=vocab_size, max_words=max_words, threads=threads,
        stop_at_cap=stop_at_cap, lang=every, lang_paths=[(code, [Path(p)]) for code, p in groups] or None,
    )
    result = train(opts)
    emit(result.to_dict(), as_json, lambda console: _render_train(result, console))


@model_app.command("resume")
def resume_cmd(
    run: Path = typer.Argument(..., help="The run folder of a stopped `babylm model train`."),
    threads: int = typer.Option(None, help="Torch CPU threads (default: torch's choice)."),
    stop_at_cap: bool = typer.Option(False, "--stop-at-cap", help="End normally at the exposure cap."),
    as_json: bool = opt.json_option("Print JSON (the keys of `babylm model train --json`)."),
) -> None:
    """Continue a stopped (crashed or interrupted) training run from its last checkpoint.

    Same data, options and batch order; model, tokenizer, optimizer and LR schedule as they were
    at that checkpoint. The ledger goes back to the checkpoint's counters with a `resume` line.
    """
    from babylm.tracks.train import resume

    result = resume(run, threads=threads, stop_at_cap=stop_at_cap)

    def render(console: Any) -> None:
        tag = f" [bold yellow]SCALED x{result.scale}[/]" if result.scaled else ""
        console.print(f"[green]{result.status}[/]{tag}: {result.words_seen:,} words seen, "
                      f"{len(result.checkpoints)} checkpoints, run folder {result.run_dir}")

    emit(result.to_dict(), as_json, render)
