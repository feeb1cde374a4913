"""CLI of the submissions part: `babylm submission init | validate | score`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import typer

from babylm.cli_options import eval_data_option, json_option, store_option
from babylm.evaluation.cli_choices import BackendChoice, CompatChoice
from babylm.output import emit

ExecutorChoice = Literal["inprocess", "ray"]

submission_app = typer.Typer(help="Make, validate and score submission bundles.", no_args_is_help=True)


@submission_app.command("init")
def init_cmd(
    run: Path = typer.Argument(..., help="Training run folder (the --out of `babylm model train`) or interaction "
                               "run folder (the --out of `babylm interact run`)."),
    team: str = typer.Option(..., help="Team name."),
    model: str = typer.Option(..., help="Model name."),
    out: Path = typer.Option(..., help="Bundle folder to create."),
    results: Path = typer.Option(None, help="Evaluation output folder (results.json + official predictions)."),
    backend: BackendChoice = typer.Option("causal", help="How the model is scored."),
    teacher: str = typer.Option(None, help="Teacher model id (interaction); overrides run.json."),
    teacher_params: int = typer.Option(None, help="Teacher parameter count."),
    teacher_words: int = typer.Option(None, help="Words the student read from the teacher."),
    overwrite: bool = typer.Option(False, help="Replace an existing bundle folder."),
    as_json: bool = json_option("Print JSON: {bundle, submission} (the manifest)."),
) -> None:
    """Scaffold a submission bundle from a training run and its evaluation results, or from an interaction run.

    An interaction run must pass `babylm interact verify`; its episode log, word ledger, summary and plots go
    to BUNDLE/interaction/ (docs/formats.md, "Interaction bundles"). --results is optional for simpo/reinforce
    runs and refused for respect/cogen runs (their student is no language model).
    """
    from babylm.errors import BabyLMError
    from babylm.submissions.bundle import init_bundle
    from babylm.submissions.formats import read_manifest

    t = None
    if teacher:
        if teacher_words is None:
            raise BabyLMError("--teacher needs --teacher-words", "give the words the student read from the teacher")
        t = {"model_id": teacher, "n_params": teacher_params, "words": teacher_words}
    path = init_bundle(run, team=team, model=model, out=out, results_dir=results, backend=str(backend), teacher=t,
                       overwrite=overwrite)
    emit({"bundle": str(path), "submission": read_manifest(path).to_doc()}, as_json,
         lambda c: c.print(f"[green]bundle written:[/] {path}\nnext: babylm submission validate {path}"))


@submission_app.command("validate")
def validate_cmd(
    bundle: Path = typer.Argument(..., help="Bundle folder, .zip or .tar.gz."),
    allow_scaled: bool = typer.Option(False, help="Accept a scaled (demo) entry with a warning."),
    load: bool = typer.Option(True, "--load/--no-load", help="Also load every checkpoint (safely, in a child process)."),
    eval_data: Path = eval_data_option("Official evaluation data, to check item counts per sub-task."),
    timeout: float = typer.Option(120.0, help="Seconds allowed to load one checkpoint."),
    workdir: Path = typer.Option(None, help="Where to extract an archive (default: a temporary folder)."),
    as_json: bool = json_option("Print JSON: format, ok, submission_id, n_errors, n_warnings, "
                                "findings[{severity, code, message, fix, where}], summary."),
) -> None:
    """Check a submission bundle before you submit it; exits 1 when it has errors. Runs no bundle code."""
    from dataclasses import replace

    from babylm.submissions.safe_load import DEFAULT_LIMITS
    from babylm.submissions.validate import render_report, validate_bundle

    rep = validate_bundle(bundle, allow_scaled=allow_scaled, load=load, data_root=eval_data, workdir=workdir,
                          limits=replace(DEFAULT_LIMITS, load_timeout_s=timeout), progress=not as_json)
    rep.cleanup()
    emit(rep.to_dict(), as_json, lambda c: render_report(rep, c))
    if not rep.ok:
        raise typer.Exit(1)


@submission_app.command("score")
def score_cmd(
    bundles: list[Path] = typer.Argument(..., help="Bundle folders, .zip or .tar.gz (several: one job pool)."),
    store: str = store_option(...),
    eval_data: Path = eval_data_option("Organizers' evaluation data with gold labels (may hold unseen items)."),
    executor: ExecutorChoice = typer.Option("inprocess", help="Where the jobs run."),
    address: str = typer.Option(None, help="Ray cluster address (default: start a local instance)."),
    num_cpus: int = typer.Option(None, help="CPUs of a local Ray instance (default 2)."),
    gpus_per_job: float = typer.Option(0.0, help="GPUs each Ray job asks for."),
    job_timeout: float = typer.Option(None, help="Seconds one job may run; past it the job is killed and "
                                      "reported as failed (default: no deadline)."),
    job_memory_mb: int = typer.Option(None, help="Address space of each job's child process, in MB "
                                      "(default: no limit)."),
    sample: int = typer.Option(2, help="Checkpoints to re-evaluate (random, seeded by the submission)."),
    seed: int = typer.Option(0, help="Seed of the checkpoint sample."),
    tolerance: float = typer.Option(0.01, help="Largest allowed |claimed - re-evaluated| task score."),
    compat: CompatChoice = typer.Option("babylm", help="How the organizers score: babylm (ties 0.5) or official."),
    allow_scaled: bool = typer.Option(False, help="Accept a scaled (demo) entry."),
    load: bool = typer.Option(True, "--load/--no-load", help="Load every checkpoint while validating."),
    plugin: list[str] = typer.Option(None, help="'module:function' to call first (registers extra tasks)."),
    reeval_task: list[str] = typer.Option(None, help="Re-evaluate only these tasks (repeatable; default all)."),
    workdir: Path = typer.Option(None, help="Where to extract an archive."),
    as_json: bool = json_option("Print JSON: per bundle {submission_id, store, valid, jobs_total, jobs_run, "
                                "jobs_skipped, rows_inserted, flags_added, flags, failures, sampled_checkpoints, "
                                "executor, nodes}; one object for one bundle, a list for several."),
) -> None:
    """Organizers: validate bundles, score them against gold, re-evaluate a sample, write the store."""
    from babylm.submissions.score import score_bundle, score_bundles

    opts: dict[str, Any] = dict(
        gold=eval_data, executor=str(executor), address=address, num_cpus=num_cpus, gpus_per_job=gpus_per_job,
        sample=sample, seed=seed, tolerance=tolerance, allow_scaled=allow_scaled, load=load, workdir=workdir,
        plugins=plugin or [], progress=not as_json, reeval_tasks=reeval_task or None, compat=str(compat),
        job_timeout_s=job_timeout, job_memory_mb=job_memory_mb)
    if len(bundles) == 1:  # an invalid bundle is a user error (exit 2)
        summaries = [score_bundle(bundles[0], store, **opts)]
    else:
        summaries = score_bundles(bundles, store, **opts)
    docs = [s.to_dict() for s in summaries]
    emit(docs[0] if len(docs) == 1 else docs, as_json, lambda c: _render_scores(summaries, c))
    if any(s.failures or not s.valid for s in summaries):
        raise typer.Exit(1)


def _render_scores(summaries: list[Any], c: Any) -> None:
    from babylm.output import inert  # flags and failures quote bundle text: shown inert

    for s in summaries:
        c.print(f"[bold]{inert(s.submission_id or '(invalid bundle)')}[/] -> {inert(s.store)}")
        if s.valid:
            c.print(f"jobs: {s.jobs_run} run, {s.jobs_skipped} already stored, {len(s.failures)} failed; "
                    f"{s.rows_inserted} new score rows; re-evaluated: {inert(', '.join(s.sampled_checkpoints) or '-')}")
        for f in s.flags:
            c.print(f"[yellow]flag[/] {inert(f.get('checkpoint') or '')}/{inert(f.get('task') or '')}: "
                    f"{inert(f['reason'])}")
        for f in s.failures:
            c.print(f"[red]failed[/] {inert(f['checkpoint'] or '')}/{inert(f['task'] or '')} ({inert(f['kind'])}): "
                    f"{inert(f['error'])}")


def register(app: typer.Typer) -> None:
    app.add_typer(submission_app, name="submission")
