"""Safe handling of untrusted submissions: guarded archive extraction and checkpoint loading.

Nothing from a bundle is ever imported or unpickled. Checkpoints are checked statically first
(file kinds, config JSON, safetensors headers, sizes); only then is a model built, with
`use_safetensors=True` and `trust_remote_code=False`, in a child process with a deadline per checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import struct
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from babylm.errors import BabyLMError
from babylm.submissions.findings import Finding, error, warning

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz")
CODE_SUFFIXES = (".py", ".pyc", ".so", ".dll", ".dylib", ".sh", ".pyd")
CONVERT_HINT = (
    "convert on your side: model = AutoModel...from_pretrained(DIR) then "
    "model.save_pretrained(DIR, safe_serialization=True), and delete the pickle file"
)


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted input (bytes / counts); defaults fit small and medium models."""

    max_archive_bytes: int = 20 * 1024**3  # total uncompressed size of an archive
    max_archive_files: int = 20_000
    max_ratio: float = 200.0  # uncompressed / compressed size of one member (decompression bombs)
    max_checkpoint_bytes: int = 8 * 1024**3
    max_header_bytes: int = 100 * 1024**2  # safetensors JSON header
    max_json_bytes: int = 64 * 1024**2  # any JSON file read from a bundle
    load_timeout_s: float = 120.0  # per checkpoint


DEFAULT_LIMITS = Limits()


# ---------------------------------------------------------------- archives


def _check_member_name(name: str) -> str | None:
    """Why an archive member name is unsafe, or None when it is a plain relative path."""
    if not name or "\x00" in name:
        return "empty or NUL in name"
    if "\\" in name:
        return "backslash in name"
    p = PurePosixPath(name)
    if p.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in p.parts:
        return "'..' in path"
    return None


