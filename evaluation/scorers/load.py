"""Scorer factory and loading: turn a checkpoint folder (or Hub revision) into a `Scorer` for a backend.

Checkpoints load from safetensors only. A checkpoint's own model code (config.json `auto_map`) is
never run in this process: `babylm.evaluation.sandbox` runs it under bubblewrap, the only place
`load_model(..., trust_remote_code=True)` is allowed. All backends score in float32 and return one
summed natural-log probability per request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, Scorer
from babylm.evaluation.registry import get_backend
from babylm.io import JSONReadError, read_json

ENGINES = ("auto", "native", "transformers")


class CheckpointError(BabyLMError):
    """A checkpoint that cannot be loaded safely (missing files, pickle weights, remote code)."""


class ScoreError(BabyLMError):
    """Scoring failed for one request (e.g. NaN/inf log-probability); `index` is the request's position."""

    def __init__(self, message: str, hint: str | None = None, index: int | None = None) -> None:
        super().__init__(message, hint)
        self.index = index


def custom_code_of(path: Path) -> dict[str, Any] | None:
    """The `auto_map` of a local checkpoint's config.json (its custom model code), or None."""
    try:
        config = read_json(path / "config.json", what="config")
    except (JSONReadError, OSError):
        return None
    amap = config.get("auto_map") if isinstance(config, dict) else None
    return amap if isinstance(amap, dict) and amap else None


def in_sandbox() -> bool:
    """Whether this process is the sandboxed model child (where model code may run)."""
    import os

    return os.environ.get("BABYLM_SANDBOX_CHILD") == "1"


def check_checkpoint_folder(path: Path, *, allow_code: bool = False) -> None:
    """Refuse folders that cannot load safely: no config, no safetensors weights, custom code (unless
    `allow_code`, which only the sandbox passes)."""
    if not path.is_dir():
        raise CheckpointError(f"checkpoint folder not found: {path}")
    cfg = path / "config.json"
    if not cfg.is_file():
        raise CheckpointError(f"{path}: no config.json", hint="save the model with save_pretrained()")
    try:
        config = read_json(cfg, what="config")
    except JSONReadError as exc:
        raise CheckpointError(f"{cfg}: unreadable config ({exc})") from exc
    if "auto_map" in config and not allow_code:
        raise CheckpointError(
            f"{path}: config.json has auto_map (custom model code)",
            hint="pass --trust-remote-code to run it in the sandbox (bubblewrap: no network, read-only "
            "checkpoint, resource limits), or use a model class that ships with transformers",
        )
    if not any(path.glob("*.safetensors")):
        found = sorted(p.name for p in path.glob("*.bin")) + sorted(p.name for p in path.glob("*.pt"))
        raise CheckpointError(
            f"{path}: no .safetensors weights" + (f" (found {', '.join(found)})" if found else ""),
            hint="pickle weights are refused; convert them in the sandbox: babylm eval convert-safetensors "
            f"{path} (or save with save_pretrained(..., safe_serialization=True))",
        )


def load_model(path: str | Path, backend: str, revision: str | None = None, *,
               trust_remote_code: bool = False) -> tuple[Any, Any]:
    """(model, tokenizer) in float32 eval mode, from a local folder or a Hub repo id + revision.

    `trust_remote_code=True` runs the checkpoint's own code and is refused outside the sandbox child.
    """
    import transformers

    if trust_remote_code and not in_sandbox():
        raise CheckpointError(f"{path}: refusing to run custom model code outside the sandbox",
                              hint="score it through babylm.evaluation.sandbox (--trust-remote-code)")

    transformers.utils.logging.disable_progress_bar()
    auto = getattr(transformers, get_backend(backend).auto_class)
    local = Path(path)
    if local.exists():
        check_checkpoint_folder(local, allow_code=trust_remote_code)
    import torch

    kwargs: dict[str, Any] = {"use_safetensors": True, "trust_remote_code": trust_remote_code,
                              "dtype": torch.float32}
    if revision:
        kwargs["revision"] = revision
    where = f"{path}" + (f"@{revision}" if revision else "")
    if local.is_dir():
        _check_backend_fits(local, backend)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(path), trust_remote_code=trust_remote_code, **({"revision": revision} if revision else {})
        )
        model = auto.from_pretrained(str(path), **kwargs)
    except Exception as exc:  # transformers raises many types; the user needs the checkpoint name
        raise CheckpointError(
            f"cannot load {where} as a {backend} model: {type(exc).__name__}: {exc}",
            hint="check the backend matches the architecture and the folder holds model + tokenizer",
        ) from exc
    model.eval()
    if backend == "causal":
        check_causal(model, where)
    return model, tokenizer


def fitting_backends(config: dict[str, Any]) -> list[str]:
    """The backends whose Auto class can load a checkpoint with this config.json (its model_type in
    transformers' mapping, or its own class in auto_map)."""
    import transformers

    from babylm.evaluation.registry import backends

    amap = config.get("auto_map") if isinstance(config.get("auto_map"), dict) else {}
    mt = config.get("model_type")
    out = []
    for name, spec in backends().items():
        if spec.model_types and mt not in spec.model_types:
            continue
        auto = getattr(transformers, spec.auto_class, None)
        mapping = getattr(getattr(auto, "_model_mapping", None), "_model_mapping", None)
        if spec.auto_class in amap or (mapping is not None and mt in mapping) or mapping is None:
            out.append(name)
    return out


def _check_backend_fits(path: Path, backend: str) -> None:
    """One line naming the backends that fit, instead of transformers' list of every model class."""
    try:
        config = read_json(path / "config.json", what="config")
    except (JSONReadError, OSError):
        return
    if not isinstance(config, dict):
        return
    fits = fitting_backends(config)
    if backend not in fits:
        what = config.get("model_type") or "this"
        raise CheckpointError(f"cannot load {path} with --backend {backend} (a {what} checkpoint); "
                              f"backends that fit: {', '.join(fits) or 'none'}",
                              hint="pick one of those with --backend")


