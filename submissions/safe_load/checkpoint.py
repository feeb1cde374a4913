"""Static checks of a checkpoint folder: file kinds, config JSON, safetensors headers, sizes."""

from __future__ import annotations

import math
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
    """Parse a safetensors header without loading tensors (bounded, strict JSON); check every entry's
    types (dtype a string, shape a list of non-negative integers, data_offsets two integers) and that its
    offsets lie inside the file. Raises ValueError with the reason."""
    from babylm.io import JSONReadError, parse_json

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
        header = parse_json(raw, where="header")
    except JSONReadError as exc:
        raise ValueError(f"header is not valid JSON ({str(exc).removeprefix('header: ')[:200]})") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    data_len = size - 8 - n
    for name, t in header.items():
        if name == "__metadata__":
            if not isinstance(t, dict) or not all(isinstance(v, str) for v in t.values()):
                raise ValueError("__metadata__ must map names to strings")
            continue
        _check_tensor_entry(name, t, data_len)
    return header


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_tensor_entry(name: str, t: Any, data_len: int) -> None:
    if not isinstance(t, dict) or not {"dtype", "shape", "data_offsets"} <= t.keys():
        raise ValueError(f"tensor {name!r}: malformed entry")
    if not isinstance(t["dtype"], str):
        raise ValueError(f"tensor {name!r}: dtype {t['dtype']!r} is not a string")
    shape = t["shape"]
    if not isinstance(shape, list) or len(shape) > 16 or not all(_is_int(s) and 0 <= s < 2**40 for s in shape):
        raise ValueError(f"tensor {name!r}: shape {str(shape)[:80]} is not a list of non-negative integers")
    offs = t["data_offsets"]
    if not isinstance(offs, list) or len(offs) != 2 or not all(_is_int(o) for o in offs):
        raise ValueError(f"tensor {name!r}: data_offsets {str(offs)[:80]} is not a pair of integers")
    lo, hi = offs
    if not (0 <= lo <= hi <= data_len):
        raise ValueError(f"tensor {name!r}: data offsets {lo}..{hi} outside the {data_len:,}-byte data")


def count_params(ckpt: Path, limits: Limits = DEFAULT_LIMITS) -> int:
    """Parameters in a checkpoint's safetensors files, from the headers alone (tied weights once)."""
    total = 0
    seen: set[str] = set()
    for w in sorted(Path(ckpt).glob("*.safetensors")):
        for name, t in read_safetensors_header(w, limits).items():
            if name == "__metadata__" or name in seen:
                continue
            seen.add(name)
            total += math.prod(t["shape"])
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
            from babylm.io import file_sha256

            out.append(
                error(
                    "E_CODE_FILE",
                    f"{r} (custom code, sha256 {file_sha256(p)}): code files are refused in a checkpoint; the "
                    "model must load with stock transformers",
                    "remove it and use a model_type that transformers ships (`babylm eval run "
                    "--trust-remote-code` scores custom code yourself, in the sandbox)",
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
    cfg = _config(ckpt, rel, limits, out)
    _other_json(ckpt, rel, limits, out)
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
    n_params: int | None = 0
    for w in weights:
        if w.is_symlink():
            n_params = None
            continue
        try:
            read_safetensors_header(w, limits)
        except ValueError as exc:
            n_params = None
            out.append(
                error("E_SAFETENSORS", f"{rel}/{w.name}: {exc}", "re-save the weights with safetensors", rel)
            )
    if cfg is not None:
        from babylm.submissions.safe_load.config_sanity import check_config_sizes

        if n_params is not None and weights:
            n_params = count_params(ckpt, limits)
        out.extend(check_config_sizes(cfg, f"{rel}/config.json", n_params if weights else None))
    return out


def _config(ckpt: Path, rel: str, limits: Limits, out: list[Finding]) -> Any:
    """The checkpoint's config.json (None after a finding)."""
    cfg_path = ckpt / "config.json"
    if not cfg_path.is_file():
        out.append(error("E_CONFIG_MISSING", f"{rel}/config.json is missing", "save the model with save_pretrained", rel))
        return None
    try:
        cfg = read_json_file(cfg_path, limits)
    except ValueError as exc:
        out.append(error("E_CONFIG_JSON", f"{rel}/config.json {exc}", "rewrite it with save_pretrained", rel))
        return None
    found = check_config(cfg, f"{rel}/config.json")
    out.extend(found)
    return cfg if isinstance(cfg, dict) else None


CONFIG_NAMES = ("tokenizer_config.json", "generation_config.json", "preprocessor_config.json")
# Tokenizer files that are not JSON: only their size is bounded (the tokenizer library parses them).
TEXT_TOKENIZER_SUFFIXES = (".txt", ".model", ".vocab", ".tiktoken")


def _other_json(ckpt: Path, rel: str, limits: Limits, out: list[Finding]) -> None:
    """Every other JSON file of the checkpoint (tokenizer.json, vocab.json, ...) is read by the bounded,
    strict reader: size and depth limits, no duplicate keys, finite numbers; configs may not name code."""
    for p in sorted(ckpt.rglob("*")):
        if p.is_symlink() or not p.is_file() or p.name in ("config.json", "babylm_checkpoint.json"):
            continue
        r = f"{rel}/{p.relative_to(ckpt)}"
        if p.suffix.lower() in TEXT_TOKENIZER_SUFFIXES:
            if p.stat().st_size > limits.max_json_bytes:
                out.append(error("E_TOKENIZER", f"{r}: {p.stat().st_size:,} bytes, over the "
                                 f"{limits.max_json_bytes:,}-byte limit for tokenizer files", "save the tokenizer "
                                 "with save_pretrained", rel))
            continue
        if p.suffix.lower() != ".json":
            continue
        code = "E_CONFIG_JSON" if p.name in CONFIG_NAMES else "E_TOKENIZER"
        try:
            data = read_json_file(p, limits)
        except ValueError as exc:
            out.append(error(code, f"{r} {exc}", "save it again with save_pretrained", rel))
            continue
        if p.name in CONFIG_NAMES and isinstance(data, dict) and "auto_map" in data:
            out.append(
                error(
                    "E_AUTO_MAP",
                    f"{r} has 'auto_map': custom code is refused",
                    "remove auto_map and use classes transformers ships",
                    rel,
                )
            )


def _names(v: Any) -> str:
    return (", ".join(map(str, v)) if isinstance(v, (dict, list)) else str(v))[:200]


def check_config(cfg: Any, where: str) -> list[Finding]:
    """Refuse configs that would need custom code: auto_map, unknown or missing model_type."""
    if not isinstance(cfg, dict):
        return [error("E_CONFIG_JSON", f"{where} is not a JSON object", "rewrite it with save_pretrained", where)]
    out: list[Finding] = []
    if "auto_map" in cfg:
        out.append(
            error(
                "E_AUTO_MAP",
                f"{where} has 'auto_map' ({_names(cfg['auto_map'])}): custom model code is refused",
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


