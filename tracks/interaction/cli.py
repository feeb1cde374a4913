"""`babylm interact run` (run or resume a protocol in rounds, inside the track's word budget) and
`babylm interact verify` (check a run folder)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from babylm.cli_options import (
    Edition,
    TrackName,
    edition_option,
    json_option,
    literal,
    scale_option,
    track_option,
)
from babylm.errors import BabyLMError
from babylm.io import JSONReadError, parse_json
from babylm.output import emit
from babylm.tracks.interaction.protocols import protocol_modules
from babylm.tracks.rules import DEFAULT_EDITION, Track, resolve_track

if TYPE_CHECKING:
    from babylm.tracks.interaction.teachers import Teacher

Protocol = literal(protocol_modules())
Device = literal(["cpu", "cuda"])
interact_app = typer.Typer(help="Interaction track: run a protocol in rounds inside the word budget, verify a run.",
                           no_args_is_help=True)


def parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """KEY=VALUE pairs -> dict; values are parsed as JSON when they parse (numbers, lists, true), else text."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise BabyLMError(f"--option {pair!r} is not KEY=VALUE", hint="e.g. --option windows_per_round=16")
        key, raw = pair.split("=", 1)
        try:
            out[key.strip()] = parse_json(raw, where=f"--option {key}")
        except JSONReadError:
            out[key.strip()] = raw
    return out


def run_interaction(
    protocol: str,
    out: Path,
    *,
    rounds: int = 2,
    track: str = "interaction",
    edition: int | None = DEFAULT_EDITION,
    scale: str = "1",
    teacher: str = "scripted",
    teacher_model: str | None = None,
    teacher_params: int | None = None,
    chat: bool = False,
    variant: str = "default",
    seed: int = 0,
    rewards_as_words: bool = False,
    options: dict[str, Any] | None = None,
    progress: bool = True,
    plot: bool = True,
    device: str = "cpu",
) -> dict[str, Any]:
    """Open (or resume) the run folder, build teacher and protocol, run the rounds; returns a report dict."""
    from babylm.tracks.interaction.protocols.driver import RoundDriver, get_protocol, open_run

    tr = resolve_track(track, edition, scale)
    factory = get_protocol(protocol)
    t = _teacher(teacher, tr, model=teacher_model, n_params=teacher_params, seed=seed, chat=chat, device=device)
    opts = dict(options or {})
    fresh = not (Path(out) / "interaction.json").exists()
    run = open_run(out, protocol=protocol, track=tr, teacher=t, seed=seed, variant=variant,
                   rewards_as_words=rewards_as_words, options=opts, n_rounds=rounds, device=device)
    try:
        proto = factory(run, **opts)
    except (TypeError, BabyLMError) as exc:
        run.log.close()
        if fresh:  # leave no half-made run behind, so the corrected command starts clean
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        if isinstance(exc, BabyLMError):
            raise
        raise BabyLMError(f"bad --option for protocol {protocol}: {exc}") from None
    try:
        summary = RoundDriver(proto, out, rounds, progress=progress).run()
    finally:
        run.log.close()
    return {
        "run_dir": str(out),
        "protocol": protocol,
        "track": tr.key,
        "scale": str(tr.scale),
        "teacher": t.model_id,
        "rounds": summary["rounds"],
        "metric": summary["metric"],
        "variants": summary["variants"],
        "ledger": summary["ledger"],
        "episodes": str(Path(out) / "episodes.jsonl"),
        "plot": _plot(summary, Path(out)) if plot else None,
    }


def _teacher(spec: str, track: Track, *, model: str | None, n_params: int | None, seed: int, chat: bool,
             device: str) -> Teacher:
    """The run's teacher, checked against the track's allow-list; a remote or scripted one before the
    device check and any heavy import, a local one (which loads onto the device) after it."""
    from babylm.tracks.interaction.teachers import check_teacher_allowed, make_teacher

    local = spec.startswith("local:")
    if local:
        _check_device(device)
    t = make_teacher(spec, model=model, seed=seed, chat=chat, **({"device": device} if local else {}))
    if n_params is not None:
        t.n_params = n_params
    if not local:
        check_teacher_allowed(t.model_id, track, t.n_params)
        _check_device(device)
    return t


def _check_device(device: str) -> None:
    import torch

    try:
        dev = torch.device(device)
    except RuntimeError:
        raise BabyLMError(f"--device {device!r} is not a torch device", hint="use cpu or cuda") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise BabyLMError(f"--device {device}: no CUDA GPU is visible here", hint="use --device cpu")


def _plot(summary: dict[str, Any], out: Path) -> str | None:
    """RUN/summary.png: the primary metric per round per variant (when the plots module is present)."""
    from babylm.tracks.interaction.plots import plot_series

    if not any(v is not None for vals in summary["variants"].values() for v in vals):
        return None
    png = plot_series(summary["variants"], out / "summary.png", ylabel=summary["metric"], percent=False,
                      title=f"{summary['protocol']}: {summary['metric']} per round")
    return str(png)


