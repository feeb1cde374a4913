"""Find and read evaluation data laid out like the official BabyLM `evaluation_data/` tree.

A task's files live in `<root>/{fast_eval,full_eval}/<folder>/` as plain `.jsonl`, gzipped `.jsonl.gz`
or `.csv`, or inside a password zip `<root>/<split>_eval/<folder>.zip` (EWoK, entity tracking). Zip
members are read into memory and never extracted to disk: their terms forbid plain-text copies.

Every read error (missing file, truncated gzip or zip, wrong password, malformed JSON line) is a
`DataFileError` naming the file (and the zip member and line where there is one).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babylm.errors import BabyLMError

if TYPE_CHECKING:
    import datasets

    from babylm.evaluation.api import Item, Split

DEFAULT_ZIP_PASSWORD = b"BabyLM2025"
ZIP_PASSWORD_ENV = "BABYLM_ZIP_PASSWORD"
DATA_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".json")
# Where a data root may keep the official tree: itself, or one of these sub-folders.
_ROOT_ALIASES = ("evaluation_data", "babylm_eval_2025")


class DataFileError(BabyLMError):
    """A data file is missing, truncated or malformed; the message names the file (and line)."""


class CountMismatchWarning(UserWarning):
    """A task loaded a different number of items than its official count (user-chosen subset)."""


@dataclass(frozen=True)
class DataFile:
    """One data file: a path on disk, or a member of a (password) zip at `path`."""

    path: Path
    member: str | None = None

    @property
    def label(self) -> str:
        """How messages name the file: `path` or `path!member`."""
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def name(self) -> str:
        return self.member.rsplit("/", 1)[-1] if self.member else self.path.name

    @property
    def stem(self) -> str:
        """The file name without data suffixes: the official sub-task name (UID, domain, subset)."""
        name = self.name
        for suffix in sorted(DATA_SUFFIXES, key=len, reverse=True):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name


def zip_password(password: str | bytes | None = None) -> bytes:
    """The zip password: the explicit one, else $BABYLM_ZIP_PASSWORD, else the BabyLM 2025 default."""
    if password is None:
        password = os.environ.get(ZIP_PASSWORD_ENV) or DEFAULT_ZIP_PASSWORD
    return password.encode("utf-8") if isinstance(password, str) else password


def use_zip_password(password: str | None) -> None:
    """Make `password` the zip password for this process (what a `--zip-password` option calls);
    loaders called without an explicit password (e.g. by the runner) then use it."""
    if password:
        os.environ[ZIP_PASSWORD_ENV] = password


def split_folder(split: Split) -> str:
    if split not in ("fast", "full"):
        raise DataFileError(f"unknown split {split!r}", hint="use 'fast' or 'full'")
    return f"{split}_eval"


def resolve_root(data_root: Path | str) -> Path:
    """The folder holding `fast_eval/` and/or `full_eval/`: `data_root` itself or a known sub-folder."""
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise DataFileError(
            f"evaluation data folder not found: {root}",
            hint="pass the folder that holds fast_eval/ and full_eval/ (the official evaluation_data/)",
        )
    candidates = [root, *(root / alias for alias in _ROOT_ALIASES)]
    for cand in candidates:
        if (cand / "fast_eval").is_dir() or (cand / "full_eval").is_dir():
            return cand
    raise DataFileError(
        f"no fast_eval/ or full_eval/ folder in {root}",
        hint="pass the official evaluation_data/ folder (or its parent)",
    )


def task_files(
    data_root: Path | str,
    split: Split,
    folder: str,
    *,
    suffixes: Sequence[str] = DATA_SUFFIXES,
    password: str | bytes | None = None,
    task: str | None = None,
) -> list[DataFile]:
    """The data files of one task folder, sorted by name: a plain folder, or else `<folder>.zip`.

    Raises a DataFileError naming both places looked at when neither exists or holds data.
    """
    base = resolve_root(data_root) / split_folder(split)
    directory = base / folder
    archive = base / f"{folder}.zip"
    what = task or folder
    if directory.is_dir():
        files = sorted(
            (DataFile(p) for p in directory.iterdir() if p.is_file() and p.name.endswith(tuple(suffixes))),
            key=lambda f: f.name,
        )
        if not files:
            raise DataFileError(
                f"{what}: no data files ({', '.join(suffixes)}) in {directory}",
                hint="check the folder against the official evaluation_data/ layout",
            )
        return files
    if archive.is_file():
        members = [m for m in zip_members(archive) if m.endswith(tuple(suffixes))]
        # Official zips keep the full path evaluation_data/<split>_eval/<folder>/<file>.
        inside = [m for m in members if f"/{folder}/" in f"/{m}"] or members
        if not inside:
            raise DataFileError(f"{what}: no data files in zip {archive}", hint="is this the right zip?")
        del password  # checked when a member is read
        return [DataFile(archive, m) for m in sorted(inside, key=lambda m: m.rsplit("/", 1)[-1])]
    raise DataFileError(
        f"{what}: data not available for split {split!r}: neither {directory} nor {archive} exists",
        hint="download the official evaluation_data/ (OSF) or pick another task/split",
    )


def zip_members(archive: Path) -> list[str]:
    """Names of the files (not folders) in a zip; a truncated or non-zip file is a DataFileError."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return [i.filename for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFileError(
            f"cannot open zip {archive}: {exc}", hint="the file is truncated or not a zip; download it again"
        ) from exc


