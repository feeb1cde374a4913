"""Loading checkpoints for real, in a child process with a deadline per checkpoint."""

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
from babylm.submissions.safe_load.limits import DEFAULT_LIMITS


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
            [sys.executable, "-c", f"from babylm.submissions.safe_load.child import _child_main; _child_main({backend!r})"],
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
