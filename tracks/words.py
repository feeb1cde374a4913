"""Canonical word counting: Python `str.split()` on UTF-8 text, streamed, exact, on both cores.

The count of a file equals `sum(len(line.split()) for line in open(f, encoding="utf-8"))`, which
equals `len(text.split())` of the whole decoded text (every line break is whitespace to str.split).

How it stays exact without decoding everything into a str:
- A chunk is only ever cut before a byte that starts a character (never inside a UTF-8 sequence),
  and each chunk reports (words, starts inside a word, ends on whitespace), so chunk counts merge
  exactly: a word cut in two by a boundary is counted once.
- Validity is checked only on the non-ASCII runs of a chunk (ASCII bytes are always valid and always
  end a multi-byte sequence), decoded together with one ASCII separator each, so a mostly-ASCII
  chunk costs a tiny decode. The same decode tells whether the chunk holds non-ASCII whitespace
  (U+00A0, U+3000, U+2028, U+0085 ...); if it does, the chunk is counted with `str.split` on its
  decoded text, else by counting word starts on a byte class table (numpy).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from babylm.errors import BabyLMError

WORD_RULE = "python-str-split-utf8"
ERRORS_MODES = ("strict", "replace")

# Bytes counted at a time: numpy's temporaries stay in cache (measured faster than 16 MB chunks).
CHUNK_BYTES = 1 << 20
# Bytes of one file given to one worker task (read chunk by chunk).
RANGE_BYTES = 32 << 20
# Below this many bytes in total, counting in-process beats starting worker processes.
PARALLEL_MIN_BYTES = 48 << 20

# Derived from Python itself so the rule cannot drift from str.isspace().
ASCII_SPACE_BYTES = bytes(c for c in range(128) if chr(c).isspace())
NON_ASCII_SPACE_CHARS = "".join(chr(c) for c in range(128, 0x110000) if chr(c).isspace())
_NON_ASCII_SPACE_RE = re.compile("[" + re.escape(NON_ASCII_SPACE_CHARS) + "]")
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class ChunkCount:
    """Words inside one chunk plus what the merge needs: does it start inside a word, end on space."""

    words: int
    starts_in_word: bool
    ends_on_space: bool
    empty: bool = False


@dataclass
class FileCount:
    path: Path
    bytes: int
    sha256: str
    words: int

    def to_dict(self) -> dict:
        return {"path": str(self.path), "bytes": self.bytes, "sha256": self.sha256, "words": self.words}


@dataclass
class CountResult:
    files: list[FileCount] = field(default_factory=list)
    errors: str = "strict"

    @property
    def total_words(self) -> int:
        return sum(f.words for f in self.files)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_dict(self) -> dict:
        return {
            "files": [f.to_dict() for f in self.files],
            "total_words": self.total_words,
            "total_bytes": self.total_bytes,
            "errors": self.errors,
            "word_rule": WORD_RULE,
        }


class InvalidUTF8(Exception):
    """Raised inside counting with the absolute byte offset; turned into a BabyLMError with the path."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"invalid UTF-8 at byte {offset}: {reason}")
        self.offset = offset
        self.reason = reason

    def __reduce__(self):  # worker processes send it back whole
        return (InvalidUTF8, (self.offset, self.reason))


def count_text(text: str) -> int:
    """Words in a str: the canonical rule itself."""
    return len(text.split())


def count_bytes(data: bytes, errors: str = "strict") -> int:
    """Words in UTF-8 bytes; raises InvalidUTF8 (with the offset) on bad bytes when errors='strict'."""
    return merge_counts([count_chunk(data, 0, errors)])


def merge_counts(chunks: Iterable[ChunkCount]) -> int:
    """Sum chunk counts in file order, counting once a word that a boundary cut in two."""
    return combine(chunks).words


def combine(chunks: Iterable[ChunkCount]) -> ChunkCount:
    """The count of consecutive chunks, as if they were one chunk."""
    total = 0
    first: bool | None = None
    prev_ends_on_space = True
    for c in chunks:
        if c.empty:
            continue
        if first is None:
            first = c.starts_in_word
        total += c.words
        if c.starts_in_word and not prev_ends_on_space:
            total -= 1
        prev_ends_on_space = c.ends_on_space
    if first is None:
        return ChunkCount(0, False, True, empty=True)
    return ChunkCount(total, first, prev_ends_on_space)


# Bytes below 0x20 that are not whitespace (rare); their presence switches to the exact byte class test.
_SPACE_LOW = sorted(c for c in ASCII_SPACE_BYTES if c < 32)


