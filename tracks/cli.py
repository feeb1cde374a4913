"""CLI commands of the tracks part: `babylm tracks` (and, as they land, data/flops/ledger/train)."""

from __future__ import annotations

import typer

from babylm.output import emit


def _fmt_words(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000:,}M"
    return f"{n:,}"


# Each feature of the tracks part keeps its commands in its own module with a `register(app)`.
_FEATURES = ("babylm.tracks.cli_data", "babylm.tracks.cli_flops", "babylm.tracks.cli_train")


def register(app: typer.Typer) -> None:
    import importlib

    for mod in _FEATURES:
        try:
            importlib.import_module(mod).register(app)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise

    @app.command("tracks")
    def tracks_cmd(
        edition: int = typer.Option(None, help="Only this edition (2025, 2026)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON: a list of track objects."),
    ) -> None:
        """List the tracks of each edition: word budget, exposure cap, checkpoints, teacher rules.

        JSON keys per track: edition, name, word_budget, exposure_cap, checkpoints (names),
        schedule (words), modalities, teacher_allowlist, teacher_max_params_any,
        student_generation_cap, teacher_words_count, languages, notes.
        """
        from babylm.tracks.rules import all_tracks

        rows = [t for t in all_tracks() if edition is None or t.edition == edition]
        data = [
            {
                "edition": t.edition,
                "name": t.name,
                "word_budget": t.word_budget,
                "exposure_cap": t.exposure_cap,
                "checkpoints": list(t.checkpoint_names),
                "schedule": list(t.schedule),
                "modalities": list(t.modalities),
                "teacher_allowlist": list(t.teacher_allowlist),
                "teacher_max_params_any": t.teacher_max_params_any,
                "student_generation_cap": t.student_generation_cap,
                "teacher_words_count": t.teacher_words_count,
                "languages": list(t.languages),
                "notes": t.notes,
            }
            for t in rows
        ]

        def render(console) -> None:
            from rich.table import Table

            table = Table(title="BabyLM tracks")
            for col in ("edition", "track", "word budget", "exposure cap", "checkpoints", "teacher", "gen cap", "notes"):
                table.add_column(col)
            for t in rows:
                teacher = "-"
                if t.allows_teacher:
                    teacher = f"{len(t.teacher_allowlist)} listed"
                    if t.teacher_max_params_any:
                        teacher += f" or any < {t.teacher_max_params_any / 1e9:g}B params"
                table.add_row(
                    str(t.edition), t.name, _fmt_words(t.word_budget), _fmt_words(t.exposure_cap),
                    f"{len(t.schedule)} ({t.checkpoint_names[0]}..{t.checkpoint_names[-1]})",
                    teacher, _fmt_words(t.student_generation_cap), t.notes,
                )
            console.print(table)

        emit(data, as_json, render)
