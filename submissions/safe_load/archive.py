"""Guarded extraction of bundle archives (.zip / .tar / .tar.gz) and the link check of a bundle tree."""

from __future__ import annotations

import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import unicodedata
import zipfile
import zlib
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
    except BabyLMError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except _CORRUPT as exc:  # bad CRC, encrypted or unsupported member, truncated stream, ...
        shutil.rmtree(tmp, ignore_errors=True)
        raise BabyLMError(f"{archive.name}: corrupt or unsupported archive: {type(exc).__name__}: {str(exc)[:200]}",
                          "pack the bundle folder again with zip (no encryption, deflate) or tar") from None
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


def _copy_limited(src: Any, out_path: Path, budget: list[int], name: str, compressed: int | Callable[[], int],
                  limits: Limits) -> None:
    """Stream a member to disk, counting real bytes (headers may lie about sizes). `budget` is [bytes written
    so far, size of the archive file]: the whole archive's expansion ratio is bounded too (many small
    members of zeros, or a .tar.gz whose members carry no compressed size)."""
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
            if budget[0] > 1 << 20 and budget[0] / max(budget[1], 1) > limits.max_ratio:
                raise BabyLMError(
                    f"archive member {name!r}: the archive expands over {limits.max_ratio:g} times its size "
                    "(decompression bomb?)",
                    "store weights uncompressed (safetensors compresses badly anyway)",
                )
            packed = compressed() if callable(compressed) else compressed
            if packed > 0 and written > 1 << 16 and written / packed > limits.max_ratio:
                raise BabyLMError(
                    f"archive member {name!r}: compression ratio over {limits.max_ratio:g} (decompression bomb?)",
                    "store weights uncompressed (safetensors compresses badly anyway)",
                )
            out.write(chunk)


def _write_members(
    dest: Path, members: Iterable[tuple[str, bool, int, Callable[[], Any]]], limits: Limits, size: int,
    position: Callable[[], int] | None = None,
) -> None:
    """Write checked archive members (name, is a folder, compressed size or 0 when unknown, opener of its
    byte stream or None) under `dest`, all of them together within the archive byte budget."""
    budget = [0, size]
    for name, is_dir, compressed, open_member in members:
        target = dest / name
        if is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = open_member()
        if src is None:
            continue
        packed: int | Callable[[], int] = compressed
        if not compressed and position is not None:  # a compressed tar: the raw stream read for this member
            start = position()
            packed = lambda start=start: max(position() - start, 1)  # noqa: E731
        with src:
            _copy_limited(src, target, budget, name, packed, limits)


ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, tarfile.TarError,
            lzma.LZMAError, ValueError)


def _unique_names(archive: Path, names: list[str]) -> None:
    """No two members name the same path, also after Unicode normalisation (NFC, which some file systems
    apply): one member would silently replace another, or two files look like one."""
    seen: dict[str, str] = {}
    for name in names:
        key = unicodedata.normalize("NFC", name.rstrip("/"))
        if key in seen and (seen[key] != name or not name.endswith("/")):
            how = "twice" if seen[key] == name else f"as {seen[key]!r} and {name!r} (equal once normalised)"
            raise BabyLMError(f"{archive.name}: a member is named {how}", "pack the bundle folder again, one name "
                              "per file")
        seen[key] = name


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
            if info.flag_bits & 0x1:
                raise BabyLMError(f"archive member {info.filename!r} is encrypted", "pack the bundle without a password")
            if info.compress_type not in ZIP_METHODS:
                raise BabyLMError(f"archive member {info.filename!r}: unsupported compression method "
                                  f"{info.compress_type}", "pack the bundle with deflate (zip's default) or stored")
        _unique_names(archive, [i.filename for i in infos])
        _write_members(
            dest, ((i.filename, i.is_dir(), i.compress_size, lambda i=i: zf.open(i)) for i in infos), limits,
            archive.stat().st_size,
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
        _unique_names(archive, [m.name for m in members])
        _write_members(dest, ((m.name, m.isdir(), 0, lambda m=m: tf.extractfile(m)) for m in members), limits,
                       archive.stat().st_size, _raw_position(tf))
    # gzip bombs: the tar stream's total is bounded by the byte budget above.


def _raw_position(tf: tarfile.TarFile) -> Callable[[], int] | None:
    """How far the compressed file under a .tar.gz / .tar.bz2 / .tar.xz has been read (None: plain tar)."""
    outer = tf.fileobj
    raw = getattr(outer, "fileobj", None) or getattr(outer, "_fp", None)
    if raw is None or not hasattr(raw, "tell"):
        return None
    return raw.tell


# ---------------------------------------------------------------- bundle tree


def check_tree(root: Path) -> list[Finding]:
    """Refuse links (symbolic, or hard links to files outside the bundle), anything that is not a file or
    folder, and names equal under Unicode normalisation, anywhere in a bundle folder."""
    found: list[Finding] = []
    root = Path(root)
    inodes: dict[tuple[int, int], list[str]] = {}
    nlink: dict[tuple[int, int], int] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        found.extend(_normalised_twins(Path(dirpath), root, dirnames + filenames))
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
            elif stat.S_ISREG(st.st_mode):
                if st.st_nlink > 1:
                    inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
                    nlink[(st.st_dev, st.st_ino)] = st.st_nlink
            elif not stat.S_ISDIR(st.st_mode):
                found.append(error("E_SPECIAL_FILE", f"{rel} is not a regular file", "remove it", rel))
    for key, rels in inodes.items():
        if nlink[key] > len(rels):  # names of this file outside the bundle: a hard link out of it
            found.append(error("E_HARDLINK", f"{rels[0]} is a hard link to a file outside the bundle "
                               f"({nlink[key] - len(rels)} other name(s) elsewhere); links are refused",
                               "copy the file into the bundle (cp, not ln)", rels[0]))
    return found


def _normalised_twins(folder: Path, root: Path, names: list[str]) -> list[Finding]:
    seen: dict[str, str] = {}
    out: list[Finding] = []
    for name in sorted(names):
        key = unicodedata.normalize("NFC", name)
        if key in seen:
            rel = str((folder / name).relative_to(root))
            out.append(error("E_NAME_CONFLICT", f"{rel}: names {seen[key]!r} and {name!r} are equal under Unicode "
                             "normalisation", "rename one of them", rel))
        seen[key] = name
    return out