def read_bytes(df: DataFile, password: str | bytes | None = None) -> bytes:
    """The whole (uncompressed) content of a data file, in memory."""
    if df.member is not None:
        return _read_zip_member(df, zip_password(password))
    if not df.path.is_file():
        raise DataFileError(f"data file not found: {df.path}", hint="check the data folder")
    try:
        if df.path.name.endswith(".gz"):
            with gzip.open(df.path, "rb") as fh:
                return fh.read()
        return df.path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise DataFileError(
            f"cannot read {df.label}: {exc or type(exc).__name__}",
            hint="the file is truncated or corrupt; download it again",
        ) from exc


def _read_zip_member(df: DataFile, pwd: bytes) -> bytes:
    assert df.member is not None
    try:
        with zipfile.ZipFile(df.path) as zf:
            return zf.read(df.member, pwd=pwd)
    except KeyError as exc:
        raise DataFileError(f"member {df.member!r} not found in zip {df.path}") from exc
    except RuntimeError as exc:  # zipfile: "Bad password for file ..." / "... is encrypted, password required"
        raise DataFileError(
            f"cannot decrypt {df.label}: {exc}",
            hint=f"pass the right password with --zip-password or ${ZIP_PASSWORD_ENV}",
        ) from exc
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, ValueError) as exc:
        raise DataFileError(
            f"cannot read {df.label}: {exc or type(exc).__name__}",
            hint="the zip is truncated or corrupt (or, rarely, the password is wrong); download it again",
        ) from exc


def read_text(df: DataFile, password: str | bytes | None = None) -> str:
    data = read_bytes(df, password)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{df.label} is not UTF-8 text: {exc}") from exc