def extract_archive(archive: Path, dest: Path, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Extract a .zip / .tar / .tar.gz bundle into `dest` (must not exist) with path, link and size guards.

    Raises BabyLMError naming the first offending member; on failure nothing is left at `dest`.
    Returns the bundle root: `dest`, or its single top-level folder when the archive has one.
    """
    archive = Path(archive)
    dest = Path(dest)
    if not archive.is_file():
        raise BabyLMError(f"archive not found: {archive}", "give the path of a .zip or .tar.gz bundle")
    if dest.exists():
        raise BabyLMError(f"extraction folder already exists: {dest}", "choose a new, empty work folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, tmp, limits)
        elif tarfile.is_tarfile(archive):
            _extract_tar(archive, tmp, limits)
        else:
            raise BabyLMError(f"{archive.name}: not a zip or tar archive", "pack the bundle folder with zip or tar")
        os.replace(tmp, dest)
    except OSError as exc:  # duplicate members, a file where a folder should be, disk full, ...
        shutil.rmtree(tmp, ignore_errors=True)
        raise BabyLMError(f"{archive.name}: cannot extract: {exc.strerror or exc} ({Path(exc.filename or '').name})",
                          "pack the bundle folder again with zip or tar") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    entries = [p for p in dest.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not (dest / "submission.json").exists():
        return entries[0]
    return dest


def _copy_limited(src: Any, out_path: Path, budget: list[int], name: str, compressed: int, limits: Limits) -> None:
    """Stream a member to disk, counting real bytes (headers may lie about sizes)."""
    written = 0
    with open(out_path, "xb") as out:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            written += len(chunk)
            budget[0] += len(chunk)
            if budget[0] > limits.max_archive_bytes:
                raise BabyLMError(
                    f"archive member {name!r}: archive expands past {limits.max_archive_bytes:,} bytes "
                    "(decompression bomb?)",
                    "ship a smaller bundle or ask the organizers for a larger limit",
                )
            if compressed > 0 and written > 1 << 20 and written / compressed > limits.max_ratio:
                raise BabyLMError(
                    f"archive member {name!r}: compression ratio over {limits.max_ratio:g} (decompression bomb?)",
                    "store weights uncompressed (safetensors compresses badly anyway)",
                )
            out.write(chunk)


def _write_members(
    dest: Path, members: Iterable[tuple[str, bool, int, Callable[[], Any]]], limits: Limits
) -> None:
    """Write checked archive members (name, is a folder, compressed size or 0 when unknown, opener of its
    byte stream or None) under `dest`, all of them together within the archive byte budget."""
    budget = [0]
    for name, is_dir, compressed, open_member in members:
        target = dest / name
        if is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = open_member()
        if src is None:
            continue
        with src:
            _copy_limited(src, target, budget, name, compressed, limits)


def _extract_zip(archive: Path, dest: Path, limits: Limits) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_archive_files:
            raise BabyLMError(
                f"{archive.name}: {len(infos):,} members, over the limit of {limits.max_archive_files:,}",
                "bundle fewer files",
            )
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_archive_bytes:
            raise BabyLMError(
                f"{archive.name}: declares {declared:,} uncompressed bytes, over {limits.max_archive_bytes:,} "
                "(decompression bomb?)",
                "ship a smaller bundle",
            )
        for info in infos:
            bad = _check_member_name(info.filename)
            if bad:
                raise BabyLMError(f"unsafe archive member {info.filename!r}: {bad}", "use relative paths only")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise BabyLMError(
                    f"unsafe archive member {info.filename!r}: symbolic link", "replace links by the files"
                )
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise BabyLMError(f"unsafe archive member {info.filename!r}: not a regular file", "")
        _write_members(
            dest, ((i.filename, i.is_dir(), i.compress_size, lambda i=i: zf.open(i)) for i in infos), limits
        )


def _extract_tar(archive: Path, dest: Path, limits: Limits) -> None:
    with tarfile.open(archive) as tf:
        members = []
        declared = 0
        for m in tf:  # streaming; stop early on a file-count bomb
            members.append(m)
            if len(members) > limits.max_archive_files:
                raise BabyLMError(
                    f"{archive.name}: over {limits.max_archive_files:,} members", "bundle fewer files"
                )
            bad = _check_member_name(m.name)
            if bad:
                raise BabyLMError(f"unsafe archive member {m.name!r}: {bad}", "use relative paths only")
            if m.issym() or m.islnk():
                raise BabyLMError(
                    f"unsafe archive member {m.name!r}: link to {m.linkname!r}", "replace links by the files"
                )
            if not (m.isfile() or m.isdir()):
                raise BabyLMError(f"unsafe archive member {m.name!r}: not a regular file", "")
            declared += m.size
            if declared > limits.max_archive_bytes:
                raise BabyLMError(
                    f"{archive.name}: expands past {limits.max_archive_bytes:,} bytes (decompression bomb?)",
                    "ship a smaller bundle",
                )
        _write_members(dest, ((m.name, m.isdir(), 0, lambda m=m: tf.extractfile(m)) for m in members), limits)
    # gzip bombs: the tar stream's total is bounded by the byte budget above.


# ---------------------------------------------------------------- bundle tree


def check_tree(root: Path) -> list[Finding]:
    """Refuse links (and anything that is not a file or folder) anywhere in a bundle folder."""
    found: list[Finding] = []
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(p)
                found.append(
                    error(
                        "E_SYMLINK",
                        f"{rel} is a symbolic link (to {target}); links are refused, they can escape the bundle",
                        "copy the real file into the bundle instead of linking it",
                        rel,
                    )
                )
            elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                found.append(error("E_SPECIAL_FILE", f"{rel} is not a regular file", "remove it", rel))
    return found


def read_json_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Read JSON from an untrusted file: size-limited, links refused, NaN/Infinity refused.

    Raises ValueError with a readable reason.
    """
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise ValueError("is a symbolic link")
    if st.st_size > limits.max_json_bytes:
        raise ValueError(f"is {st.st_size:,} bytes, over the {limits.max_json_bytes:,}-byte limit for JSON")

    def bad_constant(name: str) -> Any:
        raise ValueError(f"contains {name}, which is not valid JSON")

    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=bad_constant)
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


# ---------------------------------------------------------------- checkpoints (static)


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


# ---------------------------------------------------------------- checkpoints (loading, in a child)

_AUTO_CLASS = {
    "causal": "AutoModelForCausalLM",
    "mlm": "AutoModelForMaskedLM",
    "mntp": "AutoModelForMaskedLM",
    "enc_dec_mask": "AutoModelForSeq2SeqLM",
    "enc_dec_prefix": "AutoModelForSeq2SeqLM",
}


