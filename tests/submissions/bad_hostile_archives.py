"""Hostile bad bundles, part 2: archives whose members are encrypted, use a compression method the reader
lacks, fail their CRC, expand too much in total or per member count, or carry names equal under Unicode
normalisation; folders with hard links out of the bundle or normalisation-equivalent names."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from babylm.submissions.safe_load import Limits

NFC, NFD = "caf\u00e9.txt", "cafe\u0301.txt"


def _zip(b: Path, out_name: str = "bundle.zip") -> Path:
    out = b.parent / out_name
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(b.rglob("*")):
            if p.is_file():
                zf.write(p, f"bundle/{p.relative_to(b)}")
    return out


def _patch_member(zpath: Path, member: str, fn: Any) -> None:
    """Edit one member's local and central headers in place (fn(data, local_offset, central_offset))."""
    with zipfile.ZipFile(zpath) as zf:
        info = zf.getinfo(member)
    data = bytearray(zpath.read_bytes())
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        off = int.from_bytes(data[central + 42 : central + 46], "little")
        if data[central + 46 : central + 46 + name_len] == member.encode() and off == info.header_offset:
            break
        central = data.find(b"PK\x01\x02", central + 4)
    fn(data, info.header_offset, central)
    zpath.write_bytes(bytes(data))


def _zip_encrypted(b: Path, s: Path) -> Path:
    out = _zip(b)

    def enc(d: bytearray, lo: int, co: int) -> None:
        d[lo + 6] |= 0x01  # general purpose flag bit 0: encrypted
        d[co + 8] |= 0x01
    _patch_member(out, "bundle/submission.json", enc)
    return out


def _zip_unsupported_method(b: Path, s: Path) -> Path:
    out = _zip(b)

    def method(d: bytearray, lo: int, co: int) -> None:
        d[lo + 8 : lo + 10] = (99).to_bytes(2, "little")  # AES / unknown method id
        d[co + 10 : co + 12] = (99).to_bytes(2, "little")
    _patch_member(out, "bundle/submission.json", method)
    return out


def _zip_bad_crc(b: Path, s: Path) -> Path:
    out = _zip(b)

    def crc(d: bytearray, lo: int, co: int) -> None:
        for at in (lo + 14, co + 16):
            d[at] ^= 0xFF
    _patch_member(out, "bundle/submission.json", crc)
    return out


def _zip_many_zero_members(b: Path, s: Path) -> Path:
    """Members of exactly 1 MiB of zeros each: each one at the per-member threshold, the total a bomb."""
    out = _zip(b, "many.zip")
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        for i in range(64):
            zf.writestr(f"bundle/pad/{i}.bin", b"\0" * (1 << 20))
    return out


def _zip_total_too_large(b: Path, s: Path) -> Path:
    out = _zip(b, "big.zip")
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("bundle/pad.bin", os.urandom(3 << 20))
    return out


def _zip_too_many_members(b: Path, s: Path) -> Path:
    out = _zip(b, "members.zip")
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as zf:
        for i in range(150):
            zf.writestr(f"bundle/spam/{i}.txt", b"x")
    return out


def _tgz_bomb(b: Path, s: Path) -> Path:
    out = b.parent / "bomb.tar.gz"
    with tarfile.open(out, "w:gz") as tf:
        tf.add(b, arcname="bundle")
        ti = tarfile.TarInfo("bundle/zeros.bin")
        ti.size = 48 << 20
        tf.addfile(ti, io.BytesIO(b"\0" * ti.size))
    return out


def _zip_normalised_twins(b: Path, s: Path) -> Path:
    out = _zip(b, "twins.zip")
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr(f"bundle/{NFC}", "one")
        zf.writestr(f"bundle/{NFD}", "two")
    return out


def _zip_duplicate_member(b: Path, s: Path) -> Path:
    import warnings

    out = _zip(b, "dup.zip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "a") as zf:
            zf.writestr("bundle/fact_sheet.json", '{"format": "babylm.fact_sheet/1"}')
    return out


def _tar_normalised_twins(b: Path, s: Path) -> Path:
    out = b.parent / "twins.tar"
    with tarfile.open(out, "w") as tf:
        tf.add(b, arcname="bundle")
        for name in (NFC, NFD):
            ti = tarfile.TarInfo(f"bundle/{name}")
            ti.size = 3
            tf.addfile(ti, io.BytesIO(b"abc"))
    return out


def _folder_normalised_twins(b: Path, s: Path) -> Path:
    (b / NFC).write_text("one")
    (b / NFD).write_text("two")
    return b


def _hardlink_out(b: Path, s: Path) -> Path:
    outside = b.parent / "outside_secret.txt"
    outside.write_text("secret\n")
    os.link(outside, b / "checkpoints" / "chck_1M" / "vocab.txt")
    return b


def _hardlink_replaces_weights(b: Path, s: Path) -> Path:
    w = b / "checkpoints" / "chck_2M" / "model.safetensors"
    outside = b.parent / "other_weights.safetensors"
    outside.write_bytes(w.read_bytes())
    w.unlink()
    os.link(outside, w)
    return b


# (name, finding code, mutation[, validate_bundle arguments]): bad_bundle_corpus.Bad fields
HOSTILE_ARCHIVE_CASES: list[tuple[Any, ...]] = [
    ("zip_member_encrypted", "E_ARCHIVE", _zip_encrypted),
    ("zip_member_unsupported_method", "E_ARCHIVE", _zip_unsupported_method),
    ("zip_member_bad_crc", "E_ARCHIVE", _zip_bad_crc),
    ("zip_many_1mib_zero_members", "E_ARCHIVE", _zip_many_zero_members),
    ("zip_total_too_large", "E_ARCHIVE", _zip_total_too_large, {"limits": Limits(max_archive_bytes=2 << 20)}),
    ("zip_too_many_members", "E_ARCHIVE", _zip_too_many_members, {"limits": Limits(max_archive_files=100)}),
    ("tgz_expands_too_much", "E_ARCHIVE", _tgz_bomb),
    ("zip_names_equal_normalised", "E_ARCHIVE", _zip_normalised_twins),
    ("zip_duplicate_member", "E_ARCHIVE", _zip_duplicate_member),
    ("tar_names_equal_normalised", "E_ARCHIVE", _tar_normalised_twins),
    ("folder_names_equal_normalised", "E_NAME_CONFLICT", _folder_normalised_twins),
    ("hardlink_to_outside_file", "E_HARDLINK", _hardlink_out),
    ("hardlink_weights_from_outside", "E_HARDLINK", _hardlink_replaces_weights),
]
