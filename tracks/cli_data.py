"""`babylm data count|verify|generate`: word counts against a track's budget, data manifests, the demo corpus."""

from __future__ import annotations

from pathlib import Path

import typer

from babylm.cli_options import (
    Edition,
    TrackName,
    edition_option,
    json_option,
    scale_option,
    track_from_options,
    track_option,
)
from babylm.errors import BabyLMError
from babylm.output import emit, err_console, scaled_banner
from babylm.tracks.cli_choices import ErrorsMode

# Files listed in the table; longer inputs show the first ones (the manifest and --json list all).
MAX_ROWS = 50

data_app = typer.Typer(
    help="Count training words (Python str.split on UTF-8) against a track's budget; write and verify "
    "data manifests; generate the demo corpus.",
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


NO_MANIFEST = "no manifest written (pass --manifest PATH to write one, e.g. --manifest data_manifest.json)"


def _inputs(paths: list[str], manifest: Path | None) -> list[Path]:
    """The files to count: never the manifest being replaced (e.g. `babylm data count . --manifest m.json`)."""
    from babylm.tracks.words import resolve_paths

    files = resolve_paths(paths)
    if manifest is not None:
        files = [f for f in files if f.resolve() != manifest.resolve()]
        if not files:
            raise BabyLMError(f"the only input is the manifest {manifest} itself", "name the training text files")
    return files


def _lang_options(values: list[str]) -> tuple[str | None, list[tuple[str, str]]]:
    """--lang values as (the language of every positional path, [(language, path), ...])."""
    every: str | None = None
    groups: list[tuple[str, str]] = []
    for v in values:
        code, sep, path = v.partition("=")
        if not code.strip() or (sep and not path.strip()):
            raise BabyLMError(f"--lang {v!r} is not CODE or CODE=PATH", "e.g. --lang nl or --lang nl=data/nl")
        if sep:
            groups.append((code, path))
        elif every is not None and every != code:
            raise BabyLMError(f"--lang {every} and --lang {code} both name every file",
                              "give one language for all files, or CODE=PATH per group")
        else:
            every = code
    return every, groups


def _render_languages(c, data: dict, colour: str, verdict: str, t) -> None:
    from rich.table import Table

    from babylm.tracks.budgets import LANGUAGE_NAMES, fmt_bytes

    table = Table(title="Bytes per language (UTF-8; the budget is shared, each language weighed by its byte premium)")
    for col in ("language", "files", "words", "bytes", "byte premium", "alone, the budget is", "share used"):
        table.add_column(col, justify="left" if col == "language" else "right")
    for code, e in (data.get("languages") or {}).items():
        table.add_row(f"{LANGUAGE_NAMES.get(code, code)} ({code})", f"{e['files']:,}", f"{e['words']:,}",
                      f"{e['bytes']:,}", f"{e['byte_premium']:.4f}", fmt_bytes(e["byte_budget"]),
                      f"{100 * e['budget_share']:.2f} %")
    c.print(table)
    c.print(f"[{colour}]{verdict}[/]: {data['equivalent_bytes']:,} English-equivalent bytes of "
            f"{data['byte_budget']:,} ({fmt_bytes(data['byte_budget'])}; {t.key}, scale {t.scale})")


@data_app.command("count")
def count_cmd(
    paths: list[str] = typer.Argument(None, help="Files, folders (recursive, hidden files skipped) or globs."),
    edition: Edition = edition_option(),
    track: TrackName = track_option(help="Track whose word budget applies."),
    lang: list[str] = typer.Option(None, "--lang", help="Language of the files (2026/multilingual counts UTF-8 "
                                   "bytes per language): CODE for every PATH, or CODE=PATH for one group; "
                                   "repeatable, e.g. --lang nl=data/nl --lang zh=data/zh. Codes: en, nl, zh "
                                   "(or eng, nld, zho)."),
    scale: str = scale_option(),
    manifest: Path = typer.Option(None, "--manifest", help="Write the data manifest here (none is written "
                                  "without it)."),
    errors: ErrorsMode = typer.Option("strict", "--errors", help="Invalid UTF-8: 'strict' stops with the file and byte offset, "
                               "'replace' counts bad bytes as U+FFFD (as Python's errors='replace')."),
    workers: int = typer.Option(2, min=1, help="Counting threads for large inputs (one more hashes)."),
    as_json: bool = json_option("Print the manifest as JSON (plus 'manifest_path')."),
) -> None:
    """Count words per file and check the total against the track's budget; with --manifest, write a data manifest.

    A word is what Python's str.split() returns on the UTF-8 text (all Unicode whitespace separates).
    2026/multilingual counts UTF-8 bytes per language instead (--lang names each file's language): the
    budget is 543 MB of English, each language's bytes divided by its byte premium (Dutch 1.0516,
    Chinese 0.9360) before they are summed.
    Exit code 0 within budget, 1 over budget, 2 on bad input (e.g. invalid UTF-8 names file and byte).
    JSON keys: format, tool_version, edition, track, scale, word_rule, errors, files (path, bytes,
    sha256, words), total_words, total_bytes, word_budget, within_budget, created, manifest_path
    (null without --manifest).
    """
    from babylm.tracks.manifest import build_manifest, write_manifest

    t = track_from_options(edition, track, scale)
    every, groups = _lang_options(lang or [])
    files = _inputs(paths or [], manifest) if paths else []
    grouped = [(code, _inputs([p], manifest)) for code, p in groups]
    progress, advance = _progress_counter(sum(f.stat().st_size for f in files + [g for _, fs in grouped for g in fs]))
    with progress:
        data = build_manifest([str(f) for f in files], t, root=None if manifest is None else manifest.parent,
                              errors=errors, workers=workers, progress=advance, lang=every,
                              lang_paths=[(code, [str(f) for f in fs]) for code, fs in grouped])
    out = None if manifest is None else write_manifest(data, manifest)
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
        if data.get("budget_unit") == "bytes":
            _render_languages(c, data, colour, verdict, t)
        else:
            c.print(f"[{colour}]{verdict}[/]: {data['total_words']:,} of {data['word_budget']:,} words "
                    f"({t.key}, scale {t.scale})")
        c.print(f"manifest written to {out}" if out is not None else NO_MANIFEST)

    emit(shown, as_json, render)
    if not data["within_budget"]:
        raise typer.Exit(1)


@data_app.command("verify")
def verify_cmd(
    manifest: Path = typer.Argument(..., help="A data manifest written by `babylm data count`."),
    files: bool = typer.Option(True, "--files/--no-files", help="Re-hash and re-count every file (default)."),
    as_json: bool = json_option("Print the report as JSON."),
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


@data_app.command("generate")
def generate_cmd(
    out: Path = typer.Argument(..., help="Folder to write caregiver.train and child.train into."),
    words: int = typer.Option(100_000, help="Exact number of words in total (str.split())."),
    seed: int = typer.Option(0, help="Seed: the same seed gives the same corpus."),
    as_json: bool = json_option("Print JSON: out, seed, words, files [{path, words, lines}]."),
) -> None:
    """Generate the demo corpus: child-directed English from a small probabilistic grammar."""
    from babylm.tracks.demo_corpus import write_corpus

    if words < 0:
        raise BabyLMError("--words must be >= 0")
    if out.exists() and not out.is_dir():
        raise BabyLMError(f"{out} exists and is not a folder")
    files = []
    for p in write_corpus(out, words, seed):
        text = p.read_text(encoding="utf-8")
        files.append({"path": str(p), "words": len(text.split()), "lines": text.count("\n")})
    data = {"out": str(out), "seed": seed, "words": sum(f["words"] for f in files), "files": files}

    def render(console) -> None:
        for f in files:
            console.print(f"{f['path']}: {f['words']:,} words, {f['lines']:,} lines")

    emit(data, as_json, render)
