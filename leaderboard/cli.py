"""`babylm leaderboard serve|table|seed-demo`: the Streamlit app on a results store, its ranking in the
terminal, and a SYNTHETIC field for trying both."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from babylm.cli_options import Edition, TrackName, edition_option, json_option, store_option, track_option

if TYPE_CHECKING:  # pragma: no cover
    from babylm.leaderboard.store import Store

DEFAULT_STORE = "leaderboard.sqlite"

leaderboard_app = typer.Typer(help="Serve the leaderboard on a results store, print a board's ranking, "
                              "or seed a synthetic field.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(leaderboard_app, name="leaderboard")


def _open(store: str, *, create: bool = False) -> tuple[str, Store]:
    from babylm.leaderboard.store import Store, normalize_url

    url = normalize_url(store)
    return url, Store(url, create=create)


@leaderboard_app.command("serve")
def serve_cmd(
    store: str = store_option(DEFAULT_STORE),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 to publish)."),
    port: int = typer.Option(8501, "--port", help="Port for the app."),
) -> None:
    """Serve the leaderboard (Streamlit) on a results store; prints its URL, Ctrl-C stops it."""
    import tempfile

    from babylm.leaderboard.serve import start_app
    from babylm.leaderboard.store import display_url
    from babylm.output import console

    url, _ = _open(store)
    console.print("starting the leaderboard app …")
    log = Path(tempfile.gettempdir()) / f"babylm-leaderboard-{port}.log"
    app = start_app(url, host=host, port=port, log_path=log)
    console.print(f"[bold green]leaderboard:[/] {app.url}   (store {display_url(url)}; log {log}; Ctrl-C stops it)")
    app.serve_until_interrupted("stopping …")


@leaderboard_app.command("table")
def table_cmd(
    store: str = store_option(DEFAULT_STORE),
    edition: Edition = edition_option(help="Edition of the board."),
    track: TrackName = track_option("strict-small", help="Track of the board."),
    limit: int = typer.Option(20, "--limit", min=1, help="Rows to print (JSON has all)."),
    as_json: bool = json_option("Print the ranking as one JSON document {board, store, macro_tasks, notes, "
                                "counts, entries[]}."),
) -> None:
    """Print the ranking of one board (--edition/--track) of a results store."""
    from babylm.leaderboard.store import display_url
    from babylm.leaderboard.terminal import load_board, ranking_records, render_ranking
    from babylm.output import emit

    url, s = _open(store)
    edition = int(edition)
    board = load_board(s, edition, track)
    doc = {"board": f"{edition}/{track}", "store": display_url(url), "macro_tasks": list(board.macro_tasks),
           "notes": board.notes, "counts": s.counts(), "entries": ranking_records(board)}
    emit(doc, as_json, lambda c: render_ranking(c, board, f"{edition}/{track} · {display_url(url)}", limit))


@leaderboard_app.command("seed-demo")
def seed_demo_cmd(
    store: str = store_option(DEFAULT_STORE),
    n: int = typer.Option(40, "--n", min=1, help="Synthetic submissions to create."),
    edition: Edition = edition_option(help="Edition of the board to fill."),
    track: TrackName = track_option("strict-small", help="Track of the board to fill."),
) -> None:
    """Fill a results store with a SYNTHETIC field (marked as such) for trying the app; re-seeding adds nothing."""
    from rich.progress import Progress

    from babylm.cli_options import track_from_options
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import display_url
    from babylm.output import console

    tr = track_from_options(edition, track)  # an unknown (edition, track) is a user error before any write
    url, s = _open(store, create=True)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"seeding {n} synthetic submissions", total=n)
        counts = seed_demo(s, n, edition=tr.edition, track=tr.name, progress=lambda k: bar.update(task, completed=k))
    console.print(f"seeded {counts['submissions']} SYNTHETIC submissions, {counts['scores']} new score "
                  f"rows into {display_url(url)}")
