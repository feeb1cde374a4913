"""`babylm leaderboard serve|table|seed-demo`: the Streamlit app on a results store, its ranking in the
terminal, and a SYNTHETIC field for trying both; `flag|unflag|annotate|withdraw|restore|audit`: the
organizer console's actions for scripts (each logged in the store's audit log)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    lang: str | None = typer.Option(None, "--lang", help="Language board of a multilingual track (en, nl, zh)."),
) -> None:
    """Print the ranking of one board (--edition/--track, and --lang for the multilingual track) of a store."""
    from babylm.leaderboard.store import display_url
    from babylm.leaderboard.terminal import load_board, ranking_records, render_ranking
    from babylm.output import emit

    edition = int(edition)
    if lang is not None:
        from babylm.leaderboard.board_tasks import board_name
        from babylm.tracks.budgets import normalize_language
        from babylm.tracks.rules import resolve_track

        tr = resolve_track(track, edition)
        if not tr.language_tasks:
            from babylm.errors import BabyLMError

            raise BabyLMError(f"{tr.key} has one board, not one per language", hint="drop --lang")
        code = normalize_language(lang, [c for c, _ in tr.language_tasks])
        track = board_name(track, code)  # type: ignore[assignment]
    url, s = _open(store)
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


def _by_option() -> Any:
    return typer.Option(None, "--by", help="Who acts, for the audit log (default: your login name).")


def _actor(by: str | None) -> str:
    import getpass

    return by if by else getpass.getuser()


def _done(doc: dict[str, Any], as_json: bool, sentence: str) -> None:
    from babylm.output import emit, inert

    emit(doc, as_json, lambda c: c.print(inert(sentence)))


@leaderboard_app.command("flag")
def flag_cmd(
    submission_id: str = typer.Argument(..., help="The entry to flag."),
    reason: str = typer.Option(..., "--reason", help="Why (shown beside the entry; at most 500 characters)."),
    checkpoint: str = typer.Option(None, "--checkpoint", help="Flag one checkpoint only."),
    task: str = typer.Option(None, "--task", help="Flag one task only."),
    by: str = _by_option(),
    store: str = store_option(DEFAULT_STORE),
    as_json: bool = json_option("Print {submission_id, action, changed}."),
) -> None:
    """Organizers: flag an entry (flagged entries are hidden from the ranking unless asked for)."""
    _, s = _open(store)
    new = s.add_flag(submission_id=submission_id, reason=reason, by=_actor(by), checkpoint=checkpoint, task=task)
    _done({"submission_id": submission_id, "action": "flag", "changed": new}, as_json,
          f"flagged {submission_id}" if new else f"{submission_id} already had that flag")


@leaderboard_app.command("unflag")
def unflag_cmd(
    submission_id: str = typer.Argument(..., help="The entry to unflag."),
    reason: str = typer.Option(None, "--reason", help="Remove the flags with this reason (default: all)."),
    checkpoint: str = typer.Option(None, "--checkpoint", help="... on this checkpoint only ('' = whole entry)."),
    task: str = typer.Option(None, "--task", help="... on this task only ('' = all tasks)."),
    all_flags: bool = typer.Option(False, "--all", help="Remove every flag of the entry (when no --reason)."),
    by: str = _by_option(),
    store: str = store_option(DEFAULT_STORE),
    as_json: bool = json_option("Print {submission_id, action, removed}."),
) -> None:
    """Organizers: remove flags of an entry (each removal is audited)."""
    from babylm.errors import BabyLMError

    if reason is None and checkpoint is None and task is None and not all_flags:
        raise BabyLMError("say which flags to remove", "pass --reason (and --checkpoint/--task), or --all")
    _, s = _open(store)
    n = s.remove_flags(submission_id, by=_actor(by), reason=reason, checkpoint=checkpoint, task=task)
    _done({"submission_id": submission_id, "action": "unflag", "removed": n}, as_json,
          f"removed {n} flag(s) from {submission_id}")


@leaderboard_app.command("annotate")
def annotate_cmd(
    submission_id: str = typer.Argument(..., help="The entry to annotate."),
    note: str = typer.Option(..., "--note", help="The note (at most 2,000 characters)."),
    by: str = _by_option(),
    store: str = store_option(DEFAULT_STORE),
    as_json: bool = json_option("Print {submission_id, action, changed}."),
) -> None:
    """Organizers: add a note to an entry."""
    _, s = _open(store)
    s.add_note(submission_id, note, by=_actor(by))
    _done({"submission_id": submission_id, "action": "annotate", "changed": True}, as_json,
          f"note added to {submission_id}")


def _set_withdrawn(store: str, submission_id: str, withdrawn: bool, by: str, reason: str, as_json: bool) -> None:
    _, s = _open(store)
    changed = s.set_withdrawn(submission_id, withdrawn, by=_actor(by), reason=reason)
    action, done, already = ("withdraw", "withdrawn", "was already withdrawn") if withdrawn else (
        "restore", "restored", "was not withdrawn")
    _done({"submission_id": submission_id, "action": action, "changed": changed}, as_json,
          f"{submission_id} {done if changed else already}")


@leaderboard_app.command("withdraw")
def withdraw_cmd(
    submission_id: str = typer.Argument(..., help="The entry to withdraw."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
    by: str = _by_option(),
    store: str = store_option(DEFAULT_STORE),
    as_json: bool = json_option("Print {submission_id, action, changed}."),
) -> None:
    """Organizers: withdraw an entry: it leaves every public board and export, and stays in the store
    (`restore` brings it back)."""
    _set_withdrawn(store, submission_id, True, by, reason, as_json)


@leaderboard_app.command("restore")
def restore_cmd(
    submission_id: str = typer.Argument(..., help="The withdrawn entry to bring back."),
    reason: str = typer.Option("", "--reason", help="Why (kept in the audit log)."),
    by: str = _by_option(),
    store: str = store_option(DEFAULT_STORE),
    as_json: bool = json_option("Print {submission_id, action, changed}."),
) -> None:
    """Organizers: undo a withdrawal."""
    _set_withdrawn(store, submission_id, False, by, reason, as_json)


@leaderboard_app.command("audit")
def audit_cmd(
    submission_id: str = typer.Option(None, "--submission", help="Only this entry's actions."),
    limit: int = typer.Option(50, "--limit", min=1, help="Newest actions to print."),
    store: str = store_option(DEFAULT_STORE),
    as_json: bool = json_option("Print [{created, actor, action, submission_id, detail}], newest first."),
) -> None:
    """Organizers: the audit log (flag, unflag, annotate, withdraw, restore), newest first."""
    from babylm.output import emit

    _, s = _open(store)
    log = s.audit_frame(submission_id, limit=limit)
    records = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
               for r in log.to_dict(orient="records")]
    emit(records, as_json, lambda c: _render_audit(c, records))


def _render_audit(c: Any, records: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from babylm.output import inert

    if not records:
        c.print("the audit log is empty")
        return
    t = Table("when", "who", "action", "submission", "detail")
    for r in records:
        t.add_row(inert(str(r["created"])[:19]), inert(r["actor"]), inert(r["action"]), inert(r["submission_id"]),
                  inert(r["detail"]))
    c.print(t)
