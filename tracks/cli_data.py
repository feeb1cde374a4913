"""`babylm data count` and `babylm data verify`: word counts against a track's budget, data manifests."""

from __future__ import annotations

from pathlib import Path

import typer

from babylm.errors import BabyLMError
from babylm.output import emit, err_console, scaled_banner

# Files listed in the table; longer inputs show the first ones (the manifest and --json list all).
MAX_ROWS = 50

data_app = typer.Typer(
    help="Count training words (Python str.split on UTF-8) against a track's budget; write and verify "
    "data manifests.",
    no_args_is_help=True,
)


def _progress_counter(total_bytes: int):
    """A Rich progress bar on stderr (so --json stays clean); returns (context manager, advance)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    progress = Progress(
        TextColumn("counting"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=err_console, transient=True, disable=total_bytes < (64 << 20),
    )
    task = progress.add_task("count", total=total_bytes)
    return progress, lambda n: progress.advance(task, n)


@data_app.command("count")
def count_cmd(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive, hidden files skipped) or globs."),
    track: str = typer.Option("strict-small", help="Track whose word budget applies, e.g. strict-small."),
    edition: int = typer.Option(None, help="Edition of the track (default: 2025)."),
    scale: str = typer.Option("1", help="Scale the budget for a demo/test run, e.g. 1/100 (1 = real rules)."),
    manifest: Path = typer.Option(Path("data_manifest.json"), "--manifest", help="Where to write the data manifest."),
    no_manifest: bool = typer.Option(False, "--no-manifest", help="Count only; write no manifest."),
    errors: str = typer.Option("strict", help="Invalid UTF-8: 'strict' stops with the file and byte offset, "
                               "'replace' counts bad bytes as U+FFFD (as Python's errors='replace')."),
    workers: int = typer.Option(2, min=1, help="Counting threads for large inputs (one more hashes)."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON (plus 'manifest_path')."),
) -> None:
    """Count words per file and check the total against the track's budget; write a data manifest.

    A word is what Python's str.split() returns on the UTF-8 text (all Unicode whitespace separates).
    Exit code 0 within budget, 1 over budget, 2 on bad input (e.g. invalid UTF-8 names file and byte).
    JSON keys: format, tool_version, edition, track, scale, word_rule, errors, files (path, bytes,
    sha256, words), total_words, total_bytes, word_budget, within_budget, created, manifest_path
    (null with --no-manifest).
    """
    from babylm.tracks.manifest import build_manifest, resolve_track, write_manifest
    from babylm.tracks.words import resolve_paths

    t = resolve_track(track, edition, scale)
    files = resolve_paths(paths)
    if not no_manifest:  # never count the manifest being replaced (e.g. `babylm data count .`)
        files = [f for f in files if f.resolve() != manifest.resolve()]
        if not files:
            raise BabyLMError(f"the only input is the manifest {manifest} itself", "name the training text files")
    total_bytes = sum(f.stat().st_size for f in files)
    progress, advance = _progress_counter(total_bytes)
    with progress:
        data = build_manifest([str(f) for f in files], t, root=None if no_manifest else manifest.parent,
                              errors=errors, workers=workers, progress=advance)
    out = None if no_manifest else write_manifest(data, manifest)
    shown = dict(data, manifest_path=None if out is None else str(out))

    def render(c) -> None:
        from rich.table import Table

        if t.is_scaled:
            c.print(scaled_banner(t.scale))
        table = Table(title=f"Words per file ({data['word_rule']}, errors={errors})")
        table.add_column("file", overflow="fold")
        table.add_column("bytes", justify="right")
        table.add_column("words", justify="right")
        rows = data["files"]
        for f in rows if len(rows) <= MAX_ROWS else rows[: MAX_ROWS - 5]:
            table.add_row(f["path"], f"{f['bytes']:,}", f"{f['words']:,}")
        if len(rows) > MAX_ROWS:
            table.add_row(f"[dim]… {len(rows) - MAX_ROWS + 5:,} more files (all are in the manifest and --json)[/]",
                          "", "")
        colour = "green" if data["within_budget"] else "red"
        verdict = "within budget" if data["within_budget"] else "OVER BUDGET"
        table.add_section()
        table.add_row(f"total ({len(data['files'])} files)", f"{data['total_bytes']:,}",
                      f"[{colour}]{data['total_words']:,}[/]")
        c.print(table)
        c.print(f"[{colour}]{verdict}[/]: {data['total_words']:,} of {data['word_budget']:,} words "
                f"({t.key}, scale {t.scale})")
        c.print(f"manifest written to {out}" if out is not None else "[dim]no manifest written[/]")

    emit(shown, as_json, render)
    if not data["within_budget"]:
        raise typer.Exit(1)


@data_app.command("verify")
def verify_cmd(
    manifest: Path = typer.Argument(..., help="A data manifest written by `babylm data count`."),
    files: bool = typer.Option(True, "--files/--no-files", help="Re-hash and re-count every file (default)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Re-check a data manifest: each file's bytes, sha256 and words, the sums, and the track's budget.

    Exit code 0 when everything matches and the total is within budget, 1 otherwise, 2 on bad input.
    JSON keys: manifest, ok, track, scale, total_words, actual_total_words, word_budget, within_budget,
    files (path, status ok|changed|missing|unchecked, words, actual_words, detail), problems.
    """
    from babylm.tracks.manifest import verify_manifest

    report = verify_manifest(manifest, check_files=files)

    def render(c) -> None:
        from rich.table import Table

        if report.scale != "1":
            c.print(scaled_banner(report.scale))
        table = Table(title=f"Manifest {manifest}")
        for col in ("file", "status", "words", "now"):
            table.add_column(col)
        style = {"ok": "green", "changed": "red", "missing": "red", "unchecked": "dim"}
        shown = report.files
        if len(shown) > MAX_ROWS:  # every file with a problem, then ok ones up to the limit
            bad = [f for f in shown if f.status in ("changed", "missing")]
            shown = bad + [f for f in shown if f.status not in ("changed", "missing")][: max(0, MAX_ROWS - len(bad))]
        for f in shown:
            now = "-" if f.actual_words is None else f"{f.actual_words:,}"
            table.add_row(f.path, f"[{style[f.status]}]{f.status}[/]", f"{f.words:,}", now)
        if len(shown) < len(report.files):
            table.add_row(f"[dim]… {len(report.files) - len(shown):,} more files (all in --json)[/]", "", "", "")
        c.print(table)
        for problem in report.problems:
            c.print(f"[red]problem:[/] {problem}")
        colour = "green" if report.within_budget else "red"
        c.print(f"[{colour}]{'within budget' if report.within_budget else 'OVER BUDGET'}[/]: "
                f"{report.total_words:,} of {report.word_budget:,} words ({report.track}, scale {report.scale})")
        c.print("[bold green]OK[/]" if report.ok else "[bold red]FAILED[/]")

    emit(report.to_dict(), as_json, render)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
