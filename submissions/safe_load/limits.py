"""Size limits for untrusted bundle input and the bounded JSON reader every bundle file goes through."""

from __future__ import annotations

import json
import math
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted input (bytes / counts); defaults fit small and medium models."""

    max_archive_bytes: int = 20 * 1024**3  # total uncompressed size of an archive
    max_archive_files: int = 20_000
    max_ratio: float = 200.0  # uncompressed / compressed size of one member (decompression bombs)
    max_checkpoint_bytes: int = 8 * 1024**3
    max_header_bytes: int = 100 * 1024**2  # safetensors JSON header
    max_json_bytes: int = 64 * 1024**2  # any JSON file read from a bundle
    load_timeout_s: float = 120.0  # per checkpoint
    load_memory_bytes: int = 4 * 8 * 1024**3 + 4 * 1024**3  # the loader child's address space (RLIMIT_AS)


DEFAULT_LIMITS = Limits()
MAX_FLOAT = sys.float_info.max


def read_json_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Read JSON from an untrusted file: size-limited, links refused, strict (`babylm.io.parse_json`: no
    NaN/Infinity, no duplicate keys, bounded depth).

    Raises ValueError with a readable reason (the validator's findings quote it after the file name).
    """
    from babylm.io import JSONReadError, parse_json

    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise ValueError("is a symbolic link")
    if st.st_size > limits.max_json_bytes:
        raise ValueError(f"is {st.st_size:,} bytes, over the {limits.max_json_bytes:,}-byte limit for JSON")
    try:
        data = parse_json(path.read_bytes(), where=path.name)
    except JSONReadError as exc:
        raise ValueError(_reason(exc, path.name)) from None
    bad = non_finite(data)
    if bad is not None:
        raise ValueError(f"contains the number {bad}, which is not a finite number a float can hold")
    return data


def non_finite(data: Any) -> str | None:
    """The first number in parsed JSON a float cannot hold (1e999 parses to inf; an integer of 400 digits
    overflows every float conversion), or None. Iterative: the depth is bounded by the parser already."""
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, float):
            if not math.isfinite(v):
                return "1e999" if v > 0 else "-1e999" if v < 0 else "NaN"
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_FLOAT:
            return f"{str(v)[:12]}... ({len(str(abs(v)))} digits)"
    return None


def finite(v: Any) -> bool:
    """Whether `v` is a JSON number (not a bool) that a float holds and that is finite."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return abs(v) <= MAX_FLOAT if isinstance(v, int) else math.isfinite(v)


def _reason(exc: Exception, where: str) -> str:
    """The reason of a strict-JSON refusal, worded as the bundle findings have always worded it."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return f"is not UTF-8 ({cause.reason} at byte {cause.start})"
    if isinstance(cause, json.JSONDecodeError):
        return f"is not valid JSON: {cause.msg} at line {cause.lineno} column {cause.colno}"
    text = str(cause) if cause is not None else str(exc).removeprefix(f"{where}: ")
    if text.endswith(" is not JSON"):  # NaN / Infinity / -Infinity
        return f"contains {text.removesuffix(' is not JSON')}, which is not valid JSON"
    return f"is not valid JSON: {text}"


def cap_address_space(max_bytes: int | None) -> None:
    """Cap this process's address space (RLIMIT_AS; Linux / macOS): a child that loads or scores untrusted
    checkpoints. Nothing for None, or where the platform has no RLIMIT_AS."""
    if not max_bytes:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    except (ImportError, ValueError, OSError, AttributeError):  # pragma: no cover - other platforms
        pass
