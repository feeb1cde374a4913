"""`babylm evaluate`: tasks x checkpoints with a result cache; mounts other evaluation commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from babylm.errors import BabyLMError
from babylm.output import emit


def summary(results: dict[str, Any], paths: tuple[Path, Path] | None = None) -> dict[str, Any]:
    """The `--json` document: file paths, score per checkpoint and task, what failed or was unavailable."""
    return {
        "results_json": str(paths[0]) if paths else None,
        "official_preds_json": str(paths[1]) if paths else None,
        "track": results["track"], "backend": results["backend"], "compat": results["compat"],
        "split": results["split"],
        "checkpoints": {
            name: {"words_seen": ck.get("words_seen"),
                   "scores": {t: r.get("score") for t, r in ck["tasks"].items() if r.get("status") == "ok"},
                   "tie_rates": {t: r.get("tie_rate") for t, r in ck["tasks"].items() if r.get("status") == "ok"}}
            for name, ck in results["checkpoints"].items()
        },
        "across_checkpoints": {t: r.get("score") for t, r in results.get("across_checkpoints", {}).items()},
        "unavailable": results["unavailable"], "failures": results["failures"], "warnings": results["warnings"],
        "wall_time_s": results.get("wall_time_s"),
    }


def render_table(console: Any, results: dict[str, Any], title: str = "scores") -> None:
    """Checkpoint x task table (a learning curve when there are several checkpoints)."""
    from rich.table import Table

    tasks = [t for t in results["tasks"] if t not in results["unavailable"]]
    table = Table(title=title)
    table.add_column("checkpoint")
    table.add_column("words seen", justify="right")
    for t in tasks:
        table.add_column(t, justify="right")
    for name, ck in results["checkpoints"].items():
        cells = []
        for t in tasks:
            r = ck["tasks"].get(t, {})
            if r.get("status") == "ok" and r.get("score") is not None:
                tie = r.get("tie_rate")
                cells.append(f"{r['score']:.3f}" + (f" (ties {tie:.1%})" if tie else ""))
            else:
                cells.append(r.get("status", "-"))
        ws = ck.get("words_seen")
        table.add_row(name, f"{ws:,}" if ws is not None else "-", *cells)
    console.print(table)
    for t, r in results.get("across_checkpoints", {}).items():
        console.print(f"{t} (all checkpoints): {r.get('score')}")
    for t, why in results["unavailable"].items():
        console.print(f"[yellow]not available:[/] {t}: {why}")
    for f in results["failures"]:
        console.print(f"[red]failed:[/] {f.get('checkpoint') or '-'} / {f.get('task') or '-'}: {f['error']}")
    for w in results["warnings"]:
        console.print(f"[yellow]warning:[/] {w['task']}: {w['warning']}")


def register(app: typer.Typer) -> None:
    try:
        from babylm.evaluation import cli_extra
    except ModuleNotFoundError as exc:
        if exc.name != "babylm.evaluation.cli_extra":
            raise
    else:
        cli_extra.register(app)

    @app.command("evaluate")
    def evaluate(
        model: str = typer.Argument(..., help="Run folder with chck_<N>M checkpoints, a model folder, or a Hub repo id."),
        track: str = typer.Option("strict-small", help="Track, e.g. strict-small or 2025/strict."),
        checkpoints: str = typer.Option("all", help="'all' or a comma list, e.g. chck_1M,chck_2M (Hub: revisions)."),
        tasks: str = typer.Option("fast", help="'fast', 'full', 'demo' or a comma list of task names."),
        backend: str = typer.Option("causal", help="causal, mlm, mntp, enc_dec_mask or enc_dec_prefix."),
        compat: str = typer.Option("babylm", help="'babylm' (ties 0.5, every token scored) or 'official' "
                                   "(reproduces the 2025 pipeline: ties correct, first token unscored)."),
        split: str = typer.Option(None, help="fast or full (default: full for --tasks full, else fast)."),
        data: Path = typer.Option(None, "--data", help="Evaluation data folder (official evaluation_data/ layout)."),
        out: Path = typer.Option(None, "--out", help="Where results.json and the official file go "
                                 "(default: MODEL/eval for a local folder, else ./eval)."),
        cache_dir: Path = typer.Option(None, help="Score cache folder (default: MODEL/.babylm_cache)."),
        batch_size: int = typer.Option(None, min=1, help="Sequences per forward pass (results do not depend on it)."),
        threads: int = typer.Option(None, min=1, help="Torch CPU threads (default: torch's choice)."),
        engine: str = typer.Option("auto", help="causal models: 'native' (GPT-2 without importing transformers), "
                                   "'transformers', or 'auto' (native where it applies). Both run every distinct "
                                   "prefix once where the architecture allows; scores agree to ~1e-5."),
        no_items: bool = typer.Option(False, "--no-items", help="Leave per-item scores out of results.json."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (keys: results_json, "
                                     "official_preds_json, track, backend, compat, split, checkpoints "
                                     "{name: {words_seen, scores, tie_rates}}, across_checkpoints, unavailable, "
                                     "failures, warnings, wall_time_s)."),
    ) -> None:
        """Evaluate every checkpoint on the zero-shot tasks (cached: a re-run is instant, a crash resumes).

        Writes results.json (babylm.results/1: per-item scores, tie rates, bootstrap 95% intervals) and
        all_full_preds_and_fast_scores_<backend>.json (the official 2025 submission format).
        """
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # busy-waiting threads crawl on a shared CPU
        from babylm.evaluation.runner import evaluate_run, write_outputs

        if threads:
            import torch

            torch.set_num_threads(threads)
        if compat not in ("babylm", "official"):
            raise BabyLMError(f"unknown --compat {compat!r}", hint="use babylm or official")
        results = evaluate_run(
            model, track=track, checkpoints=checkpoints, tasks=tasks, backend=backend, compat=compat,  # type: ignore[arg-type]
            data_root=data, cache_dir=cache_dir, batch_size=batch_size, split=split,  # type: ignore[arg-type]
            engine=engine,
            progress=not as_json, include_items=not no_items,
        )
        local = Path(model).expanduser()
        out_dir = out or (local / "eval" if local.is_dir() else Path("eval"))
        paths = write_outputs(results, out_dir)
        data_out = summary(results, paths)

        def render(console: Any) -> None:
            engines = sorted({c["engine"] for c in results["checkpoints"].values() if c.get("engine")})
            used = f", engine {'/'.join(engines)}" if engines else ""
            render_table(console, results, title=f"{results['track']} {results['split']} ({results['backend']}, "
                         f"compat {results['compat']}{used})")
            console.print(f"results: {paths[0]}\nofficial predictions: {paths[1]}\n"
                          f"wall time {results['wall_time_s']:.1f} s")

        emit(data_out, as_json, render)
