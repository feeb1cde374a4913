"""Edits the bad-bundle cases make to a copy of a good bundle: JSON files, every task result, a
forged ledger chain. One module, so the corpus files (which import each other) share them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def jload(p: Path) -> Any:
    return json.loads(p.read_text())


def jsave(p: Path, obj: Any) -> None:
    p.write_text(json.dumps(obj, indent=1))


def edit_json(rel: str, fn: Callable[[Any], None]) -> Callable[[Path, Path], Path]:
    def mutate(b: Path, sentinel: Path) -> Path:
        obj = jload(b / rel)
        fn(obj)
        jsave(b / rel, obj)
        return b

    return mutate


def edit_each_task(b: Path, edit: Callable[[dict], None]) -> Path:
    """Apply `edit` to every task entry of every checkpoint in the bundle's results.json."""
    obj = jload(b / "results.json")
    for c in obj["checkpoints"].values():
        for t in c["tasks"].values():
            edit(t)
    jsave(b / "results.json", obj)
    return b


def rehash_ledger(path: Path, lines: list[dict[str, Any]]) -> None:
    """Forge a consistent chain (what a cheater who rewrites every hash would do)."""
    from babylm.tracks.ledger import ZERO_HASH, line_hash

    prev = ZERO_HASH
    out = []
    for i, obj in enumerate(lines):
        obj["seq"], obj["prev"] = i, prev
        obj["hash"] = line_hash(obj)
        prev = obj["hash"]
        out.append(json.dumps(obj, sort_keys=True, separators=(",", ":")))
    path.write_text("\n".join(out) + "\n")
