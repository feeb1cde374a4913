"""Data manifests (`babylm.data_manifest/1`): which files, their hashes and word counts, vs the budget.

Paths in a written manifest are relative to the manifest's folder when the file lies under it, else
absolute; `verify_manifest` resolves them the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from babylm import __version__
from babylm.errors import BabyLMError
from babylm.tracks.ledger import write_json_atomic
from babylm.tracks.rules import Track, UnknownTrackError, get_track
from babylm.tracks.words import WORD_RULE, count_file, count_words

FORMAT = "babylm.data_manifest/1"
DEFAULT_NAME = "data_manifest.json"


def resolve_track(track: Track | str, edition: int | None = None, scale: Fraction | str | None = None) -> Track:
    """A Track from a Track or a name ('strict-small', '2025/strict-small').

    `scale` (e.g. '1/100') is relative to the real rules and replaces any scale the Track had.
    """
    if isinstance(track, str):
        try:
            track = get_track(track, edition)
        except (UnknownTrackError, ValueError) as exc:
            raise BabyLMError(str(exc), "list the tracks with `babylm tracks`") from None
    if scale is None:
        return track
    try:
        frac = Fraction(scale)
    except (ValueError, ZeroDivisionError, TypeError):
        raise BabyLMError(f"bad scale {scale!r}", "give a fraction in (0, 1], e.g. 1/100") from None
    if frac <= 0 or frac > 1:
        raise BabyLMError(f"scale {scale} is outside (0, 1]", "give a fraction in (0, 1], e.g. 1/100")
    base = get_track(track.name, track.edition)
    return base if frac == 1 else base.scaled(frac)


def build_manifest(
    paths: Sequence[str | os.PathLike[str]],
    track: Track | str,
    root: str | os.PathLike[str] | None = None,
    *,
    edition: int | None = None,
    scale: Fraction | str | None = None,
    errors: str = "strict",
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Count `paths` (files, folders, globs) and describe them against the track's word budget.

    `root`: the folder the manifest will be written to; files under it get paths relative to it,
    others absolute paths (`write_manifest` also relativizes absolute paths under its folder).
    A scaled Track (or `scale`) gives the scaled budget and `scale` in the manifest.
    """
    t = resolve_track(track, edition, scale)
    result = count_words(paths, errors=errors, workers=workers, progress=progress)
    base = Path(root).resolve() if root is not None else None
    files = []
    for fc in result.files:
        files.append({"path": _store_path(fc.path, base), "bytes": fc.bytes, "sha256": fc.sha256, "words": fc.words})
    total = result.total_words
    return {
        "format": FORMAT,
        "tool_version": __version__,
        "edition": t.edition,
        "track": t.name,
        "scale": str(t.scale),
        "word_rule": WORD_RULE,
        "errors": errors,
        "files": files,
        "total_words": total,
        "total_bytes": result.total_bytes,
        "word_budget": t.word_budget,
        "within_budget": total <= t.word_budget,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _store_path(path: Path, base: Path | None) -> str:
    absolute = path.resolve()
    if base is not None:
        try:
            return absolute.relative_to(base).as_posix()
        except ValueError:
            pass
    return str(absolute)


def write_manifest(manifest: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write atomically (temp file + rename); absolute file paths under its folder become relative."""
    out = Path(path)
    if out.is_dir():
        raise BabyLMError(f"{out} is a folder", f"give a file name, e.g. {out / DEFAULT_NAME}")
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.parent.resolve()
    data = dict(manifest)
    data["files"] = [
        {**f, "path": _store_path(Path(f["path"]), folder)} if Path(f["path"]).is_absolute() else dict(f)
        for f in manifest.get("files", [])
    ]
    write_json_atomic(out, data, default=None, mode=0o600)
    return out


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and check a manifest's format; user mistakes raise BabyLMError."""
    p = Path(path)
    if p.is_dir():
        raise BabyLMError(f"{p} is a folder, not a manifest", f"give the manifest file, e.g. {p / DEFAULT_NAME}")
    if not p.exists():
        raise BabyLMError(f"no such manifest: {p}", "write one with `babylm data count PATH... --manifest FILE`")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BabyLMError(f"{p} is not valid JSON: {exc}", "re-create it with `babylm data count`") from None
    if not isinstance(data, dict):
        raise BabyLMError(f"{p}: a manifest is a JSON object", "re-create it with `babylm data count`")
    if data.get("format") != FORMAT:
        raise BabyLMError(
            f"{p}: field 'format' is {data.get('format')!r}, expected {FORMAT!r}",
            "this tool reads data manifests written by `babylm data count`",
        )
    for key, typ in (("files", list), ("total_words", int), ("track", str), ("edition", int)):
        if not isinstance(data.get(key), typ):
            raise BabyLMError(f"{p}: field {key!r} is missing or not a {typ.__name__}",
                              "re-create it with `babylm data count`")
    for i, f in enumerate(data["files"]):
        if not (isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("words"), int)
                and isinstance(f.get("bytes"), int) and isinstance(f.get("sha256"), str)):
            raise BabyLMError(f"{p}: files[{i}] needs path, bytes, sha256 and words",
                              "re-create it with `babylm data count`")
    return data


@dataclass
class FileCheck:
    path: str
    status: str  # ok | changed | missing | unchecked
    words: int
    actual_words: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "words": self.words,
                "actual_words": self.actual_words, "detail": self.detail}


