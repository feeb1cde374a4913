"""Write password zips (traditional PKWARE "ZipCrypto", stored entries), as the official EWoK zips are.

Python's `zipfile` reads such zips but cannot write them. This writer exists so that tests and the demo
can build small synthetic data sets in the official packaging without any external `zip` tool.
ZipCrypto is weak encryption: it only keeps text from being casually readable, which is what the
data's terms ask for.
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Mapping
from pathlib import Path


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


class _Cipher:
    def __init__(self, password: bytes) -> None:
        self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
        for b in password:
            self._update(b)

    def _crc(self, crc: int, b: int) -> int:
        return (crc >> 8) ^ _TABLE[(crc ^ b) & 0xFF]

    def _update(self, b: int) -> None:
        self.k0 = self._crc(self.k0, b)
        self.k1 = ((self.k1 + (self.k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = self._crc(self.k2, self.k1 >> 24)

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for p in data:
            t = (self.k2 | 2) & 0xFFFF
            out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self._update(p)
        return bytes(out)


def write_encrypted_zip(path: Path | str, members: Mapping[str, bytes | str], password: bytes | str) -> Path:
    """Write `members` (name -> content) into a ZipCrypto zip at `path` (atomically: temp + rename)."""
    pwd = password.encode("utf-8") if isinstance(password, str) else password
    path = Path(path)
    t = time.localtime()
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    body = bytearray()
    central = bytearray()
    for name, content in members.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        crc = zlib.crc32(data) & 0xFFFFFFFF
        cipher = _Cipher(pwd)
        header = os.urandom(11) + bytes([crc >> 24])  # the last byte lets readers check the password
        payload = cipher.encrypt(header) + cipher.encrypt(data)
        fname = name.encode("utf-8")
        offset = len(body)
        fields = (20, 0x1, 0, dos_time, dos_date, crc, len(payload), len(data), len(fname), 0)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + fname + payload
        central += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHH", *fields)
        central += struct.pack("<HHHII", 0, 0, 0, 0, offset) + fname
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(body), 0)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(bytes(body + central + end))
    tmp.replace(path)
    return path
