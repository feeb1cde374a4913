"""CLI of the tracks part: `babylm tracks list`, and the `data`, `model` and `ledger` groups.

Each group keeps its commands in its own module (cli_data, cli_train + cli_flops, cli_ledger);
`register(app)` mounts the four groups on the `babylm` app.
"""

from __future__ import annotations

from typing import Any

import typer

from babylm.cli_options import Edition, edition_option, json_option
from babylm.output import emit

tracks_app = typer.Typer(help="The tracks of each edition and their rules.", no_args_is_help=True)


def _fmt_words(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000:,}M"
    return f"{n:,}"


def _track_dict(t: Any) -> dict[str, Any]:
    return {
        "edition": t.edition, "name": t.name, "word_budget": t.word_budget, "exposure_cap": t.exposure_cap,
        "checkpoints": list(t.checkpoint_names), "schedule": list(t.schedule), "modalities": list(t.modalities),
        "teacher_allowlist": list(t.teacher_allowlist), "teacher_max_params_any": t.teacher_max_params_any,
        "student_generation_cap": t.student_generation_cap, "teacher_words_count": t.teacher_words_count,
        "languages": list(t.languages), "notes": t.notes,
    }


def _teacher(t: Any) -> str:
    if not t.allows_teacher:
        return "-"
    teacher = f"{len(t.teacher_allowlist)} listed"
    if t.teacher_max_params_any:
        teacher += f" or any < {t.teacher_max_params_any / 1e9:g}B params"
    return teacher


@tracks_app.command("list")
def list_cmd(
    edition: Edition | None = edition_option(None, help="Only this edition."),
    as_json: bool = json_option("Print JSON: a list of track objects."),
) -> None:
    """List the tracks of each edition: word budget, exposure cap, checkpoints, teacher rules.

    JSON keys per track: edition, name, word_budget, exposure_cap, checkpoints (names),
    schedule (words), modalities, teacher_allowlist, teacher_max_params_any,
    student_generation_cap, teacher_words_count, languages, notes.
    """
    from babylm.tracks.rules import all_tracks

    rows = [t for t in all_tracks() if edition is None or t.edition == int(edition)]

    def render(console: Any) -> None:
        from rich.table import Table

        table = Table(title="BabyLM tracks")
        for col in ("edition", "track", "word budget", "exposure cap", "checkpoints", "teacher", "gen cap", "notes"):
            table.add_column(col)
        for t in rows:
            table.add_row(
                str(t.edition), t.name, _fmt_words(t.word_budget), _fmt_words(t.exposure_cap),
                f"{len(t.schedule)} ({t.checkpoint_names[0]}..{t.checkpoint_names[-1]})",
                _teacher(t), _fmt_words(t.student_generation_cap), t.notes,
            )
        console.print(table)

    emit([_track_dict(t) for t in rows], as_json, render)


def register(app: typer.Typer) -> None:
    from babylm.tracks.cli_data import data_app
    from babylm.tracks.cli_flops import flops_cmd
    from babylm.tracks.cli_ledger import ledger_app
    from babylm.tracks.cli_train import model_app

    model_app.command("flops")(flops_cmd)
    app.add_typer(tracks_app, name="tracks")
    app.add_typer(data_app, name="data")
    app.add_typer(model_app, name="model")
    app.add_typer(ledger_app, name="ledger")
