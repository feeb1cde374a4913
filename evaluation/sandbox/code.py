"""What custom code a checkpoint ships: the `auto_map` of its configs and every code file, hashed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.io import file_sha256

CODE_SUFFIXES = (".py", ".pyc", ".so", ".dll", ".dylib", ".sh", ".pyd")
MAP_FILES = ("config.json", "tokenizer_config.json")


def custom_code(checkpoint: Path) -> dict[str, Any] | None:
    """{"auto_map": {...}, "files": {relative path: sha256}} for a folder with custom code, else None.

    The configs are read with the bounded JSON reader; files are hashed in chunks (never imported).
    """
    from babylm.io import JSONReadError, read_json

    auto_map: dict[str, Any] = {}
    for name in MAP_FILES:
        p = checkpoint / name
        if not p.is_file() or p.is_symlink():
            continue
        try:
            data = read_json(p, what=name)
        except (JSONReadError, OSError):
            continue
        if isinstance(data, dict) and isinstance(data.get("auto_map"), dict):
            auto_map.update({str(k): v for k, v in data["auto_map"].items()})
    files = {str(p.relative_to(checkpoint)): file_sha256(p) for p in sorted(checkpoint.rglob("*"))
             if p.is_file() and not p.is_symlink() and p.suffix.lower() in CODE_SUFFIXES}
    if not auto_map and not files:
        return None
    return {"auto_map": auto_map, "files": files}
