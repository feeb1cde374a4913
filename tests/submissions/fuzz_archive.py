"""Hypothesis strategies for the format fuzz suite: a bundle packed as zip / tar / tar.gz with one hostile
change to its members (names, links, devices, duplicates, sizes, encryption, CRC)."""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from babylm.submissions.safe_load import Limits

# Limits small enough that the "many" and "big" archive changes cross them quickly.
LIMITS = Limits(max_archive_bytes=8 * 1024**2, max_archive_files=400, max_json_bytes=1024**2,
                max_header_bytes=256 * 1024)

NAMES = ["../evil", "../../evil", "/abs/evil", "a\\..\\evil", "C:/evil", "bundle/\x00x", "", ".", "bundle/../../x",
         "bundle/" + "d/" * 200 + "f", "bundle/" + "x" * 300, "bundle/\x1b[2Jname", "bundle/caf\u00e9.json",
         "bundle/cafe\u0301.json", "bundle/RESULTS.JSON", "bundle/results.json/", "bundle//results.json"]
ARCHIVE_OPS = ("rename", "rename", "symlink", "hardlink", "device", "fifo", "duplicate", "nfc_twin", "many",
               "big", "encrypted", "method", "crc", "plain")
HOSTILE = {"symlink", "hardlink", "device", "fifo", "duplicate", "nfc_twin", "many", "big", "encrypted", "method",
           "crc"}


@dataclass
class Member:
    name: str
    data: bytes = b""
    kind: str = "file"  # file, dir, symlink, hardlink, device, fifo
    link: str = ""


def members_of(root: Path) -> list[Member]:
    out = [Member("bundle", kind="dir")]
    for p in sorted(root.rglob("*")):
        name = f"bundle/{p.relative_to(root)}"
        out.append(Member(name, kind="dir") if p.is_dir() else Member(name, p.read_bytes()))
    return out


def pack(members: list[Member], fmt: str, dest: Path, zip_flags: dict[str, Any]) -> Path:
    if fmt == "zip":
        out = dest.with_suffix(".zip")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for m in members:
                info = zipfile.ZipInfo(m.name + ("/" if m.kind == "dir" and not m.name.endswith("/") else ""))
                if m.kind == "symlink":
                    info.external_attr = (0o120777 << 16)
                    z.writestr(info, m.link)
                elif m.kind == "dir":
                    info.external_attr = (0o40755 << 16) | 0x10
                    z.writestr(info, b"")
                else:
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, m.data)
        _patch_zip(out, zip_flags)
        return out
    out = dest.with_suffix(".tar.gz" if fmt == "tgz" else ".tar")
    with tarfile.open(out, "w:gz" if fmt == "tgz" else "w") as t:
        for m in members:
            ti = tarfile.TarInfo(m.name)
            if m.kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif m.kind in ("symlink", "hardlink"):
                ti.type = tarfile.SYMTYPE if m.kind == "symlink" else tarfile.LNKTYPE
                ti.linkname = m.link
                t.addfile(ti)
            elif m.kind in ("device", "fifo"):
                ti.type = tarfile.CHRTYPE if m.kind == "device" else tarfile.FIFOTYPE
                t.addfile(ti)
            else:
                ti.size = len(m.data)
                t.addfile(ti, io.BytesIO(m.data))
    return out


def _patch_zip(path: Path, flags: dict[str, Any]) -> None:
    """Set the encrypted bit / an unknown method / a wrong CRC on the zip member named flags['member']."""
    if not flags:
        return
    raw = bytearray(path.read_bytes())
    name = flags["member"].encode()
    for sig, name_at, flag_at, method_at, crc_at in ((b"PK\x03\x04", 30, 6, 8, 14), (b"PK\x01\x02", 46, 8, 10, 16)):
        i = raw.find(sig)
        while i != -1:
            nlen = struct.unpack_from("<H", raw, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            if raw[i + name_at : i + name_at + nlen] == name:
                if flags["op"] == "encrypted":
                    struct.pack_into("<H", raw, i + flag_at, struct.unpack_from("<H", raw, i + flag_at)[0] | 1)
                elif flags["op"] == "method":
                    struct.pack_into("<H", raw, i + method_at, 99)
                else:
                    struct.pack_into("<I", raw, i + crc_at, struct.unpack_from("<I", raw, i + crc_at)[0] ^ 0xFFFF)
            i = raw.find(sig, i + 4)
    path.write_bytes(bytes(raw))


@st.composite
def archive_change(draw: Any, members: list[Member]) -> tuple[list[Member], str, dict[str, Any], str]:
    """(members, format, zip patch, op)."""
    op = draw(st.sampled_from(ARCHIVE_OPS))
    fmt = draw(st.sampled_from(("zip", "tar", "tgz")))
    if op in ("symlink", "hardlink", "device", "fifo") and fmt == "zip" and op != "symlink":
        fmt = "tar"
    if op in ("encrypted", "method", "crc"):
        fmt = "zip"
    out = [Member(m.name, m.data, m.kind, m.link) for m in members]
    files = [i for i, m in enumerate(out) if m.kind == "file"]
    i = draw(st.sampled_from(files))
    flags: dict[str, Any] = {}
    if op == "rename":
        out[i].name = draw(st.sampled_from(NAMES) | st.text(min_size=1, max_size=30).map(lambda s: f"bundle/{s}"))
    elif op in ("symlink", "hardlink"):
        target = draw(st.sampled_from(["/etc/passwd", "../../../etc/passwd", "bundle/results.json", "results.json"]))
        out.append(Member(out[i].name + ".lnk" if draw(st.booleans()) else out[i].name, kind=op, link=target))
    elif op in ("device", "fifo"):
        out.append(Member("bundle/dev", kind=op))
    elif op == "duplicate":
        out.append(Member(out[i].name, b'{"format": "evil"}'))
    elif op == "nfc_twin":
        out += [Member("bundle/caf\u00e9.json", b"{}"), Member("bundle/cafe\u0301.json", b"[]")]
    elif op == "many":
        out += [Member(f"bundle/pad/{k}.txt", b"x") for k in range(LIMITS.max_archive_files + 10)]
    elif op == "big":
        out.append(Member("bundle/big.bin", os.urandom(1024) * (LIMITS.max_archive_bytes // 1024 + 8)))
    elif op in ("encrypted", "method", "crc"):
        flags = {"op": op, "member": out[i].name}
    return out, fmt, flags, op
