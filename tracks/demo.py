"""Demo stages of the tracks part: generate and count a corpus, then train inside the scaled rules.

At the default demo scale (strict-small x1/100: 100k-word budget, 1M-word exposure cap, 19
checkpoints from 10k words seen) stage_train runs the full 10 epochs, so every checkpoint exists.
With `ctx.fast` (tests) the corpus is at most 30k words and training stops near 60k words seen.
"""

from __future__ import annotations

from pathlib import Path

from babylm.demo import DemoContext

FAST_CORPUS_WORDS = 30_000
FAST_WORDS_SEEN = 60_000


def _corpus_words(ctx: DemoContext) -> int:
    budget = ctx.track.word_budget
    return min(budget, FAST_CORPUS_WORDS) if ctx.fast else budget


def stage_data(ctx: DemoContext) -> None:
    """Write the generated corpus (as many words as the budget allows) and its data manifest."""
    from babylm.output import console
    from babylm.tracks.demo_corpus import write_corpus
    from babylm.tracks.manifest import build_manifest, write_manifest

    corpus = ctx.workdir / "corpus"
    n_words = _corpus_words(ctx)
    files = write_corpus(corpus, n_words, ctx.seed)
    manifest = build_manifest(files, ctx.track, root=ctx.workdir)
    manifest_path = write_manifest(manifest, ctx.workdir / "data_manifest.json")
    ctx.state["corpus_dir"] = corpus
    ctx.state["data_manifest"] = manifest_path
    console.print(
        f"corpus: {manifest['total_words']:,} words in {len(files)} files "
        f"(budget {ctx.track.word_budget:,}, SCALED x{ctx.track.scale}) -> {manifest_path}"
    )


def stage_train(ctx: DemoContext) -> None:
    """Train gpt2-tiny on the corpus with the ledger; every checkpoint reached lands in ctx.state."""
    from babylm.output import console
    from babylm.tracks.ledger import verify_ledger
    from babylm.tracks.train import TrainOptions, train

    corpus = Path(ctx.state.get("corpus_dir") or ctx.workdir / "corpus")
    n_words = ctx.state.get("corpus_words") or _corpus_words(ctx)
    epochs = max(1, min(10, FAST_WORDS_SEEN // n_words)) if ctx.fast else 10
    run_dir = ctx.workdir / "run"
    if run_dir.exists():
        import shutil

        shutil.rmtree(run_dir)  # the demo owns its workdir; a rerun starts the run afresh
    result = train(
        TrainOptions(
            data=[corpus], out=run_dir, track=ctx.track.key, arch="gpt2-tiny", scale=ctx.track.scale,
            epochs=epochs, seq_len=128, batch_size=32, seed=ctx.seed, vocab_size=2000, threads=1,
            progress=not ctx.fast,
        )
    )
    report = verify_ledger(run_dir / "ledger.jsonl")
    if not report.ok:
        raise RuntimeError(f"the demo's own ledger does not verify: {report.errors}")
    ctx.state["run_dir"] = run_dir
    ctx.state["checkpoints"] = [run_dir / n for n in ctx.track.names if n in result.checkpoints]
    span = f" ({result.checkpoints[0]} .. {result.checkpoints[-1]})" if result.checkpoints else ""
    console.print(
        f"trained {result.arch} ({result.n_params:,} params), SCALED x{result.scale}: {result.words_seen:,} words "
        f"seen in {epochs} epochs, {len(result.checkpoints)} checkpoints{span}, "
        f"final loss {result.final_loss:.3f}, ledger verified -> {run_dir}"
    )
