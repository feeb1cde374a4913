"""Baseline model architectures, built from transformers configs (never downloaded).

`gpt2-tiny` and `llama-tiny` are for demos and tests on a CPU; `gpt2-small` is GPT-2's 124M shape.
"""

from __future__ import annotations

from typing import Any

from babylm.errors import BabyLMError

# name -> (family, shape)
_NO_DROPOUT = {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}
ARCHS: dict[str, tuple[str, dict[str, Any]]] = {
    "gpt2-tiny": ("gpt2", {"n_layer": 2, "n_head": 2, "n_embd": 64, **_NO_DROPOUT}),
    "gpt2-small": ("gpt2", {"n_layer": 12, "n_head": 12, "n_embd": 768}),
    "llama-tiny": (
        "llama",
        {"num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_size": 64,
         "intermediate_size": 176},
    ),
}


def build_config(arch: str, *, vocab_size: int, seq_len: int, bos_id: int, eos_id: int, pad_id: int) -> Any:
    """The transformers config of `arch` for a tokenizer of `vocab_size` and contexts of `seq_len`."""
    if arch not in ARCHS:
        raise BabyLMError(f"unknown architecture {arch!r}", hint=f"choose one of: {', '.join(ARCHS)}")
    family, shape = ARCHS[arch]
    ids = {"bos_token_id": bos_id, "eos_token_id": eos_id, "pad_token_id": pad_id}
    if family == "gpt2":
        from transformers import GPT2Config

        return GPT2Config(vocab_size=vocab_size, n_positions=seq_len, **shape, **ids)
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab_size, max_position_embeddings=seq_len, tie_word_embeddings=False, **shape, **ids
    )


def build_model(config: Any, seed: int) -> Any:
    """A freshly initialised causal LM for `config` (weights depend only on `seed`)."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config)


def train_flops_per_token(config: Any, seq_len: int) -> tuple[float, str]:
    """(training FLOPs per token, method name), from `babylm.tracks.compute` (the canonical formula)."""
    from babylm.tracks import compute

    return float(compute.train_flops_per_token(config, seq_len)), str(getattr(compute, "METHOD", "analytic"))
