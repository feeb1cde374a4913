"""Guarded extraction of bundle archives (.zip / .tar / .tar.gz) and the link check of a bundle tree."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.findings import Finding, error
from babylm.submissions.safe_load.limits import DEFAULT_LIMITS, Limits


def _check_member_name(name: str) -> str | None:
    """Why an archive member name is unsafe, or None when it is a plain relative path."""
    if not name or "\x00" in name:
        return "empty or NUL in name"
    if "\\" in name:
        return "backslash in name"
    p = PurePosixPath(name)
    if p.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in p.parts:
        return "'..' in path"
    return None


def extract_archive(archive: Path, dest: Path, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Extract a .zip / .tar / .tar.gz bundle into `dest` (must not exist) with path, link and size guards.

    Raises BabyLMError naming the first offending member; on failure nothing is left at `dest`.
    Returns the bundle root: `dest`, or its single top-level folder when the archive has one.
    """
    archive = Path(archive)
    dest = Path(dest)
    if not archive.is_file():
        raise BabyLMError(f"archive not found: {archive}", "give the path of a .zip or .tar.gz bundle")
    if dest.exists():
        raise BabyLMError(f"extraction folder already exists: {dest}", "choose a new, empty work folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, tmp, limits)
        elif tarfile.is_tarfile(archive):
            _extract_tar(archive, tmp, limits)
        else:
            raise BabyLMError(f"{archive.name}: not a zip or tar archive", "pack the bundle folder with zip or tar")
        os.replace(tmp, dest)
    except OSError as exc:  # duplicate members, a file where a folder should be, disk full, ...
        shutil.rmtree(tmp, ignore_errors=True)
        raise BabyLMError(f"{archive.name}: cannot extract: {exc.strerror or exc} ({Path(exc.filename or '').name})",
                          "pack the bundle folder again with zip or tar") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    entries = [p for p in dest.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not (dest / "submission.json").exists():
        return entries[0]
    return dest


def _copy_limited(src: Any, out_path: Path, budget: list[int], name: str, compressed: int, limits: Limits) -> None:
    """Stream a member to disk, counting real bytes (headers may lie about sizes)."""
    written = 0
    with open(out_path, "xb") as out:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            written += len(chunk)
            budget[0] += len(chunk)
            if budget[0] > limits.max_archive_bytes:
                raise BabyLMError(
                    f"archive member {name!r}: archive expands past {limits.max_archive_bytes:,} bytes "
                    "(decompression bomb?)",
                    "ship a smaller bundle or ask the organizers for a larger limit",
                )
            if compressed > 0 and written > 1 << 20 and written / compressed > limits.max_ratio:
                raise BabyLMError(
                    f"archive member {name!r}: compression ratio over {limits.max_ratio:g} (decompression bomb?)",
                    "store weights uncompressed (safetensors compresses badly anyway)",
                )
            out.write(chunk)


def _write_members(
    dest: Path, members: Iterable[tuple[str, bool, int, Callable[[], Any]]], limits: Limits
) -> None:
    """Write checked archive members (name, is a folder, compressed size or 0 when unknown, opener of its
    byte stream or None) under `dest`, all of them together within the archive byte budget."""
    budget = [0]
    for name, is_dir, compressed, open_member in members:
        target = dest / name
        if is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = open_member()
        if src is None:
            continue
        with src:
            _copy_limited(src, target, budget, name, compressed, limits)


def _extract_zip(archive: Path, dest: Path, limits: Limits) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_archive_files:
            raise BabyLMError(
                f"{archive.name}: {len(infos):,} members, over the limit of {limits.max_archive_files:,}",
                "bundle fewer files",
            )
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_archive_bytes:
            raise BabyLMError(
                f"{archive.name}: declares {declared:,} uncompressed bytes, over {limits.max_archive_bytes:,} "
                "(decompression bomb?)",
                "ship a smaller bundle",
            )
        for info in infos:
            bad = _check_member_name(info.filename)
            if bad:
                raise BabyLMError(f"unsafe archive member {info.filename!r}: {bad}", "use relative paths only")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise BabyLMError(
                    f"unsafe archive member {info.filename!r}: symbolic link", "replace links by the files"
                )
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise BabyLMError(f"unsafe archive member {info.filename!r}: not a regular file", "")
        _write_members(
            dest, ((i.filename, i.is_dir(), i.compress_size, lambda i=i: zf.open(i)) for i in infos), limits
        )


def _extract_tar(archive: Path, dest: Path, limits: Limits) -> None:
    with tarfile.open(archive) as tf:
        members = []
        declared = 0
        for m in tf:  # streaming; stop early on a file-count bomb
            members.append(m)
            if len(members) > limits.max_archive_files:
                raise BabyLMError(
                    f"{archive.name}: over {limits.max_archive_files:,} members", "bundle fewer files"
                )
            bad = _check_member_name(m.name)
            if bad:
                raise BabyLMError(f"unsafe archive member {m.name!r}: {bad}", "use relative paths only")
            if m.issym() or m.islnk():
                raise BabyLMError(
                    f"unsafe archive member {m.name!r}: link to {m.linkname!r}", "replace links by the files"
                )
            if not (m.isfile() or m.isdir()):
                raise BabyLMError(f"unsafe archive member {m.name!r}: not a regular file", "")
            declared += m.size
            if declared > limits.max_archive_bytes:
                raise BabyLMError(
                    f"{archive.name}: expands past {limits.max_archive_bytes:,} bytes (decompression bomb?)",
                    "ship a smaller bundle",
                )
        _write_members(dest, ((m.name, m.isdir(), 0, lambda m=m: tf.extractfile(m)) for m in members), limits)
    # gzip bombs: the tar stream's total is bounded by the byte budget above.


# ---------------------------------------------------------------- bundle tree


def check_tree(root: Path) -> list[Finding]:
    """Refuse links (and anything that is not a file or folder) anywhere in a bundle folder."""
    found: list[Finding] = []
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(p)
                found.append(
                    error(
                        "E_SYMLINK",
                        f"{rel} is a symbolic link (to {target}); links are refused, they can escape the bundle",
                        "copy the real file into the bundle instead of linking it",
                        rel,
                    )
                )
            elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                found.append(error("E_SPECIAL_FILE", f"{rel} is not a regular file", "remove it", rel))
    return found


