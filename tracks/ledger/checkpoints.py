"""Checkpoint folders: saved whole under a temporary name, then renamed; checked against the ledger.

A checkpoint is written as `RUN/.chck_1M.partial/` (the model saver's files, then
`babylm_checkpoint.json`) and renamed to `RUN/chck_1M` once complete, so a folder named `chck_*` is
always whole. Verification re-hashes its files against the ledger's `checkpoint` line.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from babylm.errors import BabyLMError
from babylm.io import file_sha256
from babylm.tracks.ledger.formats import CHECKPOINT_META, CheckpointLine, CheckpointMeta

SaveFn = Callable[[str, Path], None]



def stage_checkpoint(run_dir: Path, name: str, save_fn: SaveFn | None) -> tuple[Path, dict[str, str]]:
    """Save the model into a fresh `RUN/.NAME.partial` folder: (that folder, file name -> sha256)."""
    final = run_dir / name
    if final.exists():
        raise BabyLMError(f"checkpoint folder {final} already exists", hint="train into a new --out folder")
    tmp = run_dir / f".{name}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    if save_fn is not None:
        save_fn(name, tmp)
    return tmp, {p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}


def publish_checkpoint(tmp: Path, meta: CheckpointMeta) -> Path:
    """Add the metadata to a staged folder and move it to its final name (RUN/NAME)."""
    meta.write(tmp / CHECKPOINT_META)
    final = tmp.parent / meta.name
    os.replace(tmp, final)
    return final


def check_checkpoint_folder(run_dir: Path, line: CheckpointLine) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the folder a `checkpoint` line names: metadata and file hashes."""
    folder = run_dir / str(line.path or line.name)
    if not folder.is_dir():
        return [], [f"checkpoint folder {folder} not found (not checked)"]
    meta_path = folder / CHECKPOINT_META
    try:
        meta = CheckpointMeta.read(meta_path)
    except (BabyLMError, ValidationError) as exc:
        return [f"{meta_path}: unreadable ({exc})"], []
    errors = []
    if meta.ledger_hash != line.hash or meta.words_seen != line.words_seen:
        errors.append(f"{meta_path}: words_seen/ledger_hash do not match ledger line {line.seq + 1}")
    for fname, digest in line.files.items():
        fp = folder / fname
        if not fp.is_file():
            errors.append(f"{fp}: listed in the ledger but missing")
        elif file_sha256(fp) != digest:
            errors.append(f"{fp}: sha256 differs from the ledger (file changed after the checkpoint)")
    return errors, []