def _space_mask(arr):
    """Boolean mask of ASCII whitespace bytes (non-ASCII bytes are never space on their own)."""
    import numpy as np

    space = arr <= 32
    low = arr[arr < 32]
    if low.size and not np.isin(low, _SPACE_LOW).all():
        space = arr == 32
        space |= np.isin(arr, _SPACE_LOW)
    return space


def count_chunk(data: bytes | bytearray | memoryview, offset: int = 0, errors: str = "strict") -> ChunkCount:
    """Count one chunk that starts and ends on character boundaries; `offset` is its file position."""
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    if arr.size == 0:
        return ChunkCount(0, False, True, empty=True)
    high = arr >= 0x80
    if high.any():
        # Keep each non-ASCII byte and the byte after each non-ASCII run (ASCII, or nothing at the end).
        keep = high.copy()
        keep[1:] |= high[:-1]
        compact = arr[keep].tobytes()
        try:
            decoded = compact.decode("utf-8", errors)
        except UnicodeDecodeError as exc:
            where = int(np.flatnonzero(keep)[exc.start])
            raise InvalidUTF8(offset + where, exc.reason) from None
        if _NON_ASCII_SPACE_RE.search(decoded):
            text = bytes(data).decode("utf-8", errors)
            return ChunkCount(len(text.split()), not text[0].isspace(), text[-1].isspace())
    space = _space_mask(arr)
    # A word starts at a non-space byte whose previous byte is space (or at the chunk start).
    starts = int(np.count_nonzero(space[:-1] > space[1:]))
    first_in_word = not bool(space[0])
    return ChunkCount(starts + first_in_word, first_in_word, bool(space[-1]))


def safe_cut(data: bytes | memoryview, end: int) -> int:
    """Largest cut position <= end that does not split a UTF-8 sequence (0 if none in data[:end]).

    A byte that is not a continuation byte (10xxxxxx) always starts a fresh decode, valid or not; a
    lead byte takes at most 3 continuation bytes, so 4 continuation bytes in a row end any sequence.
    """
    for i in range(end - 1, max(end - 5, -1), -1):
        if data[i] & 0xC0 != 0x80:
            return i
    return end if end >= 4 else 0


def _count_stream(f: BinaryIO, offset: int, length: int | None, errors: str,
                  chunk_bytes: int, on_bytes: Callable[[memoryview], None] | None) -> ChunkCount:
    """Count `length` bytes (None: to EOF) of an open binary file from its current position.

    One reusable buffer, no copies: each read lands after the few carried bytes of the last cut.
    """
    parts: list[ChunkCount] = []
    buf = bytearray(chunk_bytes + 8)
    view = memoryview(buf)
    carry = 0
    left = length
    pos = offset
    while True:
        want = chunk_bytes if left is None else min(chunk_bytes, left)
        got = f.readinto(view[carry:carry + want]) if want > 0 else 0
        got = got or 0
        if left is not None:
            left -= got
        if on_bytes is not None and got:
            on_bytes(view[carry:carry + got])
        end = carry + got
        if got == 0 or (left is not None and left <= 0):
            parts.append(count_chunk(view[:end], pos, errors))
            return combine(parts)
        cut = safe_cut(view, end)
        parts.append(count_chunk(view[:cut], pos, errors))
        pos += cut
        carry = end - cut
        buf[:carry] = buf[cut:end]


def _count_range(task: tuple[str, int, int, str, int]) -> tuple[int, ChunkCount | InvalidUTF8]:
    """Worker: count bytes [start, end) of a file (start/end already on safe cuts)."""
    path, start, end, errors, chunk_bytes = task
    try:
        with open(path, "rb", buffering=0) as f:
            f.seek(start)
            return start, _count_stream(f, start, end - start, errors, chunk_bytes, None)
    except InvalidUTF8 as exc:
        return start, exc


def _split_points(path: Path, size: int, pieces: int) -> list[int]:
    """Offsets 0 = p0 < p1 < ... = size cutting the file into about `pieces` safe ranges."""
    points = [0]
    with open(path, "rb") as f:
        for k in range(1, pieces):
            target = size * k // pieces
            lo = max(target - 4, points[-1])
            f.seek(lo)
            window = f.read(target - lo)
            cut = lo + safe_cut(window, len(window)) if window else target
            if cut > points[-1]:
                points.append(cut)
    points.append(size)
    return points


def _bad_utf8(path: Path, exc: InvalidUTF8) -> BabyLMError:
    return BabyLMError(
        f"{path}: invalid UTF-8 at byte {exc.offset} ({exc.reason})",
        "fix or re-encode the file as UTF-8, or count with --errors replace (bad bytes become U+FFFD)",
    )


