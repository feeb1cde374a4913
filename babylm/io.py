"""File I/O every part shares: atomic writes and bounded, strict JSON reads.

One writer: a file is written to a unique temporary name beside it and renamed over the target, so a
reader sees the old file or the new one, never half of one; the temporary file is removed on failure.
One reader: a size limit before parsing, a nesting-depth limit (Python's recursion limit is not a
parser limit a hostile file should reach), no NaN/Infinity, duplicate keys refused, and every failure
a `BabyLMError` that names the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

MAX_JSON_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 64


class JSONReadError(BabyLMError):
    """A JSON file that is missing, too large, too deep or not strict JSON (a user error naming the file)."""


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of a file's bytes, read in chunks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def atomic_write_bytes(path: str | Path, data: bytes, *, mode: int | None = None, fsync: bool = False) -> Path:
    """Write `data` to `path` through a temporary file and a rename (readers never see a torn file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str, *, mode: int | None = None, fsync: bool = False) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode, fsync=fsync)


def dump_json(data: Any, *, indent: int | None = None, sort_keys: bool = False, default: Any = None) -> str:
    """Strict JSON text (NaN/inf refused); compact unless `indent` (the C encoder is much faster)."""
    if indent is None:
        return json.dumps(data, separators=(",", ":"), allow_nan=False, sort_keys=sort_keys, default=default)
    return json.dumps(data, indent=indent, allow_nan=False, sort_keys=sort_keys, default=default)


def atomic_write_json(
    path: str | Path,
    data: Any,
    *,
    indent: int | None = 2,
    sort_keys: bool = False,
    default: Any = None,
    newline: bool = True,
    fsync: bool = False,
    mode: int | None = None,
) -> Path:
    """`data` as strict JSON, written atomically (pretty by default, `indent=None` for compact)."""
    text = dump_json(data, indent=indent, sort_keys=sort_keys, default=default) + ("\n" if newline else "")
    return atomic_write_text(path, text, mode=mode, fsync=fsync)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def json_depth(text: str) -> int:
    """Deepest nesting of objects/arrays in JSON text (brackets inside strings are skipped)."""
    depth = deepest = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_json(text: str | bytes, *, where: str = "JSON", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse strict JSON: depth-limited, no NaN/Infinity, no duplicate keys; errors name `where`."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONReadError(f"{where}: not UTF-8 ({exc})") from exc
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise JSONReadError(f"{where}: JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as exc:
        raise JSONReadError(f"{where}: not valid JSON ({exc})", hint="the file is truncated or corrupt") from exc


def read_json(
    path: str | Path, *, what: str = "JSON", max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Read a JSON file with a size and depth limit; a missing, huge or corrupt file is a user error."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise JSONReadError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise JSONReadError(f"{path}: cannot read ({exc})") from exc
    if not path.is_file():
        raise JSONReadError(f"{what} file not found: {path}")
    if size > max_bytes:
        raise JSONReadError(f"{path}: {size:,} bytes, over the {max_bytes:,}-byte limit for {what}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JSONReadError(f"{path}: cannot read ({exc})") from exc
    return parse_json(data, where=str(path), max_depth=max_depth)


def iter_jsonl(
    path: str | Path, *, max_line_bytes: int = 16 * 1024 * 1024, max_depth: int = MAX_JSON_DEPTH
) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line of a JSON Lines file, each parsed like `parse_json`."""
    path = Path(path)
    if not path.is_file():
        raise JSONReadError(f"file not found: {path}")
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if len(raw) > max_line_bytes:
                raise JSONReadError(f"{path} line {lineno}: over the {max_line_bytes:,}-byte line limit")
            if raw.strip():
                yield lineno, parse_json(raw, where=f"{path} line {lineno}", max_depth=max_depth)
