"""Canonical word counting: Python `str.split()` on UTF-8 text, streamed, exact, on both cores.

The count of a file equals `sum(len(line.split()) for line in open(f, encoding="utf-8"))`, which
equals `len(text.split())` of the whole decoded text (every line break is whitespace to str.split).
The byte-level kernel that makes this exact without decoding is `babylm.tracks.word_chunks`; this
module resolves paths, hashes and counts files, and spreads big inputs over worker threads (reads,
numpy and sha256 release the GIL): files in parallel, and a big file cut into ranges at safe
positions while one more thread hashes it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babylm.errors import BabyLMError
from babylm.tracks.word_chunks import (
    ASCII_SPACE_BYTES,
    NON_ASCII_SPACE_CHARS,
    ChunkCount,
    InvalidUTF8,
    Workspace,
    combine,
    count_chunk,
    count_stream,
    merge_counts,
    safe_cut,
)

__all__ = [
    "ASCII_SPACE_BYTES", "CHUNK_BYTES", "ERRORS_MODES", "NON_ASCII_SPACE_CHARS", "PARALLEL_MIN_BYTES",
    "RANGE_BYTES", "WORD_RULE", "ChunkCount", "CountResult", "FileCount", "InvalidUTF8", "Workspace", "combine",
    "count_bytes", "count_chunk", "count_file", "count_text", "count_words", "merge_counts", "resolve_paths",
    "safe_cut",
]

WORD_RULE = "python-str-split-utf8"
ERRORS_MODES = ("strict", "replace")

# Bytes counted at a time: numpy's temporaries stay in cache (measured faster than 16 MB chunks).
CHUNK_BYTES = 1 << 20
# Bytes of one file given to one worker task (read chunk by chunk).
RANGE_BYTES = 8 << 20
# Below this many bytes in total, one thread (count and hash in one pass) is as fast as several.
PARALLEL_MIN_BYTES = 32 << 20

_GLOB_CHARS = re.compile(r"[*?\[]")


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



def count_text(text: str) -> int:
    """Words in a str: the canonical rule itself."""
    return len(text.split())


def count_bytes(data: bytes, errors: str = "strict") -> int:
    """Words in UTF-8 bytes; raises InvalidUTF8 (a ValueError with .offset) on bad bytes when strict."""
    import io

    return count_stream(io.BytesIO(data), 0, None, errors, CHUNK_BYTES, None).words



def _count_range(path: Path, start: int, end: int, errors: str, chunk_bytes: int) -> ChunkCount:
    """Count bytes [start, end) of a file (start and end already on safe cuts)."""
    with open(path, "rb", buffering=0) as f:
        f.seek(start)
        return count_stream(f, start, end - start, errors, chunk_bytes, None)


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


def count_file(path: str | os.PathLike[str], errors: str = "strict", chunk_bytes: int = CHUNK_BYTES,
               progress: Callable[[int], None] | None = None) -> FileCount:
    """Count one file on this thread, hashing it in the same pass (constant memory)."""
    p = Path(path)
    h = hashlib.sha256()
    size = 0

    def on_bytes(b: memoryview) -> None:
        nonlocal size
        h.update(b)
        size += len(b)
        if progress is not None:
            progress(len(b))

    try:
        with open(p, "rb", buffering=0) as f:
            part = count_stream(f, 0, None, errors, chunk_bytes, on_bytes)
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

    `progress(n)` is called with the number of bytes just finished. With `workers` > 1 and a big
    input, worker threads count files in parallel and cut big files into ranges (one more thread
    hashes such a file); small inputs are counted and hashed in one pass on this thread.
    """
    if errors not in ERRORS_MODES:
        raise BabyLMError(f"unknown --errors mode {errors!r}", f"use one of: {', '.join(ERRORS_MODES)}")
    files = resolve_paths(paths)
    try:
        sizes = [f.stat().st_size for f in files]
    except OSError as exc:
        raise BabyLMError(f"cannot read {exc.filename}: {exc.strerror}", "check the path and its permissions") from None
    result = CountResult(errors=errors)
    if workers <= 1 or sum(sizes) < PARALLEL_MIN_BYTES:
        for f in files:
            result.files.append(count_file(f, errors, chunk_bytes, progress))
        return result
    result.files = _count_parallel(files, sizes, errors, workers, progress, chunk_bytes)
    return result


def _count_parallel(files: list[Path], sizes: list[int], errors: str, workers: int,
                    progress: Callable[[int], None] | None, chunk_bytes: int) -> list[FileCount]:
    """Count files on worker threads (reads, numpy's passes and sha256 release the GIL).

    A file of up to two ranges is one task (count and hash in one pass); a bigger one is cut into
    ranges at safe positions, counted on the workers while one more task hashes the whole file.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="babylm-count")
    jobs: list[Future | tuple[Future, list[tuple[Future, int]]]] = []
    try:
        for f, size in zip(files, sizes, strict=True):
            if size <= 2 * RANGE_BYTES:
                jobs.append(pool.submit(count_file, f, errors, chunk_bytes))
                continue
            pts = _split_points(f, size, -(-size // RANGE_BYTES))
            digest = pool.submit(_sha256_file, f)
            ranges = [(pool.submit(_count_range, f, a, b, errors, chunk_bytes), b - a)
                      for a, b in zip(pts, pts[1:], strict=False)]
            jobs.append((digest, ranges))
        out: list[FileCount] = []
        for f, size, job in zip(files, sizes, jobs, strict=True):
            if isinstance(job, Future):
                out.append(job.result())
                if progress is not None:
                    progress(size)
                continue
            digest, ranges = job
            parts: list[ChunkCount] = []
            for fut, nbytes in ranges:  # in file order, so the first bad range holds the first bad byte
                try:
                    parts.append(fut.result())
                except InvalidUTF8 as exc:
                    raise _bad_utf8(f, exc) from None
                except OSError as exc:
                    raise BabyLMError(f"cannot read {f}: {exc.strerror}", "check the path and its permissions") from None
                if progress is not None:
                    progress(nbytes)
            out.append(FileCount(f, size, digest.result(), combine(parts).words))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return out


def _sha256_file(path: Path, block: int = 1 << 20) -> str:
    h = hashlib.sha256()
    buf = bytearray(block)
    view = memoryview(buf)
    try:
        with open(path, "rb", buffering=0) as f:
            while got := f.readinto(buf):
                h.update(view[:got])
    except OSError as exc:
        raise BabyLMError(f"cannot read {path}: {exc.strerror}", "check the path and its permissions") from None
    finally:
        view.release()
    return h.hexdigest()