def count_file(path: str | os.PathLike[str], errors: str = "strict", chunk_bytes: int = CHUNK_BYTES) -> FileCount:
    """Count one file in this process, hashing it in the same pass (constant memory)."""
    p = Path(path)
    h = hashlib.sha256()
    size = 0

    def on_bytes(b: memoryview) -> None:
        nonlocal size
        h.update(b)
        size += len(b)

    try:
        with open(p, "rb", buffering=0) as f:
            part = _count_stream(f, 0, None, errors, chunk_bytes, on_bytes)
    except InvalidUTF8 as exc:
        raise _bad_utf8(p, exc) from None
    except OSError as exc:
        raise BabyLMError(f"cannot read {p}: {exc.strerror}", "check the path and its permissions") from None
    return FileCount(p, size, h.hexdigest(), part.words)


def resolve_paths(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files named by paths, folders (recursive, hidden files skipped, sorted) and globs; no duplicates."""
    import glob

    if not paths:
        raise BabyLMError("no input paths given", "name files, folders or globs, e.g. data/*.train")
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_file():
            add(p)
        elif p.is_dir():
            found = sorted(
                (q for q in p.rglob("*") if q.is_file() and not any(
                    part.startswith(".") for part in q.relative_to(p).parts)),
                key=lambda q: q.relative_to(p).as_posix(),
            )
            if not found:
                raise BabyLMError(f"folder {p} holds no (non-hidden) files", "point at the folder with the text files")
            for q in found:
                add(q)
        elif _GLOB_CHARS.search(str(raw)):
            matches = sorted(Path(m) for m in glob.glob(str(raw), recursive=True) if Path(m).is_file())
            if not matches:
                raise BabyLMError(f"glob {raw!s} matches no files", "check the pattern (quote it so the shell keeps it)")
            for q in matches:
                add(q)
        elif p.exists():
            raise BabyLMError(f"{p} is not a regular file or folder", "name text files, folders or globs")
        else:
            raise BabyLMError(f"no such file or folder: {p}", "check the path (relative paths start at the cwd)")
    return out


def count_words(
    paths: Sequence[str | os.PathLike[str]],
    *,
    errors: str = "strict",
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> CountResult:
    """Count words (and bytes, sha256) of every file named by `paths`, in order.

    `progress(n)` is called with the number of bytes just finished. `workers` > 1 counts ranges of
    big inputs in worker processes while this process hashes; small inputs are counted in-process.
    """
    if errors not in ERRORS_MODES:
        raise BabyLMError(f"unknown --errors mode {errors!r}", f"use one of: {', '.join(ERRORS_MODES)}")
    files = resolve_paths(paths)
    sizes = [f.stat().st_size for f in files]
    result = CountResult(errors=errors)
    if workers <= 1 or sum(sizes) < PARALLEL_MIN_BYTES:
        for f, size in zip(files, sizes, strict=True):
            result.files.append(count_file(f, errors, chunk_bytes))
            if progress is not None:
                progress(size)
        return result
    result.files = _count_parallel(files, sizes, errors, workers, progress, chunk_bytes)
    return result


def _count_parallel(files: list[Path], sizes: list[int], errors: str, workers: int,
                    progress: Callable[[int], None] | None, chunk_bytes: int) -> list[FileCount]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # Ranges of about 4 chunks each, so both workers stay busy and the pool's queue stays short.
    range_bytes = RANGE_BYTES
    plan: list[list[tuple[str, int, int, str, int]]] = []
    for f, size in zip(files, sizes, strict=True):
        pieces = max(1, -(-size // range_bytes))
        pts = _split_points(f, size, pieces) if pieces > 1 else [0, size]
        plan.append([(str(f), a, b, errors, chunk_bytes) for a, b in zip(pts, pts[1:], strict=False)])

    out: list[FileCount] = []
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))
    try:
        futures = [[pool.submit(_count_range, t) for t in tasks] for tasks in plan]
        for f, size, futs in zip(files, sizes, futures, strict=True):
            digest = _sha256_file(f)
            parts: list[ChunkCount] = []
            for fut in futs:  # in file order, so the first bad range holds the first bad byte
                _, res = fut.result()
                if isinstance(res, InvalidUTF8):
                    raise _bad_utf8(f, res)
                parts.append(res)
            out.append(FileCount(f, size, digest, merge_counts(parts)))
            if progress is not None:
                progress(size)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return out


def _sha256_file(path: Path, block: int = 8 << 20) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb", buffering=0) as f:
            while b := f.read(block):
                h.update(b)
    except OSError as exc:
        raise BabyLMError(f"cannot read {path}: {exc.strerror}", "check the path and its permissions") from None
    return h.hexdigest()
