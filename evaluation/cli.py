"""`babylm eval run`: tasks x checkpoints with a result cache; registers the `eval` and `tasks` groups."""

import os
from pathlib import Path
from typing import Any

import typer

from babylm.cli_options import (
    Edition,
    TrackName,
    edition_option,
    eval_data_option,
    json_option,
    track_from_options,
    track_option,
)
from babylm.evaluation import cli_extra, cli_tasks
from babylm.evaluation.cli_choices import BackendChoice, CompatChoice, EngineChoice, SplitChoice
from babylm.output import emit

eval_app = typer.Typer(name="eval", help="Evaluate checkpoints: zero-shot tasks, GLUE fine-tuning, lm-eval.",
                       no_args_is_help=True)

JSON_KEYS = ("results_json, official_preds_json, track, backend, compat, split, checkpoints "
             "{name: {words_seen, scores, tie_rates, custom_code}}, across_checkpoints, unavailable, failures, warnings, "
             "wall_time_s")


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
                   "tie_rates": {t: r.get("tie_rate") for t, r in ck["tasks"].items() if r.get("status") == "ok"},
                   "custom_code": ck.get("custom_code")}
            for name, ck in results["checkpoints"].items()
        },
        "across_checkpoints": {t: r.get("score") for t, r in results.get("across_checkpoints", {}).items()},
        "unavailable": results["unavailable"], "failures": results["failures"], "warnings": results["warnings"],
        "wall_time_s": results.get("wall_time_s"),
    }


def _cell(r: dict[str, Any]) -> str:
    if r.get("status") == "ok" and r.get("score") is not None:
        tie = r.get("tie_rate")
        return f"{r['score']:.3f}" + (f" (ties {tie:.1%})" if tie else "")
    return r.get("status", "-")


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
        ws = ck.get("words_seen")
        table.add_row(name, f"{ws:,}" if ws is not None else "-", *(_cell(ck["tasks"].get(t, {})) for t in tasks))
    console.print(table)
    for t, r in results.get("across_checkpoints", {}).items():
        console.print(f"{t} (all checkpoints): {r.get('score')}")
    for name, ck in results["checkpoints"].items():
        code = ck.get("custom_code")
        if code:
            files = ", ".join(f"{f} (sha256 {h[:12]})" for f, h in code["files"].items()) or "no code files"
            where = "ran in the sandbox" if ck.get("sandbox") else "not run"
            console.print(f"[cyan]custom model code[/] {name}: {files}; {where}")
    for t, why in results["unavailable"].items():
        console.print(f"[yellow]not available:[/] {t}: {why}")
    for f in results["failures"]:
        console.print(f"[red]failed:[/] {f.get('checkpoint') or '-'} / {f.get('task') or '-'}: {f['error']}")
    for w in results["warnings"]:
        console.print(f"[yellow]warning:[/] {w['task']}: {w['warning']}")


