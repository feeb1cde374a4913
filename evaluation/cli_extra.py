"""`babylm eval finetune|export-lm-eval|lm-eval`: GLUE fine-tuning and the lm-eval bridge."""

from pathlib import Path
from typing import Any

import typer

from babylm.cli_options import eval_data_option, json_option
from babylm.evaluation.cli_choices import SplitChoice
from babylm.output import emit


def _names(tasks: str | None) -> list[str] | None:
    return [t.strip() for t in tasks.split(",")] if tasks else None


def export_cmd(
    out_dir: Path = typer.Argument(..., help="Folder to write the lm-eval task YAML into."),
    eval_data: Path = eval_data_option(),
    split: SplitChoice = typer.Option("fast", help="Which split's data the YAML points at."),
    tasks: str = typer.Option(None, help="Comma-separated task names (default: every multiple-choice task)."),
    as_json: bool = json_option("Print JSON: out_dir, groups, tasks, skipped."),
) -> None:
    """Write our tasks as lm-eval task YAML: `lm-eval run --include_path DIR --tasks babylm_blimp_fast`.

    One lm-eval task per sub-task and one group per task (macro-average of its sub-tasks). BLiMP-style
    tasks point at the data files by absolute path; the others (EWoK, entity tracking, ...) are
    loaded in memory through babylm, so zipped data is never extracted to disk.
    """
    from babylm.evaluation.data_root import require_data_root
    from babylm.evaluation.lm_eval_bridge import export_lm_eval

    report = export_lm_eval(out_dir, require_data_root(eval_data), tasks=_names(tasks), split=split)
    data_out = {"out_dir": report.out_dir, "groups": report.groups, "tasks": report.tasks, "skipped": report.skipped}

    def render(console: Any) -> None:
        console.print(f"wrote {len(report.tasks)} lm-eval tasks in {len(report.groups)} groups to {out_dir}")
        for g in report.groups:
            console.print(f"  [green]{g}[/]")
        for name, why in report.skipped.items():
            console.print(f"  [dim]skipped {name}: {why}[/]")
        groups = ",".join(report.groups) or "babylm_blimp_fast"
        console.print(f"run: lm-eval run --model hf --model_args pretrained=MODEL --include_path {out_dir} "
                      f"--tasks {groups}")

    emit(data_out, as_json, render)


def lm_eval_cmd(ctx: typer.Context) -> None:
    """lm-eval's own command line with babylm's scorers registered as `--model babylm`.

    Example: babylm eval lm-eval run --model babylm --model_args pretrained=RUN/chck_10M,backend=mlm
    --include_path LMEVAL_DIR --tasks babylm_blimp_fast
    """
    import sys

    from lm_eval.__main__ import cli_evaluate

    import babylm.evaluation.lm_eval_bridge  # noqa: F401  registers --model babylm

    sys.argv = ["lm-eval", *ctx.args]
    cli_evaluate()


def finetune_cmd(
    model: Path = typer.Argument(..., help="Final checkpoint folder (safetensors + tokenizer)."),
    eval_data: Path = eval_data_option("Evaluation data folder holding full_eval/glue_filtered/."),
    tasks: str = typer.Option(None, help="Comma-separated GLUE tasks (default: all with train+valid data)."),
    epochs: int = typer.Option(None, help="Override the official epochs (smoke runs only)."),
    max_train: int = typer.Option(None, help="Use only the first N training examples (smoke runs only)."),
    out: Path = typer.Option(None, help="Write the results JSON here."),
    as_json: bool = json_option("Print JSON: {task: result} (score, f1, n_items, ...)."),
) -> None:
    """Fine-tune on the GLUE subset with the official hyper-parameters; accuracy on each valid split."""
    from babylm.evaluation.data_root import require_data_root
    from babylm.evaluation.tasks.glue import FinetuneConfig, finetune_all

    results = finetune_all(model, require_data_root(eval_data), _names(tasks),
                           FinetuneConfig(epochs=epochs, max_train=max_train))
    if out:
        from babylm.io import atomic_write_json

        atomic_write_json(out, results, newline=False)
    summary = {k: {kk: v.get(kk) for kk in ("score", "f1", "n_items", "train_examples", "error")}
               for k, v in results.items()}

    def render(console: Any) -> None:
        from rich.table import Table

        table = Table(title="GLUE (fine-tuned)" + (" [smoke settings]" if epochs or max_train else ""))
        for col in ("task", "accuracy", "F1", "valid items", "train examples", "error"):
            table.add_column(col)
        for k, v in summary.items():
            table.add_row(k, "" if v["score"] is None else f"{v['score']:.3f}",
                          "" if v["f1"] is None else f"{v['f1']:.3f}", str(v["n_items"] or ""),
                          str(v["train_examples"] or ""), v["error"] or "")
        console.print(table)

    emit(summary, as_json, render)


def add_commands(group: typer.Typer) -> None:
    """Put these commands in the `eval` group."""
    group.command("finetune")(finetune_cmd)
    group.command("export-lm-eval")(export_cmd)
    group.command("lm-eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                  add_help_option=False)(lm_eval_cmd)