def read_jsonl(df: DataFile, password: str | bytes | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; a malformed line names file and line."""
    text = read_text(df, password)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"{df.label} line {lineno}: malformed JSON ({exc.msg})",
                hint="the file is truncated or corrupt; download it again",
            ) from exc
        if not isinstance(obj, dict):
            raise DataFileError(f"{df.label} line {lineno}: expected a JSON object, got {type(obj).__name__}")
        yield lineno, obj


def read_csv(df: DataFile, password: str | bytes | None = None) -> list[dict[str, str]]:
    """Rows of a CSV with a header, as dicts of strings."""
    text = read_text(df, password)
    reader = csv.DictReader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataFileError(f"{df.label} line {reader.line_num}: malformed CSV ({exc})") from exc
    if reader.fieldnames is None:
        raise DataFileError(f"{df.label}: empty CSV (no header)")
    return rows


def require_fields(df: DataFile, lineno: int, obj: dict[str, Any], fields: Iterable[str]) -> None:
    """A DataFileError naming file, line and the missing fields when `obj` lacks any of `fields`."""
    missing = [f for f in fields if f not in obj]
    if missing:
        raise DataFileError(
            f"{df.label} line {lineno}: missing field(s) {', '.join(missing)}",
            hint="is this the right file for the task?",
        )


def check_count(
    task: str, split: Split, n: int, expected: int | None, source: str, *, strict: bool = True
) -> None:
    """Compare an item count with the official one: an error when strict, else a warning."""
    if expected is None or n == expected:
        return
    message = f"{task} ({split}): {n} items in {source}, expected {expected}"
    if strict:
        raise DataFileError(
            message, hint="the data differs from the official release; re-download it or choose sub-tasks"
        )
    warnings.warn(message, CountMismatchWarning, stacklevel=2)


def to_dataset(items: Iterable[Item]) -> datasets.Dataset:
    """A `datasets.Dataset` with one row per item: id, subtask, contexts, continuations, gold, extra (JSON)."""
    import datasets

    rows: dict[str, list[Any]] = {k: [] for k in ("id", "subtask", "contexts", "continuations", "gold", "extra")}
    for item in items:
        rows["id"].append(item.id)
        rows["subtask"].append(item.subtask)
        rows["contexts"].append([c.context for c in item.candidates])
        rows["continuations"].append([c.continuation for c in item.candidates])
        rows["gold"].append(-1 if item.gold is None else item.gold)
        rows["extra"].append(json.dumps(item.extra, sort_keys=True, default=str))
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "subtask": datasets.Value("string"),
            "contexts": datasets.Sequence(datasets.Value("string")),
            "continuations": datasets.Sequence(datasets.Value("string")),
            "gold": datasets.Value("int64"),
            "extra": datasets.Value("string"),
        }
    )
    return datasets.Dataset.from_dict(rows, features=features)


def from_dataset(ds: datasets.Dataset) -> list[Item]:
    """The inverse of `to_dataset`."""
    from babylm.evaluation.api import Item, ScoreRequest

    return [
        Item(
            id=row["id"],
            subtask=row["subtask"],
            candidates=[ScoreRequest(c, k) for c, k in zip(row["contexts"], row["continuations"], strict=True)],
            gold=None if row["gold"] < 0 else row["gold"],
            extra=json.loads(row["extra"]),
        )
        for row in ds
    ]


def load_dataset_for(task: str, data_root: Path | str, split: Split) -> datasets.Dataset:
    """Load a registered task's items as a `datasets.Dataset` (see `to_dataset` for the columns)."""
    from babylm.evaluation.api import TASKS
    from babylm.evaluation.runner import import_task_modules

    import_task_modules()
    if task not in TASKS:
        raise DataFileError(f"unknown task {task!r}", hint=f"known tasks: {', '.join(sorted(TASKS))}")
    spec = TASKS[task]
    if split not in spec.splits:
        raise DataFileError(f"task {task} has no {split!r} split", hint=f"splits: {', '.join(spec.splits)}")
    return to_dataset(spec.loader(Path(data_root), split))


def load_from_hub(repo: str, *, name: str | None = None, split: str = "validation", **kwargs: Any) -> datasets.Dataset:
    """Load a task's data from the Hugging Face Hub (needs network; refused when HF offline mode is on).

    The returned rows are in the Hub dataset's own schema; tests never call this.
    """
    import datasets

    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        raise DataFileError(
            f"cannot load {repo} from the Hub: offline mode is on (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE)",
            hint="use the local evaluation_data/ folder instead",
        )
    try:
        return datasets.load_dataset(repo, name, split=split, **kwargs)
    except Exception as exc:  # network, auth and missing-repo errors all come from the Hub client
        raise DataFileError(f"cannot load {repo} from the Hub: {exc}", hint="check the network and repo name") from exc
