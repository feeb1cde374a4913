"""Data manifests (`babylm.data_manifest/1`): which files, their hashes and word counts, vs the budget.

A byte-budget track (2026 multilingual) also records each file's language (`lang`, given by the
user, never guessed), a `languages` block (per language: files, words, bytes, byte premium, its
monolingual byte budget, the share of the budget used) and `byte_budget` / `equivalent_bytes`; the
verdict is the byte rule of `babylm.tracks.budgets`. Image-caption data adds `images`
(`babylm.tracks.image_data`). These fields are optional: word manifests are written exactly as before.

`DataManifest` is the format's one reader and writer. Paths in a written manifest are relative to the
manifest's folder when the file lies under it, else absolute; `verify_manifest` resolves them the
same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from babylm import __version__
from babylm.errors import BabyLMError
from babylm.io import atomic_write_json, read_json
from babylm.tracks.budgets import BYTE_RULE, equivalent_words, language_summary, language_totals
from babylm.tracks.image_data import ManifestImage
from babylm.tracks.rules import Track, resolve_track
from babylm.tracks.words import WORD_RULE, FileCount, count_file, count_words, resolve_paths

LangPaths = Sequence[tuple[str, Sequence[str | os.PathLike[str]]]]

FORMAT = "babylm.data_manifest/1"
DEFAULT_NAME = "data_manifest.json"
_RECREATE = "re-create it with `babylm data count`"


class ManifestFile(ManifestImage):
    """One text file of the training data: a hashed file (as an image is) with its words."""

    words: int
    lang: str | None = None


class LanguageEntry(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    files: int
    words: int
    bytes: int
    byte_premium: float
    byte_budget: int
    budget_share: float


class DataManifest(BaseModel):
    """`data_manifest.json`. Fields beyond the required ones are optional on read (older or
    hand-made manifests) and kept as given; extra fields are kept too."""

    model_config = ConfigDict(strict=True, extra="allow")

    format: Literal["babylm.data_manifest/1"]
    tool_version: str | None = None
    edition: int
    track: str
    scale: str = "1"
    word_rule: str = WORD_RULE
    errors: str = "strict"
    files: list[ManifestFile]
    total_words: int
    total_bytes: int | None = None
    word_budget: int | None = None
    within_budget: bool | None = None
    budget_unit: Literal["words", "bytes"] | None = None
    byte_rule: str | None = None
    byte_budget: int | None = None
    equivalent_bytes: int | None = None
    equivalent_words: int | None = None
    languages: dict[str, LanguageEntry] | None = None
    images: list[ManifestImage] | None = None  # image-caption data: the images by hash (no words)
    created: str | None = None

    @classmethod
    def parse(cls, data: Any, where: str | os.PathLike[str]) -> DataManifest:
        """Check a parsed manifest; a user error names the first bad field."""
        if not isinstance(data, dict):
            raise BabyLMError(f"{where}: a manifest is a JSON object", _RECREATE)
        if data.get("format") != FORMAT:
            raise BabyLMError(
                f"{where}: field 'format' is {data.get('format')!r}, expected {FORMAT!r}",
                "this tool reads data manifests written by `babylm data count`",
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise BabyLMError(_field_error(where, exc), _RECREATE) from None

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> DataManifest:
        p = Path(path)
        if p.is_dir():
            raise BabyLMError(f"{p} is a folder, not a manifest", f"give the manifest file, e.g. {p / DEFAULT_NAME}")
        if not p.exists():
            raise BabyLMError(f"no such manifest: {p}", "write one with `babylm data count PATH... --manifest FILE`")
        return cls.parse(read_json(p, what="data manifest"), p)

    def to_dict(self) -> dict[str, Any]:
        """The manifest as written: the fields it was given, in the format's order."""
        return self.model_dump(exclude_unset=True)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically (private file: 0o600, fsynced)."""
        return atomic_write_json(path, self.to_dict(), fsync=True, mode=0o600)


def _field_error(where: str | os.PathLike[str], exc: ValidationError) -> str:
    loc = exc.errors()[0]["loc"]
    if len(loc) >= 2 and loc[0] == "files" and isinstance(loc[1], int):
        return f"{where}: files[{loc[1]}] needs path, bytes, sha256 and words"
    kind = {"files": "list", "total_words": "int", "track": "str", "edition": "int"}.get(str(loc[0]), "valid value")
    return f"{where}: field {loc[0]!r} is missing or not a {kind}"


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
    lang: str | None = None,
    lang_paths: LangPaths | None = None,
) -> dict[str, Any]:
    """Count `paths` (files, folders, globs) and describe them against the track's budget.

    `root`: the folder the manifest will be written to; files under it get paths relative to it,
    others absolute paths (`write_manifest` also relativizes absolute paths under its folder).
    A scaled Track (or `scale`) gives the scaled budget and `scale` in the manifest.
    Languages: `lang` names the language of every path; `lang_paths` [(lang, paths), ...] gives each
    group its language (then `paths` may be empty). A byte-budget track needs one of them for every
    file; a file given two languages is a user error.
    """
    t = resolve_track(track, edition, scale)
    files_in, langs = assign_languages(t, paths, lang, lang_paths)
    result = count_words(files_in, errors=errors, workers=workers, progress=progress)
    base = Path(root).resolve() if root is not None else None
    files = [_file_entry(fc, base, langs.get(fc.path.resolve())) for fc in result.files]
    total = result.total_words
    m = DataManifest(
        format=FORMAT, tool_version=__version__, edition=t.edition, track=t.name, scale=str(t.scale),
        word_rule=WORD_RULE, errors=errors, files=files, total_words=total, total_bytes=result.total_bytes,
        word_budget=t.word_budget, within_budget=total <= t.word_budget,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    if t.byte_budget is not None:
        _add_byte_fields(m, t)
    return m.to_dict()


def assign_languages(track: Track, paths: Sequence[str | os.PathLike[str]], lang: str | None,
                     lang_paths: LangPaths | None) -> tuple[list[Path], dict[Path, str]]:
    """The files to count and each one's language (by resolved path); user errors for a missing,
    unknown or doubly given language."""
    from babylm.tracks.budgets import normalize_language

    groups: list[tuple[str | None, Sequence[str | os.PathLike[str]]]] = []
    if paths:
        groups.append((lang, paths))
    elif lang is not None and not lang_paths:
        raise BabyLMError("--lang names no files", "give the training files after the options")
    for code, group in lang_paths or ():
        groups.append((code, group))
    if not groups:
        raise BabyLMError("no input paths given", "name files, folders or globs, e.g. data/*.train")
    files: list[Path] = []
    langs: dict[Path, str] = {}
    for code, group in groups:
        norm = None if code is None else normalize_language(code, track.languages)
        for f in resolve_paths(group):
            key = f.resolve()
            if key in langs and langs[key] != norm:
                raise BabyLMError(f"{f} is given two languages ({langs[key]} and {norm})",
                                  "give each file one language")
            if key not in langs:
                files.append(f)
            if norm is not None:
                langs[key] = norm
    if track.byte_budget is not None:
        missing = [f for f in files if f.resolve() not in langs]
        if missing:
            raise BabyLMError(
                f"{track.key} counts bytes per language, and {len(missing)} file(s) have none (first: {missing[0]})",
                f"name the language: --lang {track.languages[0]} for all files, or --lang "
                f"{track.languages[1]}=PATH per group ({', '.join(track.languages)})")
    return files, langs


def _add_byte_fields(m: DataManifest, t: Track) -> None:
    """The byte budget's verdict and the `languages` block, from the files' languages."""
    assert t.byte_budget is not None
    totals = language_totals((f.lang, f.words, f.bytes) for f in m.files)
    lang_bytes = {lang: v["bytes"] for lang, v in totals.items()}
    m.budget_unit, m.byte_rule, m.byte_budget = "bytes", BYTE_RULE, t.byte_budget.english_bytes
    m.equivalent_bytes = int(t.byte_budget.equivalent_bytes(lang_bytes))
    m.equivalent_words = equivalent_words(t.byte_budget, lang_bytes)
    m.within_budget = t.byte_budget.within(lang_bytes)
    m.languages = {k: LanguageEntry.model_validate(v) for k, v in language_summary(t.byte_budget, totals).items()}


def _file_entry(fc: FileCount, base: Path | None, lang: str | None = None) -> ManifestFile:
    entry = ManifestFile(path=_store_path(fc.path, base), bytes=fc.bytes, sha256=fc.sha256, words=fc.words)
    if lang is not None:
        entry.lang = lang
    return entry


def _store_path(path: Path, base: Path | None) -> str:
    absolute = path.resolve()
    if base is not None:
        try:
            return absolute.relative_to(base).as_posix()
        except ValueError:
            pass
    return str(absolute)


def write_manifest(manifest: dict[str, Any] | DataManifest, path: str | os.PathLike[str]) -> Path:
    """Write atomically (temp file + rename); absolute file paths under its folder become relative."""
    out = Path(path)
    if out.is_dir():
        raise BabyLMError(f"{out} is a folder", f"give a file name, e.g. {out / DEFAULT_NAME}")
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.parent.resolve()
    data = manifest.to_dict() if isinstance(manifest, DataManifest) else dict(manifest)
    data["files"] = [
        {**f, "path": _store_path(Path(f["path"]), folder)} if Path(f["path"]).is_absolute() else dict(f)
        for f in data.get("files", [])
    ]
    return DataManifest.parse(data, out).write(out)


def read_manifest(path: str | os.PathLike[str]) -> DataManifest:
    """Load and check a manifest; user mistakes raise BabyLMError."""
    return DataManifest.read(path)


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


def _check_claims(data: DataManifest, track: Track) -> list[str]:
    """The manifest's own sums, budget and word rule against the file list and the rules."""
    problems = []
    listed = sum(f.words for f in data.files)
    if listed != data.total_words:
        problems.append(f"total_words {data.total_words} != sum of file words {listed}")
    if data.word_budget not in (None, track.word_budget):
        problems.append(f"word_budget {data.word_budget} != {track.word_budget} of the rules for {track.key}")
    if data.word_rule != WORD_RULE:
        problems.append(f"word_rule {data.word_rule!r} is not {WORD_RULE!r}")
    return problems


