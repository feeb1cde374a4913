"""Bad archives for the bad-bundle corpus: zip and tar files that try to escape, link, or expand."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babylm.submissions.safe_load import Limits


def _zip_of(b: Path, extra: Callable[[zipfile.ZipFile], None]) -> Path:
    out = b.parent / "bundle.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(b.rglob("*")):
            if p.is_file():
                zf.write(p, f"bundle/{p.relative_to(b)}")
        extra(zf)
    return out


def _zip_slip(b: Path, s: Path) -> Path:
    return _zip_of(b, lambda zf: zf.writestr("../../" + s.name, "escaped"))


def _zip_absolute(b: Path, s: Path) -> Path:
    return _zip_of(b, lambda zf: zf.writestr(str(s), "escaped"))


def _zip_symlink(b: Path, s: Path) -> Path:
    def add(zf: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("bundle/checkpoints/chck_1M/link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")

    return _zip_of(b, add)


def _zip_bomb(b: Path, s: Path) -> Path:
    out = b.parent / "bomb.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bundle/submission.json", "{}")
        with zf.open("bundle/zeros.bin", "w", force_zip64=True) as f:  # ~30 KB compressed, 64 MB raw
            chunk = b"\0" * (1 << 20)
            for _ in range(64):
                f.write(chunk)
    return out


def _tar_of(b: Path, extra: Callable[[tarfile.TarFile], None]) -> Path:
    out = b.parent / "bundle.tar.gz"
    with tarfile.open(out, "w:gz") as tf:
        tf.add(b, arcname="bundle")
        extra(tf)
    return out


def _tar_link(member: str, kind: bytes, target: str) -> Callable[[Path, Path], Path]:
    """A case: the bundle as a tar.gz plus a link member (`kind`: tarfile.SYMTYPE or LNKTYPE)."""

    def mutate(b: Path, s: Path) -> Path:
        def add(tf: tarfile.TarFile) -> None:
            ti = tarfile.TarInfo(member)
            ti.type, ti.linkname = kind, target
            tf.addfile(ti)

        return _tar_of(b, add)

    return mutate


def _tar_dotdot(b: Path, s: Path) -> Path:
    def add(tf: tarfile.TarFile) -> None:
        data = b"escaped"
        ti = tarfile.TarInfo("bundle/../../" + s.name)
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))

    return _tar_of(b, add)


def _tar_many_files(b: Path, s: Path) -> Path:
    def add(tf: tarfile.TarFile) -> None:
        for i in range(300):
            ti = tarfile.TarInfo(f"bundle/spam/{i}.txt")
            tf.addfile(ti, io.BytesIO(b""))

    return _tar_of(b, add)


# (name, finding code, mutation[, validate_bundle arguments]): bad_bundle_corpus.Bad fields
ARCHIVE_CASES: list[tuple[Any, ...]] = [
    ("zip_slip", "E_ARCHIVE", _zip_slip),
    ("zip_absolute_path", "E_ARCHIVE", _zip_absolute),
    ("zip_symlink_member", "E_ARCHIVE", _zip_symlink),
    ("zip_decompression_bomb", "E_ARCHIVE", _zip_bomb),
    ("tar_symlink_member", "E_ARCHIVE", _tar_link("bundle/escape", tarfile.SYMTYPE, "/")),
    ("tar_hardlink_member", "E_ARCHIVE", _tar_link("bundle/passwd", tarfile.LNKTYPE, "/etc/passwd")),
    ("tar_dotdot_member", "E_ARCHIVE", _tar_dotdot),
    ("tar_file_count_bomb", "E_ARCHIVE", _tar_many_files, {"limits": Limits(max_archive_files=100)}),
]
