"""`babylm leaderboard`: serve the Streamlit leaderboard on a results store (and seed a synthetic one)."""

from __future__ import annotations

from pathlib import Path

import typer

from babylm.errors import BabyLMError

DEFAULT_STORE = "leaderboard.sqlite"


def register(app: typer.Typer) -> None:
    @app.command("leaderboard")
    def leaderboard(
        store: str = typer.Option(DEFAULT_STORE, "--store", help="Results store: sqlite:///x.db, a file path, or "
                                  "postgresql://user@host/db."),
        port: int = typer.Option(8501, help="Port for the app."),
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 to publish)."),
        seed_demo: bool = typer.Option(False, "--seed-demo", help="First fill the store with a SYNTHETIC field "
                                       "(marked as such) for trying the app."),
        n: int = typer.Option(40, "--n", min=1, help="Synthetic submissions to create with --seed-demo."),
        edition: int = typer.Option(2025, help="Edition of the board for --seed-demo and --table."),
        track: str = typer.Option("strict-small", help="Track of the board for --seed-demo and --table."),
        table: bool = typer.Option(False, "--table", help="Print the ranking of --edition/--track and exit "
                                   "(no app)."),
        limit: int = typer.Option(20, help="Rows to print with --table (JSON has all)."),
        as_json: bool = typer.Option(False, "--json", help="With --table: print the ranking as one JSON "
                                     "document {board, macro_tasks, notes, counts, entries[]}."),
    ) -> None:
        """Serve the leaderboard (Streamlit) on a results store; prints its URL, Ctrl-C stops it."""
        from babylm.leaderboard.store import Store, display_url, normalize_url
        from babylm.output import console, emit
        from babylm.tracks.rules import UnknownTrackError, get_track

        url = normalize_url(store)
        if seed_demo:
            try:
                get_track(track, edition)
            except UnknownTrackError as exc:
                raise BabyLMError(str(exc), "see `babylm tracks list` for the known tracks") from None
            from rich.progress import Progress

            from babylm.leaderboard.seed import seed_demo as do_seed

            s = Store(url)
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"seeding {n} synthetic submissions", total=n)
                counts = do_seed(s, n, edition=edition, track=track, progress=lambda k: bar.update(task, completed=k))
            if not as_json:
                console.print(f"seeded {counts['submissions']} SYNTHETIC submissions, {counts['scores']} new score "
                              f"rows into {display_url(url)}")
        else:
            s = Store(url, create=False)
        if table:
            from babylm.leaderboard.terminal import load_board, ranking_records, render_ranking

            board = load_board(s, edition, track)
            doc = {"board": f"{edition}/{track}", "store": display_url(url), "macro_tasks": list(board.macro_tasks),
                   "notes": board.notes, "counts": s.counts(), "entries": ranking_records(board)}
            emit(doc, as_json, lambda c: render_ranking(c, board, f"{edition}/{track} · {display_url(url)}", limit))
            return
        _serve(url, host, port)


def _serve(url: str, host: str, port: int) -> None:
    import tempfile

    from babylm.leaderboard.serve import start_app
    from babylm.leaderboard.store import display_url
    from babylm.output import console

    console.print("starting the leaderboard app …")
    log = Path(tempfile.gettempdir()) / f"babylm-leaderboard-{port}.log"
    app = start_app(url, host=host, port=port, log_path=log)
    console.print(f"[bold green]leaderboard:[/] {app.url}   (store {display_url(url)}; log {log}; Ctrl-C stops it)")
    app.serve_until_interrupted("stopping …")