def _check_file(entry: ManifestFile, folder: Path, errors: str) -> tuple[FileCheck, str | None]:
    """Re-hash and re-count one listed file: its check and the problem found (None when ok)."""
    check = FileCheck(path=entry.path, status="unchecked", words=entry.words)
    fp = Path(entry.path)
    fp = fp if fp.is_absolute() else folder / fp
    if not fp.is_file():
        check.status, check.detail = "missing", f"no file at {fp}"
        return check, f"{entry.path}: missing"
    try:
        fc = count_file(fp, errors=errors)
    except BabyLMError as exc:
        check.status, check.detail = "changed", str(exc)
        return check, f"{entry.path}: {exc}"
    check.actual_words = fc.words
    was = {"bytes": entry.bytes, "sha256": entry.sha256, "words": entry.words}
    now = {"bytes": fc.bytes, "sha256": fc.sha256, "words": fc.words}
    diffs = [k for k in ("bytes", "sha256", "words") if was[k] != now[k]]
    if not diffs:
        check.status = "ok"
        return check, None
    check.status = "changed"
    check.detail = ", ".join(f"{k} {str(was[k])[:12]} -> {str(now[k])[:12]}" for k in diffs)
    return check, f"{entry.path}: changed ({check.detail})"


def verify_manifest(path: str | os.PathLike[str], *, check_files: bool = True) -> VerifyReport:
    """Re-check a manifest: sums, budget of its track (rules, not the manifest's own claim), and,
    with `check_files`, each file's bytes, sha256 and words (status ok / changed / missing)."""
    p = Path(path)
    data = read_manifest(p)
    track = resolve_track(data.track, data.edition, data.scale)
    report = VerifyReport(manifest=p, track=track.key, scale=str(track.scale), total_words=data.total_words,
                          word_budget=track.word_budget, problems=_check_claims(data, track))
    folder = p.resolve().parent
    for entry in data.files:
        if not check_files:
            report.files.append(FileCheck(path=entry.path, status="unchecked", words=entry.words))
            continue
        check, problem = _check_file(entry, folder, data.errors)
        report.files.append(check)
        if problem is not None:
            report.problems.append(problem)
    listed = sum(f.words for f in data.files)
    actual_total = sum(f.actual_words or 0 for f in report.files)
    if check_files:
        report.actual_total_words = actual_total
    counted = max(data.total_words, actual_total if check_files else 0, listed)
    report.within_budget = counted <= track.word_budget
    if track.byte_budget is not None:
        report.within_budget = _verify_bytes(data, track, report)
    return report


def _verify_bytes(data: DataManifest, track: Track, report: VerifyReport) -> bool:
    """A byte-budget manifest: every file has one of the track's languages, and the files' bytes (each
    re-checked above when files are checked) fit the shared budget by the rules, not by the manifest's claim."""
    assert track.byte_budget is not None
    langs = track.byte_budget.languages
    bad = [f.path for f in data.files if f.lang not in langs]
    if bad:
        report.problems.append(f"{len(bad)} file(s) without one of the languages {', '.join(langs)} "
                               f"(first: {bad[0]})")
        return False
    lang_bytes = {lang: v["bytes"] for lang, v in language_totals((f.lang, f.words, f.bytes) for f in data.files).items()}
    within = track.byte_budget.within(lang_bytes)
    if data.byte_budget not in (None, track.byte_budget.english_bytes):
        report.problems.append(f"byte_budget {data.byte_budget} != {track.byte_budget.english_bytes} of the rules "
                               f"for {track.key}")
    if data.within_budget is not None and data.within_budget != within:
        report.problems.append(f"within_budget {data.within_budget} but the files' bytes say {within}")
    return within