@eval_app.command("run")
def run_cmd(
    model: str = typer.Argument(..., help="Run folder with chck_<N>M checkpoints, a model folder, or a Hub repo id."),
    edition: Edition = edition_option(),
    track: TrackName = track_option("strict-small"),
    checkpoints: str = typer.Option("all", help="'all' or a comma list, e.g. chck_1M,chck_2M (Hub: revisions)."),
    tasks: str = typer.Option("fast", help="'fast', 'full', 'demo' or a comma list of task names "
                              "(`babylm tasks list`)."),
    backend: BackendChoice = typer.Option("causal", help="How the model is scored."),
    compat: CompatChoice = typer.Option("babylm", help="'babylm' (ties 0.5, every token scored) or 'official' "
                                        "(reproduces the 2025 pipeline: ties correct, first token unscored)."),
    split: SplitChoice = typer.Option(None, help="Default: full for --tasks full, else fast."),
    eval_data: Path = eval_data_option(),
    out: Path = typer.Option(None, "--out", help="Where results.json and the official file go "
                             "(default: MODEL/eval for a local folder, else ./eval)."),
    cache_dir: Path = typer.Option(None, help="Score cache folder (default: MODEL/.babylm_cache)."),
    batch_size: int = typer.Option(None, min=1, help="Sequences per forward pass (results do not depend on it)."),
    threads: int = typer.Option(None, min=1, help="Torch CPU threads (default: torch's choice)."),
    engine: EngineChoice = typer.Option("auto", help="Causal models: 'native' (GPT-2 without importing "
                                        "transformers), 'transformers', or 'auto' (native where it applies). Both "
                                        "run every distinct prefix once where the architecture allows; scores "
                                        "agree to ~1e-5."),
    no_items: bool = typer.Option(False, "--no-items", help="Leave per-item scores out of results.json."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="Run checkpoints' own model code "
                                           "(config.json auto_map), always in a bubblewrap sandbox: no network, "
                                           "read-only checkpoint, private /tmp, resource limits."),
    as_json: bool = json_option(f"Print a JSON summary (keys: {JSON_KEYS})."),
) -> None:
    """Evaluate every checkpoint on the zero-shot tasks (cached: a re-run is instant, a crash resumes).

    Writes results.json (babylm.results/1: per-item scores, tie rates, bootstrap 95% intervals) and
    all_full_preds_and_fast_scores_<backend>.json (the official 2025 submission format). Exits 1 when
    a checkpoint or task that was asked for was not scored (the files are still written).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # busy-waiting threads crawl on a shared CPU
    from babylm.evaluation.runner import evaluate_run, write_outputs

    if threads:
        import torch

        torch.set_num_threads(threads)
    results = evaluate_run(
        model, track=track_from_options(edition, track), checkpoints=checkpoints, tasks=tasks, backend=backend,
        compat=compat, data_root=eval_data, cache_dir=cache_dir, batch_size=batch_size, split=split,
        engine=engine, progress=not as_json, include_items=not no_items, trust_remote_code=trust_remote_code,
    )
    local = Path(model).expanduser()
    paths = write_outputs(results, out or (local / "eval" if local.is_dir() else Path("eval")))

    def render(console: Any) -> None:
        engines = sorted({c["engine"] for c in results["checkpoints"].values() if c.get("engine")})
        used = f", engine {'/'.join(engines)}" if engines else ""
        render_table(console, results, title=f"{results['track']} {results['split']} ({results['backend']}, "
                     f"compat {results['compat']}{used})")
        console.print(f"results: {paths[0]}\nofficial predictions: {paths[1]}\n"
                      f"wall time {results['wall_time_s']:.1f} s")

    emit(summary(results, paths), as_json, render)
    missing = not_scored(results)
    if missing:
        typer.echo(f"error: not scored: {'; '.join(missing)}", err=True)
        raise typer.Exit(1)


def not_scored(results: dict[str, Any]) -> list[str]:
    """'checkpoint/task: why' for everything asked for that has no score (failures, unavailable tasks)."""
    out = [f"{f.get('checkpoint') or '-'}/{f.get('task') or '*'}: {str(f['error'])[:300]}"
           for f in results["failures"]]
    out += [f"*/{t}: {why}" for t, why in results["unavailable"].items()]
    return out


@eval_app.command("convert-safetensors")
def convert_cmd(
    checkpoint: Path = typer.Argument(..., help="Checkpoint folder with pytorch_model.bin (or *.pt/*.pth) weights."),
    out: Path = typer.Option(None, "--out", help="New folder (default: CHECKPOINT-safetensors)."),
    as_json: bool = json_option("Print JSON: {checkpoint, out}."),
) -> None:
    """Convert pickle weights to model.safetensors; the unpickling runs in the bubblewrap sandbox."""
    from babylm.evaluation.sandbox.convert import convert_to_safetensors

    dst = convert_to_safetensors(checkpoint, out)
    emit({"checkpoint": str(checkpoint), "out": str(dst)}, as_json,
         lambda console: console.print(f"wrote {dst / 'model.safetensors'} (configs and tokenizer copied)"))


cli_extra.add_commands(eval_app)


def register(app: typer.Typer) -> None:
    """Add `babylm eval ...` and `babylm tasks ...` to the command tree."""
    app.add_typer(eval_app, name="eval")
    app.add_typer(cli_tasks.tasks_app, name="tasks")
