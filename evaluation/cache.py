"""Result cache: per-item candidate scores keyed by checkpoint content + task version + scoring setup.

Key = sha256 of the checkpoint's files (weights, config, tokenizer; computed once and remembered by
file size + mtime) + task name + task version + backend + compat + split. One JSON file per
(checkpoint, task), written atomically (temp + rename), so an interrupted run resumes at the first
(checkpoint, task) it had not finished and a re-run reads everything back.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from babylm.io import atomic_write_json, atomic_write_text

CACHE_FORMAT = "babylm.score_cache/1"
# Files of a checkpoint folder that are not model content (the training metadata may be rewritten).
_NOT_CONTENT = {"babylm_checkpoint.json", "README.md", "training_args.json"}


def content_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in _NOT_CONTENT
    )


def hash_files(folder: Path) -> str:
    h = hashlib.sha256()
    for p in content_files(folder):
        h.update(p.name.encode() + b"\0")
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


class ResultCache:
    """Score cache under `root` (default `<model>/.babylm_cache`)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # ---- checkpoint content hashes ----
    def content_hash(self, folder: Path) -> str:
        """sha256 of the checkpoint's content files, remembered by (name, size, mtime) fingerprint."""
        folder = folder.resolve()
        stamp = [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in content_files(folder)]
        memo_path = self.root / "content_hashes.json"
        memo = _read_json(memo_path) or {}
        entry = memo.get(str(folder))
        if entry and entry.get("stamp") == stamp:
            return entry["sha256"]
        digest = hash_files(folder)
        memo = _read_json(memo_path) or {}  # re-read: another process may have added entries
        memo[str(folder)] = {"stamp": stamp, "sha256": digest}
        atomic_write_json(memo_path, memo, indent=1, newline=False)
        return digest

    # ---- per-task scores ----
    def path(self, content_hash: str, task: str, version: str, backend: str, compat: str, split: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in task)
        return self.root / content_hash[:32] / f"{safe}-v{version}-{backend}-{compat}-{split}.json"

    def get(self, key: dict[str, str], ids: list[str]) -> list[list[float]] | None:
        """Cached scores for these item ids in this order, or None (missing, stale or corrupt)."""
        data = _read_json(self.path(**key))
        if not data or data.get("format") != CACHE_FORMAT or data.get("key") != key or data.get("ids") != ids:
            return None
        return data["scores"]

    def put(self, key: dict[str, str], ids: list[str], scores: list[list[float]]) -> None:
        doc: dict[str, Any] = {"format": CACHE_FORMAT, "key": key, "ids": ids, "scores": scores}
        # NaN allowed here: a scorer's non-finite score is cached as given and the task's check reports it
        atomic_write_text(self.path(**key), json.dumps(doc, separators=(",", ":")))


    # ---- results computed across checkpoints (AoA fits: seconds, so a cached re-run skips them too) ----
    def derived_path(self, key: dict[str, Any]) -> Path:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
        return self.root / "across" / f"{digest[:32]}.json"

    def get_derived(self, key: dict[str, Any]) -> dict[str, Any] | None:
        data = _read_json(self.derived_path(key))
        if not data or data.get("format") != CACHE_FORMAT or data.get("key") != key:
            return None
        return data["result"]

    def put_derived(self, key: dict[str, Any], result: dict[str, Any]) -> None:
        doc = {"format": CACHE_FORMAT, "key": key, "result": result}
        atomic_write_json(self.derived_path(key), doc, indent=None, newline=False)


def _read_json(path: Path) -> Any:
    """The file's JSON, or None when it is missing or unreadable (a cache miss, never an error).

    Not `babylm.io.read_json`: its depth scan and duplicate-key hook made a cached re-run of 19
    checkpoints 5x slower, and these files are our own, checked field by field after reading."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
