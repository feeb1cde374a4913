"""Loading checkpoints for real, in a child process under limits: a wall-clock deadline per checkpoint
(past it the child is killed) and an address-space limit (RLIMIT_AS, `Limits.load_memory_bytes`): a model
larger than the limit fails to allocate in the child, which reports it (E_LOAD_MEMORY) or dies (E_LOAD),
and the validator goes on."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from babylm.submissions.findings import Finding, error, warning
from babylm.submissions.safe_load.limits import DEFAULT_LIMITS, cap_address_space


def _load_one(path: str, backend: str) -> dict[str, Any]:
    """Child side: build the model from safetensors only and run one tiny forward pass."""
    import torch
    import transformers

    from babylm.evaluation.registry import get_backend

    auto_class = get_backend(backend).auto_class
    cls = getattr(transformers, auto_class)
    model = cls.from_pretrained(path, use_safetensors=True, trust_remote_code=False, local_files_only=True)
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    vocab = int(getattr(model.config, "vocab_size", 2) or 2)
    ids = torch.arange(min(4, vocab)).unsqueeze(0)
    with torch.no_grad():
        if auto_class == "AutoModelForSeq2SeqLM":  # an encoder-decoder needs decoder inputs
            logits = model(input_ids=ids, decoder_input_ids=ids).logits
        else:
            logits = model(input_ids=ids).logits
    finite = bool(torch.isfinite(logits).all())
    return {"n_params": int(n_params), "finite": finite, "vocab_size": vocab, "ok": finite}


MEMORY_WORDS = ("MemoryError", "can't allocate memory", "Cannot allocate memory", "not enough memory",
                "std::bad_alloc", "out of memory")
LOADER = "babylm.submissions.safe_load.child:_load_one"


def _child_main(backend: str, max_bytes: int | None = None, loader: str = LOADER) -> None:
    """Read checkpoint paths on stdin, one per line; print one JSON result line per checkpoint."""
    import importlib

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    cap_address_space(max_bytes)
    mod, _, fn = loader.partition(":")
    load_one = getattr(importlib.import_module(mod), fn)
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        try:
            res = load_one(path, backend)
        except BaseException as exc:  # report any load failure as data (a MemoryError too), never crash the parent
            text = f"{type(exc).__name__}: {str(exc)[:300]}"
            res = {"ok": False, "error": text, "memory": any(w in text for w in MEMORY_WORDS)}
        res["path"] = path
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


def load_checkpoints(
    paths: Iterable[Path], backend: str = "causal", timeout_s: float = DEFAULT_LIMITS.load_timeout_s,
    startup_grace_s: float = 60.0,
    on_done: Callable[[str], None] | None = None,
    max_bytes: int | None = DEFAULT_LIMITS.load_memory_bytes,
    loader: str = LOADER,
) -> dict[str, dict[str, Any]]:
    """Load each checkpoint for real in one child process, with a deadline per checkpoint and the child's
    address space capped at `max_bytes` (None: no cap).

    Returns {str(path): {"ok", "n_params", "finite", "error", "timeout", "memory"}}. A checkpoint that runs
    past its deadline kills the child; the next one starts a fresh child. `loader` ("module:function",
    called as function(path, backend) in the child) is for tests.
    """
    import queue
    import subprocess
    import threading

    todo = [str(p) for p in paths]
    results: dict[str, dict[str, Any]] = {}
    # One thread and two malloc arenas: per-thread arenas reserve address space the model never uses.
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MALLOC_ARENA_MAX="2", TOKENIZERS_PARALLELISM="false")
    code = (f"from babylm.submissions.safe_load.child import _child_main; "
            f"_child_main({backend!r}, {max_bytes!r}, {loader!r})")
    while todo:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
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
                    rc = proc.wait(timeout=10)
                    why = f"killed by signal {-rc}" if rc and rc < 0 else f"exit status {rc}"
                    if max_bytes:
                        why += f"; over the memory limit of {max_bytes:,} bytes?"
                    results[path] = {"ok": False, "error": f"loader process died ({why})"}
                    if on_done:
                        on_done(path)
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


def load_findings(results: dict[str, dict[str, Any]], rel_of: dict[str, str], timeout_s: float,
                  max_bytes: int | None = DEFAULT_LIMITS.load_memory_bytes) -> list[Finding]:
    """Turn load_checkpoints results into findings."""
    out: list[Finding] = []
    for path, res in results.items():
        rel = rel_of.get(path, path)
        if res.get("memory"):
            out.append(error("E_LOAD_MEMORY", f"{rel}: loading needs more memory than the limit of "
                             f"{max_bytes or 0:,} bytes ({str(res.get('error', ''))[:200]})",
                             "check that config.json describes the bundled weights; the organizers' limit is per "
                             "checkpoint", rel))
        elif res.get("timeout"):
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
