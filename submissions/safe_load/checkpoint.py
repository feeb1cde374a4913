"""Static checks of a checkpoint folder: file kinds, config JSON, safetensors headers, sizes."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from babylm.submissions.findings import Finding, error
from babylm.submissions.safe_load.limits import DEFAULT_LIMITS, Limits, read_json_file

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz")
CODE_SUFFIXES = (".py", ".pyc", ".so", ".dll", ".dylib", ".sh", ".pyd")
CONVERT_HINT = (
    "convert on your side: model = AutoModel...from_pretrained(DIR) then "
    "model.save_pretrained(DIR, safe_serialization=True), and delete the pickle file"
)





def read_safetensors_header(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Parse a safetensors header without loading tensors; check offsets lie inside the file."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError("file too short for a safetensors header")
        (n,) = struct.unpack("<Q", head)
        if n > limits.max_header_bytes or n + 8 > size:
            raise ValueError(f"header length {n:,} is impossible for a {size:,}-byte file")
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("header is not valid JSON") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    data_len = size - 8 - n
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(t, dict) or not {"dtype", "shape", "data_offsets"} <= t.keys():
            raise ValueError(f"tensor {name!r}: malformed entry")
        lo, hi = t["data_offsets"]
        if not (0 <= lo <= hi <= data_len):
            raise ValueError(f"tensor {name!r}: data offsets {lo}..{hi} outside the {data_len:,}-byte data")
    return header


def count_params(ckpt: Path) -> int:
    """Parameters in a checkpoint's safetensors files, from the headers alone (tied weights once)."""
    total = 0
    seen: set[str] = set()
    for w in sorted(Path(ckpt).glob("*.safetensors")):
        for name, t in read_safetensors_header(w).items():
            if name == "__metadata__" or name in seen:
                continue
            seen.add(name)
            n = 1
            for s in t["shape"]:
                n *= int(s)
            total += n
    return total


def known_model_types() -> set[str]:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return set(CONFIG_MAPPING_NAMES)


def check_checkpoint_static(ckpt: Path, rel: str, limits: Limits = DEFAULT_LIMITS) -> list[Finding]:
    """Every check that needs no model: file kinds, config JSON, safetensors headers, sizes."""
    out: list[Finding] = []
    if not ckpt.is_dir():
        return [error("E_CHECKPOINT_MISSING", f"checkpoint folder {rel} is missing", "add it", rel)]
    files = [p for p in ckpt.rglob("*") if p.is_file() or p.is_symlink()]
    total = 0
    for p in files:
        r = f"{rel}/{p.relative_to(ckpt)}"
        if p.is_symlink():
            continue  # reported by check_tree
        total += p.stat().st_size
        suffix = p.suffix.lower()
        if suffix in PICKLE_SUFFIXES:
            out.append(
                error(
                    "E_PICKLE_WEIGHTS",
                    f"{r}: pickle-based file refused (loading it could run arbitrary code); only "
                    "safetensors weights are accepted",
                    CONVERT_HINT,
                    r,
                )
            )
        elif suffix in CODE_SUFFIXES:
            out.append(
                error(
                    "E_CODE_FILE",
                    f"{r}: code files are refused in a checkpoint; the model must load with stock transformers",
                    "remove it and use a model_type that transformers ships",
                    r,
                )
            )
    if total > limits.max_checkpoint_bytes:
        out.append(
            error(
                "E_CHECKPOINT_SIZE",
                f"{rel}: {total:,} bytes, over the {limits.max_checkpoint_bytes:,}-byte limit",
                "submit a smaller model or ask the organizers",
                rel,
            )
        )
    cfg_path = ckpt / "config.json"
    if not cfg_path.is_file():
        out.append(error("E_CONFIG_MISSING", f"{rel}/config.json is missing", "save the model with save_pretrained", rel))
    else:
        try:
            cfg = read_json_file(cfg_path, limits)
        except ValueError as exc:
            out.append(error("E_CONFIG_JSON", f"{rel}/config.json {exc}", "rewrite it with save_pretrained", rel))
            cfg = None
        if cfg is not None:
            out.extend(check_config(cfg, f"{rel}/config.json"))
    for name in ("tokenizer_config.json", "generation_config.json", "preprocessor_config.json"):
        p = ckpt / name
        if p.is_file() and not p.is_symlink():
            try:
                data = read_json_file(p, limits)
            except ValueError as exc:
                out.append(error("E_CONFIG_JSON", f"{rel}/{name} {exc}", "rewrite it", rel))
                continue
            if isinstance(data, dict) and "auto_map" in data:
                out.append(
                    error(
                        "E_AUTO_MAP",
                        f"{rel}/{name} has 'auto_map': custom code is refused",
                        "remove auto_map and use classes transformers ships",
                        rel,
                    )
                )
    weights = sorted(ckpt.glob("*.safetensors"))
    if not weights:
        out.append(
            error(
                "E_NO_SAFETENSORS",
                f"{rel}: no *.safetensors weights",
                "save with model.save_pretrained(DIR, safe_serialization=True)",
                rel,
            )
        )
    for w in weights:
        if w.is_symlink():
            continue
        try:
            read_safetensors_header(w, limits)
        except ValueError as exc:
            out.append(
                error("E_SAFETENSORS", f"{rel}/{w.name}: {exc}", "re-save the weights with safetensors", rel)
            )
    return out


def check_config(cfg: Any, where: str) -> list[Finding]:
    """Refuse configs that would need custom code: auto_map, unknown or missing model_type."""
    if not isinstance(cfg, dict):
        return [error("E_CONFIG_JSON", f"{where} is not a JSON object", "rewrite it with save_pretrained", where)]
    out: list[Finding] = []
    if "auto_map" in cfg:
        out.append(
            error(
                "E_AUTO_MAP",
                f"{where} has 'auto_map' ({', '.join(map(str, cfg['auto_map']))}): custom model code is refused",
                "remove auto_map and use an architecture transformers ships (trust_remote_code is never used)",
                where,
            )
        )
    mt = cfg.get("model_type")
    if not isinstance(mt, str) or not mt:
        out.append(error("E_MODEL_TYPE", f"{where} has no model_type", "save the config with save_pretrained", where))
    elif mt not in known_model_types():
        out.append(
            error(
                "E_MODEL_TYPE",
                f"{where}: model_type {mt!r} is not one transformers ships",
                "use a stock architecture (gpt2, llama, bert, ...)",
                where,
            )
        )
    return out


