"""The options every command shares, spelled once: --edition/--track/--scale, --eval-data, --store, --json.

A command declares `edition: Edition = edition_option()`, `track: TrackName = track_option()` (and so on) and turns the three track options into
a `Track` with `track_from_options`; the choices shown in --help come from the registries (typer shows a `Literal` annotation as choices).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import typer

from babylm.tracks.rules import DEFAULT_EDITION, Track, editions, resolve_track, track_names


def literal(values: Sequence[str]) -> Any:
    """A `Literal[...]` type of `values`: as a parameter's annotation, typer shows the choices in --help
    as [a|b|c] and refuses anything else (exit 2)."""
    return Literal[tuple(values)]  # type: ignore[valid-type]


# Annotate `edition: Edition = edition_option()`, `track: TrackName = track_option()`.
Edition = literal([str(e) for e in editions()])
TrackName = literal(track_names())


def edition_option(default: int | None = DEFAULT_EDITION, help: str = "Edition of the rules.") -> Any:
    return typer.Option(None if default is None else str(default), "--edition", help=help,
                        show_default=default is not None)


def track_option(default: str | None = "strict-small", help: str = "Track whose rules apply.") -> Any:
    return typer.Option(default, "--track", help=help, show_default=default is not None)


def scale_option(help: str = "Shrink budget, cap and schedule for demos and tests, e.g. 1/100 (1 = the real rules).",
                 default: str = "1") -> Any:
    return typer.Option(default, "--scale", help=help)


def eval_data_option(help: str = "Evaluation data folder (the official evaluation_data/ layout).") -> Any:
    return typer.Option(None, "--eval-data", help=help, file_okay=False)


def store_option(default: str | None = None, help: str = "Results store: sqlite:///x.db, a file path, or "
                 "postgresql://user@host/db.") -> Any:
    return typer.Option(default, "--store", help=help, show_default=default is not None)


def json_option(help: str = "Print JSON instead of a table.") -> Any:
    return typer.Option(False, "--json", help=help)


def track_from_options(edition: int | str | None, track: str, scale: str | None = None) -> Track:
    """The Track for --edition/--track/--scale (a user error names the known tracks)."""
    return resolve_track(track, None if edition is None else int(edition), scale)


def existing_dir(path: Path | None, what: str) -> Path | None:
    """`path` when it is a folder; a user error naming `what` otherwise (None stays None)."""
    from babylm.errors import BabyLMError

    if path is not None and not path.is_dir():
        raise BabyLMError(f"{what} folder not found: {path}")
    return path
