"""Random corruption of a good bundle never crashes the validator: every outcome is a report."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from babylm.submissions.validate import validate_bundle

REPLACEMENTS = (b"[]", b"null", b"1", b'"x"', b'{"format": 1}', b"{}", b'{"checkpoints": []}', b'{"files": null}',
                b'{"checkpoints": {"chck_1M": {"tasks": {"toy_pairs": {"score": 1, "items": [1, 2]}}}}}')


def _corrupt(b: Path, files: list[Path], good: Path, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        f = b / rng.choice(files).relative_to(good)
        if not f.exists():
            continue
        data = bytearray(f.read_bytes())
        op = rng.choice(["trunc", "flip", "garbage", "empty", "delete", "json"])
        if op == "delete":
            f.unlink()
            continue
        if op == "trunc" and data:
            data = data[: rng.randrange(len(data))]
        elif op == "flip" and data:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == "garbage":
            data = bytearray(rng.randbytes(rng.randint(1, 200)))
        elif op == "empty":
            data = bytearray()
        else:
            data = bytearray(rng.choice(REPLACEMENTS))
        f.write_bytes(bytes(data))


def test_random_corruptions_give_reports_not_crashes(built: tuple[Path, Path], tmp_path: Path) -> None:
    good, gold = built
    files = sorted(p for p in good.rglob("*") if p.is_file())
    rng = random.Random(1)
    rejected = 0
    for i in range(25):
        b = tmp_path / f"b{i}"
        shutil.copytree(good, b)
        _corrupt(b, files, good, rng)
        rep = validate_bundle(b, allow_scaled=True, load=False, data_root=gold)  # must not raise
        rejected += not rep.ok
        assert all(f.code and f.message for f in rep.findings.items)
        shutil.rmtree(b)
    assert rejected >= 18  # nearly every corruption is caught (a few hit bytes nothing reads)
