"""`babylm tasks list`: the task registry, and which track boards require each task."""

from typing import Any

import typer

from babylm.cli_options import Edition, TrackName, edition_option, json_option, track_option
from babylm.output import emit

tasks_app = typer.Typer(name="tasks", help="The evaluation tasks (built-in and from plugins).", no_args_is_help=True)

NOT_REGISTERED = "not a registered task: babylm has no zero-shot scorer for it"


def board_status(name: str, sets: Any) -> str | None:
    """"required", "optional" or None: how a track's task sets hold `name`."""
    if name in sets.required:
        return "required"
    return "optional" if name in sets.optional else None


def task_rows(edition: int | None = None, track: str | None = None) -> list[dict[str, Any]]:
    """One row per task: its spec's metadata and {track key: required/optional}. With `track`, only
    that board's tasks (registered or not), each with its "board" status."""
    from babylm.evaluation.registry import task_sets, tasks
    from babylm.tracks.rules import all_tracks, resolve_track

    specs = tasks()
    boards = [t for t in all_tracks() if edition is None or t.edition == edition]
    board = task_sets(resolve_track(track, edition)) if track else None
    names = list(board.all) if board is not None else sorted(specs)
    rows = []
    for name in names:
        spec = specs.get(name)
        row: dict[str, Any] = {"name": name, "registered": spec is not None}
        if spec is not None:
            row.update(category=spec.category, metric=spec.metric, unit=spec.unit, chance=spec.chance,
                       higher_is_better=spec.higher_is_better, splits=list(spec.splits), version=spec.version,
                       description=spec.description)
        else:
            row["description"] = NOT_REGISTERED
        if board is not None:
            row["board"] = board_status(name, board)
        row["tracks"] = {t.key: s for t in boards if (s := board_status(name, task_sets(t)))}
        rows.append(row)
    return rows


def _tracks_cell(tracks: dict[str, str]) -> str:
    """"3 req, 2 opt": how many track boards require the task or list it as optional (--json has the keys)."""
    values = list(tracks.values())
    parts = [f"{values.count(s)} {s[:3]}" for s in ("required", "optional") if s in values]
    return ", ".join(parts) or "-"


def _cells(r: dict[str, Any], with_board: bool) -> list[str]:
    chance = r.get("chance")
    unit = r.get("unit", "-") + {True: " ↑", False: " ↓"}.get(r.get("higher_is_better"), "")
    return [r["name"], *([r.get("board") or "-"] if with_board else []), r.get("category", "-"),
            f"{r.get('metric', '-')} ({unit})", "-" if chance is None else f"{chance:g}",
            ",".join(r.get("splits", [])) or "-", r.get("version", "-"), _tracks_cell(r["tracks"]), r["description"]]


def render_rows(console: Any, rows: list[dict[str, Any]], title: str) -> None:
    """The rows as a table: the unit's arrow says whether higher is better."""
    from rich.table import Table

    table = Table(title=title)
    with_board = any("board" in r for r in rows)
    for col in ("task", *(["board"] if with_board else []), "category", "metric (unit)", "chance", "splits", "v",
                "tracks"):
        table.add_column(col, no_wrap=True)
    table.add_column("description", ratio=1, min_width=20)
    for r in rows:
        table.add_row(*_cells(r, with_board))
    console.print(table)


@tasks_app.command("list")
def list_cmd(
    edition: Edition | None = edition_option(None, help="Only this edition's tracks (default: every edition)."),
    track: TrackName | None = track_option(None, help="Only this track's board: its required and optional tasks."),
    as_json: bool = json_option("Print a JSON list of objects: name, registered, category, metric, unit, "
                                "chance, higher_is_better, splits, version, description, tracks "
                                "{track key: required|optional}, and board (with --track)."),
) -> None:
    """List the evaluation tasks: metric, unit, chance level, splits, version, and which tracks need them."""
    from babylm.tracks.rules import DEFAULT_EDITION

    rows = task_rows(None if edition is None else int(edition), track)
    board = f" of {edition or DEFAULT_EDITION}/{track}" if track else ""
    emit(rows, as_json, lambda console: render_rows(console, rows, f"evaluation tasks{board}"))
