"""Scorer factory and loading: turn a checkpoint folder (or Hub revision) into a `Scorer` for a backend.

Checkpoints load from safetensors only, never with remote code: untrusted input is data, not code.
All backends score in float32 and return one summed natural-log probability per request.
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


def check_checkpoint_folder(path: Path) -> None:
    """Refuse folders that cannot load safely: no config, no safetensors weights, custom code."""
    if not path.is_dir():
        raise CheckpointError(f"checkpoint folder not found: {path}")
    cfg = path / "config.json"
    if not cfg.is_file():
        raise CheckpointError(f"{path}: no config.json", hint="save the model with save_pretrained()")
    try:
        config = read_json(cfg, what="config")
    except JSONReadError as exc:
        raise CheckpointError(f"{cfg}: unreadable config ({exc})") from exc
    if "auto_map" in config:
        raise CheckpointError(
            f"{path}: config.json has auto_map (custom model code)",
            hint="babylm never runs remote code; use a model class that ships with transformers",
        )
    if not any(path.glob("*.safetensors")):
        found = sorted(p.name for p in path.glob("*.bin")) + sorted(p.name for p in path.glob("*.pt"))
        raise CheckpointError(
            f"{path}: no .safetensors weights" + (f" (found {', '.join(found)})" if found else ""),
            hint="save with save_pretrained(..., safe_serialization=True); pickle weights are refused",
        )


def load_model(path: str | Path, backend: str, revision: str | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) in float32 eval mode, from a local folder or a Hub repo id + revision."""
    import transformers

    transformers.utils.logging.disable_progress_bar()
    auto = getattr(transformers, get_backend(backend).auto_class)
    local = Path(path)
    if local.exists():
        check_checkpoint_folder(local)
    import torch

    kwargs: dict[str, Any] = {"use_safetensors": True, "trust_remote_code": False, "dtype": torch.float32}
    if revision:
        kwargs["revision"] = revision
    where = f"{path}" + (f"@{revision}" if revision else "")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(path), trust_remote_code=False, **({"revision": revision} if revision else {})
        )
        model = auto.from_pretrained(str(path), **kwargs)
    except Exception as exc:  # transformers raises many types; the user needs the checkpoint name
        raise CheckpointError(
            f"cannot load {where} as a {backend} model: {type(exc).__name__}: {exc}",
            hint="check the backend matches the architecture and the folder holds model + tokenizer",
        ) from exc
    model.eval()
    return model, tokenizer


def make_scorer(
    path: str | Path,
    backend: str = "causal",
    *,
    compat: Compat = "babylm",
    batch_size: int | None = None,
    revision: str | None = None,
    engine: str = "auto",
) -> Scorer:
    """Load a checkpoint and wrap it in the scorer for `backend`.

    engine "auto" scores local GPT-2 checkpoints with the transformers-free prefix-tree scorer
    (`native_gpt2`, `scorer_tree`) and everything else through transformers; "native" insists on the
    former, "transformers" on the latter.
    """
    if engine not in ENGINES:
        raise BabyLMError(f"unknown engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
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
