"""`pytorch_model.bin` -> `model.safetensors`, with the unpickling done in the sandbox.

The parent copies the checkpoint's other files (configs, tokenizer: data, read by the bounded readers
later) into a new folder, the sandboxed child loads the pickle weights (`torch.load(weights_only=True)`)
and writes `model.safetensors` into that folder, the only one it may write; the parent then checks the
safetensors header before reporting success.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from babylm.errors import BabyLMError
from babylm.evaluation.sandbox.limits import DEFAULT_SANDBOX_LIMITS, SandboxLimits

PICKLE_WEIGHTS = ("pytorch_model*.bin", "*.pt", "*.pth")


def pickle_weights(folder: Path) -> list[Path]:
    return sorted({p for pat in PICKLE_WEIGHTS for p in folder.glob(pat) if p.is_file()})


def convert_in_child() -> list[str]:
    """Child side: every pickle weight file of /checkpoint into /out/model.safetensors."""
    import torch
    from safetensors.torch import save_file

    from babylm.evaluation.sandbox.bwrap import CHECKPOINT_MOUNT, OUT_MOUNT

    state: dict[str, torch.Tensor] = {}
    for p in pickle_weights(Path(CHECKPOINT_MOUNT)):
        part = torch.load(p, map_location="cpu", weights_only=True)
        if isinstance(part, dict) and "state_dict" in part and isinstance(part["state_dict"], dict):
            part = part["state_dict"]
        if not isinstance(part, dict) or not all(isinstance(v, torch.Tensor) for v in part.values()):
            raise ValueError(f"{p.name} is not a state dict of tensors")
        for k, v in part.items():
            state[str(k)] = v.detach().contiguous().clone()  # clone: tied weights must not share storage
    if not state:
        raise ValueError("no pickle weights (pytorch_model*.bin, *.pt, *.pth) found")
    save_file(state, f"{OUT_MOUNT}/model.safetensors", metadata={"format": "pt"})
    return ["model.safetensors"]


def convert_to_safetensors(checkpoint: str | Path, out: str | Path | None = None,
                           limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS) -> Path:
    """A new checkpoint folder (default: CHECKPOINT-safetensors) with the weights as safetensors."""
    from babylm.evaluation.sandbox.protocol import Convert, Converted
    from babylm.evaluation.sandbox.session import SandboxFailure, SandboxSession
    from babylm.submissions.safe_load.checkpoint import read_safetensors_header

    src = Path(checkpoint)
    weights = pickle_weights(src) if src.is_dir() else []
    if not weights:
        raise BabyLMError(f"{src}: no pickle weights to convert (pytorch_model*.bin, *.pt, *.pth)")
    dst = Path(out) if out is not None else src.with_name(src.name + "-safetensors")
    if dst.exists():
        raise BabyLMError(f"{dst} exists already", hint="pass another --out")
    dst.mkdir(parents=True)
    total = sum(p.stat().st_size for p in weights)
    limits = replace(limits, fsize_bytes=max(limits.fsize_bytes, 2 * total + 2**20))  # the new file fits
    try:
        for p in sorted(src.iterdir()):
            if p.is_file() and not p.is_symlink() and p not in weights and not p.name.endswith(".bin.index.json"):
                shutil.copy2(p, dst / p.name)
        with SandboxSession(src, limits=limits, out_dir=dst, label=str(src)) as sb:
            reply = sb.call(Convert(), Converted, limits.load_s, "converting the weights")
        if not reply.ok:
            raise SandboxFailure(f"{src}: conversion failed in the sandbox: {reply.error}")
        read_safetensors_header(dst / "model.safetensors")
    except BaseException:
        shutil.rmtree(dst, ignore_errors=True)
        raise
    return dst
