"""`babylm train`, `babylm ledger verify`, `babylm corpus generate`."""

from __future__ import annotations

from pathlib import Path

import typer

from babylm.output import emit, scaled_banner


def register(app: typer.Typer) -> None:
    ledger_app = typer.Typer(help="The training ledger (ledger.jsonl).", no_args_is_help=True)
    corpus_app = typer.Typer(help="The generated demo corpus of child-directed English.", no_args_is_help=True)
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(corpus_app, name="corpus")

    @app.command("train")
    def train_cmd(
        data: list[Path] = typer.Option(..., "--data", help="Training text: files or folders (repeatable)."),
        out: Path = typer.Option(..., "--out", help="New run folder (ledger, checkpoints, run.json)."),
        track: str = typer.Option("strict-small", help="Track whose budget, cap and schedule apply."),
        arch: str = typer.Option("gpt2-tiny", help="gpt2-tiny, gpt2-small or llama-tiny."),
        scale: str = typer.Option("1", help="Shrink budget, cap and schedule for demos/tests, e.g. 1/1000."),
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
        as_json: bool = typer.Option(False, "--json", help="Print JSON (keys below)."),
    ) -> None:
        """Train a tokenizer and a small LM inside the track's word budget, with the training ledger.

        Saves every scheduled checkpoint reached (RUN/chck_{N}M: safetensors + tokenizer, loadable
        offline with AutoModelForCausalLM/AutoTokenizer.from_pretrained), plus run.json,
        data_manifest.json and ledger.jsonl. Data over the budget is refused; a batch that would take
        words seen past the exposure cap stops the run with an error (exit 2; with --stop-at-cap it
        ends normally, status stopped_at_cap), everything written so far intact. JSON keys: run_dir, status, track, scale, scaled, arch, n_params, data_words,
        words_seen, tokens_seen, steps, train_flops, checkpoints, wall_time_s, final_loss, message.
        """
        from babylm.tracks.train import TrainOptions, parse_scale, train

        frac = parse_scale(scale)
        if frac != 1 and not as_json:
            from babylm.output import err_console

            err_console.print(scaled_banner(frac))
        opts = TrainOptions(
            data=list(data), out=out, track=track, arch=arch, scale=frac, epochs=epochs, seq_len=seq_len,
            batch_size=batch_size, lr=lr, seed=seed, vocab_size=vocab_size, max_words=max_words, threads=threads,
            stop_at_cap=stop_at_cap,
        )
        result = train(opts)

        def render(console) -> None:
            tag = f" [bold yellow]SCALED x{result.scale}[/]" if result.scaled else ""
            console.print(
                f"[green]{result.status}[/]{tag}: {result.arch} ({result.n_params:,} params) on {result.track}, "
                f"{result.words_seen:,} words seen ({result.data_words:,} per epoch), {result.tokens_seen:,} tokens, "
                f"{result.steps:,} steps, {result.train_flops:.3g} FLOPs, {result.wall_time_s:.1f} s"
            )
            console.print(f"checkpoints ({len(result.checkpoints)}): {', '.join(result.checkpoints) or 'none'}")
            console.print(f"run folder: {result.run_dir}")

        emit(result.to_dict(), as_json, render)

    @app.command("resume")
    def resume_cmd(
        run: Path = typer.Argument(..., help="The run folder of a stopped `babylm train`."),
        threads: int = typer.Option(None, help="Torch CPU threads (default: torch's choice)."),
        stop_at_cap: bool = typer.Option(False, "--stop-at-cap", help="End normally at the exposure cap."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (the keys of `babylm train --json`)."),
    ) -> None:
        """Continue a stopped (crashed or interrupted) training run from its last checkpoint.

        Same data, options and batch order; model, tokenizer, optimizer and LR schedule as they were
        at that checkpoint. The ledger goes back to the checkpoint's counters with a `resume` line.
        """
        from babylm.tracks.train import resume

        result = resume(run, threads=threads, stop_at_cap=stop_at_cap)

        def render(console) -> None:
            tag = f" [bold yellow]SCALED x{result.scale}[/]" if result.scaled else ""
            console.print(f"[green]{result.status}[/]{tag}: {result.words_seen:,} words seen, "
                          f"{len(result.checkpoints)} checkpoints, run folder {result.run_dir}")

        emit(result.to_dict(), as_json, render)

    @ledger_app.command("verify")
    def verify_cmd(
        path: Path = typer.Argument(..., help="A ledger.jsonl or the run folder holding it."),
        checkpoints: bool = typer.Option(
            True, "--checkpoints/--no-checkpoints", help="Also check checkpoint folders against the ledger."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (keys below)."),
    ) -> None:
        """Recompute the ledger's hash chain and counters; exit 1 when it is broken.

        JSON keys: path, ok, errors (the first broken line named), warnings, lines, words, tokens,
        steps, flops, checkpoints (name -> words seen), cap_exceeded, stopped_at_cap, complete,
        status, track, edition, scale, exposure_cap, word_budget.
        """
        from babylm.tracks.ledger import verify_ledger

        rep = verify_ledger(path, check_checkpoints=checkpoints)

        def render(console) -> None:
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

        emit(rep.to_dict(), as_json, render)
        if not rep.ok:
            raise typer.Exit(1)

    @corpus_app.command("generate")
    def corpus_cmd(
        out: Path = typer.Argument(..., help="Folder to write caregiver.train and child.train into."),
        words: int = typer.Option(100_000, help="Exact number of words in total (str.split())."),
        seed: int = typer.Option(0, help="Seed: the same seed gives the same corpus."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON: out, seed, words, files [{path, words, lines}]."),
    ) -> None:
        """Generate the demo corpus: child-directed English from a small probabilistic grammar."""
        from babylm.errors import BabyLMError
        from babylm.tracks.demo_corpus import write_corpus

        if words < 0:
            raise BabyLMError("--words must be >= 0")
        if out.exists() and not out.is_dir():
            raise BabyLMError(f"{out} exists and is not a folder")
        paths = write_corpus(out, words, seed)
        files = []
        for p in paths:
            text = p.read_text(encoding="utf-8")
            files.append({"path": str(p), "words": len(text.split()), "lines": text.count("\n")})
        data = {"out": str(out), "seed": seed, "words": sum(f["words"] for f in files), "files": files}

        def render(console) -> None:
            for f in files:
                console.print(f"{f['path']}: {f['words']:,} words, {f['lines']:,} lines")

        emit(data, as_json, render)