@dataclass
class VerifyReport:
    manifest: Path
    track: str
    scale: str
    files: list[FileCheck] = field(default_factory=list)
    total_words: int = 0
    actual_total_words: int | None = None
    word_budget: int = 0
    within_budget: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Files match (when checked), the sums add up and the total is within the budget."""
        return not self.problems and self.within_budget

    @property
    def errors(self) -> list[str]:
        """Every reason `ok` is False, one line each (problems, then the budget verdict)."""
        over = [] if self.within_budget else [
            f"{self.total_words:,} words over the {self.word_budget:,}-word budget of {self.track}"]
        return self.problems + over

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest": str(self.manifest),
            "ok": self.ok,
            "track": self.track,
            "scale": self.scale,
            "total_words": self.total_words,
            "actual_total_words": self.actual_total_words,
            "word_budget": self.word_budget,
            "within_budget": self.within_budget,
            "files": [f.to_dict() for f in self.files],
            "problems": self.problems,
        }


def verify_manifest(path: str | os.PathLike[str], *, check_files: bool = True) -> VerifyReport:
    """Re-check a manifest: sums, budget of its track (rules, not the manifest's own claim), and,
    with `check_files`, each file's bytes, sha256 and words (status ok / changed / missing)."""
    p = Path(path)
    data = read_manifest(p)
    track = resolve_track(data["track"], data["edition"], data.get("scale", "1"))
    report = VerifyReport(manifest=p, track=track.key, scale=str(track.scale), total_words=data["total_words"],
                          word_budget=track.word_budget)
    listed = sum(f["words"] for f in data["files"])
    if listed != data["total_words"]:
        report.problems.append(f"total_words {data['total_words']} != sum of file words {listed}")
    if data.get("word_budget") not in (None, track.word_budget):
        report.problems.append(f"word_budget {data['word_budget']} != {track.word_budget} of the rules for {track.key}")
    if data.get("word_rule", WORD_RULE) != WORD_RULE:
        report.problems.append(f"word_rule {data['word_rule']!r} is not {WORD_RULE!r}")
    errors = data.get("errors", "strict")
    actual_total = 0
    folder = p.resolve().parent
    for f in data["files"]:
        check = FileCheck(path=f["path"], status="unchecked", words=f["words"])
        report.files.append(check)
        if not check_files:
            continue
        fp = Path(f["path"])
        fp = fp if fp.is_absolute() else folder / fp
        if not fp.is_file():
            check.status = "missing"
            check.detail = f"no file at {fp}"
            report.problems.append(f"{f['path']}: missing")
            continue
        try:
            fc = count_file(fp, errors=errors)
        except BabyLMError as exc:
            check.status = "changed"
            check.detail = str(exc)
            report.problems.append(f"{f['path']}: {exc}")
            continue
        check.actual_words = fc.words
        actual_total += fc.words
        diffs = [k for k, v in (("bytes", fc.bytes), ("sha256", fc.sha256), ("words", fc.words)) if f[k] != v]
        if diffs:
            check.status = "changed"
            now = {"bytes": fc.bytes, "sha256": fc.sha256, "words": fc.words}
            check.detail = ", ".join(
                f"{k} {str(f[k])[:12]} -> {str(now[k])[:12]}" for k in ("bytes", "sha256", "words") if k in diffs
            )
            report.problems.append(f"{f['path']}: changed ({check.detail})")
        else:
            check.status = "ok"
    if check_files:
        report.actual_total_words = actual_total
    counted = max(data["total_words"], actual_total if check_files else 0, listed)
    report.within_budget = counted <= track.word_budget
    return report