@interact_app.command("run")
def interact_run(
    protocol: Protocol = typer.Option(..., help="Interaction protocol."),
    out: Path = typer.Option(..., help="Run folder (created; an existing run there is resumed)."),
    rounds: int = typer.Option(2, help="Number of rounds (round 0 first)."),
    edition: Edition = edition_option(),
    track: TrackName = track_option("interaction", help="Track whose rules apply (its teacher allow-list too)."),
    scale: str = scale_option(),
    teacher: str = typer.Option("scripted", help="scripted, local:PATH (HF folder) or http://HOST:PORT."),
    teacher_model: str = typer.Option(None, help="Model id served by an HTTP teacher (checked on the allow-list)."),
    teacher_params: int = typer.Option(None, help="Declared parameter count of the teacher (the under-1B rule)."),
    chat: bool = typer.Option(False, help="HTTP teacher: use /v1/chat/completions instead of /v1/completions."),
    variant: str = typer.Option("default", help="Protocol variant (e.g. binary-sup for respect)."),
    seed: int = typer.Option(0, help="Seed for corpus, sampling and training."),
    rewards_as_words: bool = typer.Option(
        False, "--rewards-as-words/--no-rewards-as-words",
        help="Charge reward text (e.g. the teacher's raw score) to the input budget.",
    ),
    option: list[str] = typer.Option(None, help="Protocol option KEY=VALUE (repeatable)."),
    device: Device = typer.Option("cpu", help="Where the student and a local teacher run."),
    as_json: bool = json_option("Print one JSON document (keys below)."),
) -> None:
    """Run an interaction protocol in rounds: deploy, log, decode, aggregate, train, evaluate.

    Every string shown to the student is charged to the word ledger; a charge that would cross the
    input budget or the generation cap stops the run cleanly (exit 2; log and checkpoints kept).
    Re-running the same command resumes after a crash. JSON keys: run_dir, protocol, track, scale,
    teacher, rounds, metric, variants (variant -> list of the metric per round), ledger (word totals by
    source, input, words_seen, caps, checkpoints), episodes (path of the episode log), plot (path of
    RUN/summary.png, the metric per round per variant, or null).
    """
    from babylm.output import scaled_banner

    frac_note = None if scale in ("1", "1/1") else scaled_banner(scale)
    if frac_note and not as_json:
        from babylm.output import console

        console.print(frac_note)
    report = run_interaction(
        protocol, out, rounds=rounds, track=track, edition=int(edition), scale=scale, teacher=teacher,
        teacher_model=teacher_model, teacher_params=teacher_params, chat=chat, variant=variant, seed=seed,
        rewards_as_words=rewards_as_words, options=parse_options(option), progress=not as_json, device=device,
    )
    emit(report, as_json, lambda console: _render_run(console, report))


def _render_run(console: Any, report: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"{report['protocol']} on {report['track']} ({report['metric']} per round)")
    table.add_column("variant")
    for r in range(report["rounds"]):
        table.add_column(f"round {r}", justify="right")
    for v, vals in report["variants"].items():
        table.add_row(v, *["-" if x is None else f"{x:.4g}" for x in vals])
    console.print(table)
    led = report["ledger"]
    gen_cap = "-" if led["generation_cap"] is None else f"{led['generation_cap']:,}"
    console.print(
        f"words: input {led['input']:,} / {led['word_budget']:,} (corpus {led['corpus']:,}, teacher "
        f"{led['teacher_visible']:,}, reward {led['reward']:,}); student generated "
        f"{led['student_generated']:,} / {gen_cap}; seen {led['words_seen']:,}; "
        f"checkpoints {', '.join(led['checkpoints']) or 'none'}"
    )
    console.print(f"run folder: {report['run_dir']}")


@interact_app.command("options")
def interact_options(
    protocol: Protocol = typer.Argument(..., help="Interaction protocol."),
    as_json: bool = json_option("Print JSON: [{name, type, default, description}]."),
) -> None:
    """List a protocol's --option KEY=VALUE settings with their types and defaults."""
    from babylm.tracks.interaction.protocols.driver import get_protocol
    from babylm.tracks.interaction.protocols.options import describe

    model = getattr(get_protocol(protocol), "options_model", None)
    rows = describe(model) if model is not None else []

    def render(console: Any) -> None:
        from rich.table import Table

        table = Table(title=f"--option settings of {protocol}")
        for col in ("name", "type", "default", "description"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["name"], r["type"], repr(r["default"]), r["description"])
        console.print(table)

    emit(rows, as_json, render)


@interact_app.command("verify")
def interact_verify(
    run_dir: Path = typer.Argument(..., help="An interaction run folder (the --out of `babylm interact run`)."),
    as_json: bool = json_option("Print JSON: run_dir, ok, checks [{name, ok, detail}], counts (words by source), "
                                "turns."),
) -> None:
    """Check an interaction run: episode log = word ledger, hash chain intact, budget and cap respected.

    Exits 1 when a check fails.
    """
    from babylm.tracks.interaction.accounting.verify import verify_run

    rep = verify_run(run_dir)

    def render(console: Any) -> None:
        for c in rep.checks:
            mark = "[green]ok[/]" if c.ok else "[bold red]FAIL[/]"
            console.print(f"{mark}  {c.name}: {c.detail}", markup=True, highlight=False)
        console.print(f"{'all checks passed' if rep.ok else 'checks failed'} ({rep.turns} turns)")

    emit(rep.to_dict(), as_json, render)
    if not rep.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `interact` group (run, verify) to the babylm CLI."""
    app.add_typer(interact_app, name="interact")