def check_causal(model: Any, where: str = "model") -> None:
    """Refuse a model loaded for causal scoring whose predictions depend on later tokens (an encoder such
    as BERT or RoBERTa loaded as *ForCausalLM with is_decoder=False: every "next token" sees itself)."""
    import torch

    vocab = int(getattr(model.config, "vocab_size", 0) or 0)
    if vocab < 8:
        return
    a = torch.tensor([[1, 5, 3, 7, 2, 4]]) % vocab
    b = a.clone()
    b[0, 3:] = (b[0, 3:] + 1) % vocab
    with torch.inference_mode():
        la, lb = model(input_ids=a).logits, model(input_ids=b).logits
    if not torch.allclose(la[0, :3].float(), lb[0, :3].float(), atol=1e-4, rtol=1e-4):
        mt = getattr(model.config, "model_type", "?")
        raise CheckpointError(f"{where}: the {mt} model is not causal (its predictions at a position change with "
                              "later tokens), so --backend causal would let every token see itself",
                              hint="score an encoder with --backend mlm or mntp")


def make_scorer(
    path: str | Path,
    backend: str = "causal",
    *,
    compat: Compat = "babylm",
    batch_size: int | None = None,
    revision: str | None = None,
    engine: str = "auto",
    trust_remote_code: bool = False,
    sandbox_limits: Any = None,
    label: str | None = None,
) -> Scorer:
    """Load a checkpoint and wrap it in the scorer for `backend`.

    engine "auto" scores local GPT-2 checkpoints with the transformers-free prefix-tree scorer
    (`native_gpt2`, `scorer_tree`) and everything else through transformers; "native" insists on the
    former, "transformers" on the latter. A local checkpoint with its own model code (auto_map) is
    refused unless `trust_remote_code`, and then scored by a `SandboxScorer` (bubblewrap, `sandbox_limits`).
    """
    if engine not in ENGINES:
        raise BabyLMError(f"unknown engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    local = Path(path)
    if trust_remote_code and not revision and local.is_dir() and custom_code_of(local) is not None:
        import sys

        from babylm.evaluation.sandbox import DEFAULT_SANDBOX_LIMITS, SandboxScorer

        torch = sys.modules.get("torch")  # the child uses as many threads as this process (--threads)
        return SandboxScorer(local, backend, compat=compat, batch_size=batch_size, label=label or str(path),
                             limits=sandbox_limits or DEFAULT_SANDBOX_LIMITS,
                             threads=torch.get_num_threads() if torch is not None else None)
    if engine != "transformers":
        native = _native_scorer(path, backend, revision, compat, batch_size, required=engine == "native")
        if native is not None:
            return native
    model, tokenizer = load_model(path, backend, revision)
    return scorer_for(model, tokenizer, backend, compat=compat, batch_size=batch_size)


def _native_scorer(
    path: str | Path, backend: str, revision: str | None, compat: Compat, batch_size: int | None, *, required: bool
) -> Scorer | None:
    local = Path(path)
    if backend != "causal":
        why = f"backend {backend} (native scoring is causal only)"
    elif revision or not local.is_dir():
        why = "not a local checkpoint folder"
    else:
        check_checkpoint_folder(local)
        from babylm.evaluation.scorers.native_gpt2 import native_reason

        why = native_reason(local)
    if why is not None:
        if required:
            raise BabyLMError(f"{path}: cannot score with the native engine: {why}",
                              hint="use --engine transformers (or auto)")
        return None
    from babylm.evaluation.scorers.native_gpt2 import load_native_gpt2
    from babylm.evaluation.scorers.tree import TreeCausalScorer

    try:
        model, tokenizer = load_native_gpt2(local)
    except Exception as exc:  # corrupt or incomplete weights: name the checkpoint
        raise CheckpointError(f"cannot load {path} as a causal model: {type(exc).__name__}: {exc}",
                              hint="check the folder holds a complete model.safetensors") from exc
    return TreeCausalScorer(model, tokenizer, compat=compat, batch_size=batch_size)


def scorer_for(
    model: Any, tokenizer: Any, backend: str = "causal", *, compat: Compat = "babylm", batch_size: int | None = None,
    tree: bool = True,
) -> Scorer:
    """A scorer around an already loaded model and tokenizer, made by the backend's registered factory
    (causal: over a packed prefix tree where the model allows it, unless `tree=False`)."""
    return get_backend(backend).scorer(model, tokenizer, compat=compat, batch_size=batch_size, tree=tree)


def target_logprobs(hidden: Any, head: Any, targets: Any, chunk: int = 256) -> Any:
    """log P(target) for each row of `hidden` (n x d) under the linear `head`, without keeping log_softmax.

    Works in row chunks: logits chunk -> logsumexp and gathered target logit, so memory stays
    chunk x vocab whatever n is (small chunks stay in cache: 256 rows ran 2x faster than 2048 on CPU).
    """
    import torch

    out = torch.empty(hidden.shape[0], dtype=torch.float32)
    for s in range(0, hidden.shape[0], chunk):
        logits = head(hidden[s : s + chunk]).float()
        tgt = logits.gather(1, targets[s : s + chunk, None]).squeeze(1)
        out[s : s + chunk] = tgt - torch.logsumexp(logits, dim=-1)
    return out


def check_finite(values: list[float], what: str = "request") -> None:
    import math

    for i, v in enumerate(values):
        if not math.isfinite(v):
            raise ScoreError(f"non-finite log-probability ({v}) for {what} {i}", index=i)