def _load_one(path: str, backend: str) -> dict[str, Any]:
    """Child side: build the model from safetensors only and run one tiny forward pass."""
    import torch
    import transformers

    cls = getattr(transformers, _AUTO_CLASS.get(backend, "AutoModelForCausalLM"))
    model = cls.from_pretrained(path, use_safetensors=True, trust_remote_code=False, local_files_only=True)
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    vocab = int(getattr(model.config, "vocab_size", 2) or 2)
    ids = torch.arange(min(4, vocab)).unsqueeze(0)
    with torch.no_grad():
        if backend.startswith("enc_dec"):
            logits = model(input_ids=ids, decoder_input_ids=ids).logits
        else:
            logits = model(input_ids=ids).logits
    finite = bool(torch.isfinite(logits).all())
    return {"n_params": int(n_params), "finite": finite, "vocab_size": vocab, "ok": finite}


def _child_main(backend: str) -> None:
    """Read checkpoint paths on stdin, one per line; print one JSON result line per checkpoint."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        try:
            res = _load_one(path, backend)
        except Exception as exc:  # report any load failure as data, never crash the parent
            res = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        res["path"] = path
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


def load_checkpoints(
    paths: Iterable[Path], backend: str = "causal", timeout_s: float = DEFAULT_LIMITS.load_timeout_s,
    startup_grace_s: float = 60.0,
    on_done: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Load each checkpoint for real in one child process, with a deadline per checkpoint.

    Returns {str(path): {"ok", "n_params", "finite", "error", "timeout"}}. A checkpoint that runs past
    its deadline kills the child; the next one starts a fresh child.
    """
    import queue
    import subprocess
    import threading

    todo = [str(p) for p in paths]
    results: dict[str, dict[str, Any]] = {}
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    while todo:
        proc = subprocess.Popen(
            [sys.executable, "-c", f"from babylm.submissions.safe_load import _child_main; _child_main({backend!r})"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
            cwd=tempfile.gettempdir(),
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(p: subprocess.Popen = proc, q: queue.Queue = lines) -> None:
            assert p.stdout is not None
            for ln in p.stdout:
                q.put(ln)
            q.put(None)

        threading.Thread(target=pump, daemon=True).start()
        assert proc.stdin is not None
        # The first checkpoint also pays for importing torch + transformers in the child (startup_grace_s).
        first = True
        try:
            while todo:
                path = todo[0]
                # The child runs in another folder: hand it an absolute path (a relative one would be
                # taken for a Hub repo id).
                proc.stdin.write(str(Path(path).resolve()) + "\n")
                proc.stdin.flush()
                try:
                    line = lines.get(timeout=timeout_s + (startup_grace_s if first else 0.0))
                except queue.Empty:
                    results[path] = {"ok": False, "timeout": True, "error": f"no result within {timeout_s:g} s"}
                    todo.pop(0)
                    if on_done:
                        on_done(path)
                    break
                first = False
                todo.pop(0)
                if line is None:
                    results[path] = {"ok": False, "error": "loader process died"}
                    break
                res = json.loads(line)
                res.pop("path", None)
                results[path] = res
                if on_done:
                    on_done(path)
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            proc.kill()
            proc.wait()
    return results


def load_findings(results: dict[str, dict[str, Any]], rel_of: dict[str, str], timeout_s: float) -> list[Finding]:
    """Turn load_checkpoints results into findings."""
    out: list[Finding] = []
    for path, res in results.items():
        rel = rel_of.get(path, path)
        if res.get("timeout"):
            out.append(
                error(
                    "E_LOAD_TIMEOUT",
                    f"{rel}: loading took longer than {timeout_s:g} s",
                    "check the checkpoint size; the organizers' limit is per checkpoint",
                    rel,
                )
            )
        elif not res.get("ok"):
            if res.get("error"):
                out.append(
                    error(
                        "E_LOAD",
                        f"{rel}: does not load with stock transformers: {res['error']}",
                        "check it loads with from_pretrained(DIR, use_safetensors=True)",
                        rel,
                    )
                )
            else:
                out.append(
                    error("E_LOAD_NAN", f"{rel}: the model outputs NaN or Inf", "check the weights", rel)
                )
    return out


def warn_hub(rel: str) -> Finding:
    return warning(
        "W_HUB_NOT_CHECKED",
        f"{rel}: model on the Hugging Face Hub; the validator works offline and did not load it",
        "run the validator on a local copy (huggingface-cli download --revision chck_NM)",
        rel,
    )
