"""Which checkpoints a run has: `chck_{N}M` sub-folders (+ the folder itself as "main"), or Hub revisions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import JSONReadError


@dataclass
class CheckpointRef:
    name: str
    path: Path | None  # local folder
    repo: str | None = None  # Hub repo id (revision = name)
    words_seen: int | None = None


def nominal_words(name: str) -> int | None:
    """Words seen that a checkpoint name stands for (chck_10M -> 10,000,000), None for other names."""
    from babylm.tracks.rules import parse_checkpoint_name

    try:
        return parse_checkpoint_name(name)
    except ValueError:
        return None


def words_seen(folder: Path, name: str) -> int | None:
    """From the folder's babylm_checkpoint.json when it is one, else from the checkpoint's name."""
    from pydantic import ValidationError

    from babylm.tracks.ledger.formats import CheckpointMeta

    meta = folder / "babylm_checkpoint.json"
    if meta.is_file():
        try:
            return CheckpointMeta.read(meta).words_seen
        except (JSONReadError, ValidationError):
            pass
    return nominal_words(name)


def wanted_names(checkpoints: str | Sequence[str] | None) -> list[str] | None:
    """None for every checkpoint ("all" or None), else the names asked for."""
    if isinstance(checkpoints, str):
        return None if checkpoints == "all" else [c.strip() for c in checkpoints.split(",") if c.strip()]
    return None if checkpoints is None else list(checkpoints)


def discover_checkpoints(model: str | Path, checkpoints: str | Sequence[str] | None, track: Any) -> list[
    CheckpointRef
]:
    """Checkpoints to evaluate, in schedule order: `chck_{N}M` sub-folders (+ the folder itself as
    "main" when it holds a model), or Hub revisions when `model` is not a local path."""
    wanted = wanted_names(checkpoints)
    root = Path(model).expanduser()
    if not root.exists():
        if "/" not in str(model) or str(model).startswith((".", "/", "~")):
            raise BabyLMError(f"model folder not found: {model}", hint="pass a run folder or a Hub repo id")
        names = wanted or list(track.checkpoint_names)
        return [CheckpointRef(n, None, repo=str(model), words_seen=nominal_words(n)) for n in names]
    if not root.is_dir():
        raise BabyLMError(f"not a folder: {root}", hint="pass the run folder that holds chck_*M checkpoints")
    found = {p.name: p for p in root.iterdir()
             if p.is_dir() and p.name.startswith("chck_") and nominal_words(p.name) is not None}
    ordered = sorted(found, key=lambda n: nominal_words(n) or 0)
    if (root / "config.json").is_file():
        found["main"] = root
        ordered.append("main")
    if wanted is not None:
        missing = [w for w in wanted if w not in found]
        if missing:
            raise BabyLMError(f"checkpoint(s) not found in {root}: {', '.join(missing)}",
                              hint=f"available: {', '.join(ordered) or 'none'}")
        ordered = [n for n in ordered if n in wanted]
    if not ordered:
        raise BabyLMError(f"no checkpoints in {root}", hint="expected chck_<N>M folders or a model folder")
    return [CheckpointRef(n, found[n], words_seen=words_seen(found[n], n)) for n in ordered]


def content_hash(cache: Any, ref: CheckpointRef) -> str:
    """The cache key of a checkpoint's content."""
    if ref.path is not None:
        return cache.content_hash(ref.path)
    # Hub revision: the name is all we have before downloading (a moved branch is not detected).
    return hashlib.sha256(f"hub:{ref.repo}@{ref.name}".encode()).hexdigest()
