"""Evaluation commands beyond `babylm evaluate`: GLUE fine-tuning and the lm-eval bridge."""

from __future__ import annotations

from pathlib import Path

import typer

from babylm.output import emit


def _default_data_root() -> Path | None:
    for cand in (Path("evaluation_data"), Path(__file__).resolve().parents[2] / "shared" / "data" / "babylm_eval_2025"):
        if cand.is_dir():
            return cand
    return None


def _data_root(data: Path | None) -> Path:
    from babylm.errors import BabyLMError

    root = data or _default_data_root()
    if root is None:
        raise BabyLMError("no evaluation data found", hint="pass --data PATH (the official evaluation_data/ folder)")
    return root


def register(app: typer.Typer) -> None:
    @app.command("export-lm-eval")
    def export_cmd(
        out_dir: Path = typer.Argument(..., help="Folder to write the lm-eval task YAML into."),
        data: Path = typer.Option(None, help="Evaluation data root (official evaluation_data/ layout)."),
        split: str = typer.Option("fast", help="fast or full."),
        tasks: str = typer.Option(None, help="Comma-separated task names (default: every multiple-choice task)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON: out_dir, groups, tasks, skipped."),
    ) -> None:
        """Write our tasks as lm-eval task YAML: `lm-eval run --include_path DIR --tasks babylm_blimp_fast`.

        One lm-eval task per sub-task and one group per task (macro-average of its sub-tasks). BLiMP-style
        tasks point at the data files by absolute path; the others (EWoK, entity tracking, ...) are
        loaded in memory through babylm, so zipped data is never extracted to disk.
        """
        from babylm.evaluation.lm_eval_bridge import export_lm_eval

        task_list = [t.strip() for t in tasks.split(",")] if tasks else None
        report = export_lm_eval(out_dir, _data_root(data), tasks=task_list, split=split)
        data_out = {"out_dir": report.out_dir, "groups": report.groups, "tasks": report.tasks,
                    "skipped": report.skipped}

        def render(console) -> None:
            console.print(f"wrote {len(report.tasks)} lm-eval tasks in {len(report.groups)} groups to {out_dir}")
            for g in report.groups:
                console.print(f"  [green]{g}[/]")
            for name, why in report.skipped.items():
                console.print(f"  [dim]skipped {name}: {why}[/]")
            groups = ",".join(report.groups) or "babylm_blimp_fast"
            console.print(f"run: lm-eval run --model hf --model_args pretrained=MODEL --include_path {out_dir} "
                          f"--tasks {groups}")

        emit(data_out, as_json, render)

    @app.command(
        "lm-eval",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )
    def lm_eval_cmd(ctx: typer.Context) -> None:
        """lm-eval's own command line with babylm's scorers registered as `--model babylm`.

        Example: babylm lm-eval run --model babylm --model_args pretrained=RUN/chck_10M,backend=mlm
        --include_path LMEVAL_DIR --tasks babylm_blimp_fast
        """
        import sys

        from lm_eval.__main__ import cli_evaluate

        import babylm.evaluation.lm_eval_bridge  # noqa: F401  registers --model babylm

        sys.argv = ["lm-eval", *ctx.args]
        cli_evaluate()

    @app.command("finetune")
    def finetune_cmd(
        model: Path = typer.Argument(..., help="Final checkpoint folder (safetensors + tokenizer)."),
        data: Path = typer.Option(None, help="Evaluation data root holding full_eval/glue_filtered/."),
        tasks: str = typer.Option(None, help="Comma-separated GLUE tasks (default: all with train+valid data)."),
        epochs: int = typer.Option(None, help="Override the official epochs (smoke runs only)."),
        max_train: int = typer.Option(None, help="Use only the first N training examples (smoke runs only)."),
        out: Path = typer.Option(None, help="Write the results JSON here."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON: {task: result} (score, f1, n_items, ...)."),
    ) -> None:
        """Fine-tune on the GLUE subset with the official hyper-parameters; accuracy on each valid split."""
        import json

        from babylm.errors import BabyLMError
        from babylm.evaluation.tasks.glue import FinetuneConfig, available_tasks, finetune_task

        root = _data_root(data)
        names = [t.strip() for t in tasks.split(",")] if tasks else available_tasks(root)
        if not names:
            raise BabyLMError(f"no GLUE task with both train and valid data under {root}")
        cfg = FinetuneConfig(epochs=epochs, max_train=max_train)
        results = {}
        for name in names:
            try:
                results[name] = finetune_task(model, name, root, cfg).to_dict()
            except BabyLMError as exc:  # one task failing must not lose the others
                results[name] = {"task": name, "error": str(exc)}
        if out:
            out.write_text(json.dumps(results, indent=2), encoding="utf-8")
        summary = {k: {kk: v.get(kk) for kk in ("score", "f1", "n_items", "train_examples", "error")}
                   for k, v in results.items()}

        def render(console) -> None:
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
