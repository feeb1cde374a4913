"""GPT-2 inference without transformers: the scoring fast path for GPT-2 checkpoints.

Importing transformers' model classes costs about 2 s per process on this CPU, more than scoring
BLiMP with a tiny model. For the common case (a GPT-2 checkpoint in safetensors with a
`tokenizers` tokenizer) this module reads the weights and runs the same arithmetic directly: fused
tanh-GELU, SDPA attention with an arbitrary boolean mask (so packed prefix trees work, see
`prefix_tree.py`) and no KV-cache or mask-building machinery. `native_reason()` says why a
checkpoint is not eligible; the caller then falls back to transformers. Tests check equality with
transformers' GPT2LMHeadModel.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
import torch.nn.functional as F

_ACTIVATIONS = {
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_fast": lambda x: F.gelu(x, approximate="tanh"),
    "gelu": F.gelu,
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
}
_GENERIC_TOKENIZERS = {"TokenizersBackend", "PreTrainedTokenizerFast"}  # load tokenizer.json unchanged


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def native_reason(folder: Path) -> str | None:
    """None when `folder` can be scored natively, else the reason it cannot."""
    cfg = _read_json(folder / "config.json")
    if cfg.get("model_type") != "gpt2":
        return f"model_type {cfg.get('model_type')!r} is not gpt2"
    if cfg.get("add_cross_attention"):
        return "cross-attention"
    if cfg.get("activation_function", "gelu_new") not in _ACTIVATIONS:
        return f"activation {cfg.get('activation_function')!r}"
    if not (folder / "model.safetensors").is_file():
        return "weights are not a single model.safetensors"
    return _tokenizer_reason(folder)


def _tokenizer_reason(folder: Path) -> str | None:
    """None when tokenizer.json alone tokenizes exactly as transformers' tokenizer for the folder does."""
    cfg = _read_json(folder / "tokenizer_config.json")
    if not (folder / "tokenizer.json").is_file() or cfg.get("tokenizer_class") not in _GENERIC_TOKENIZERS:
        return f"tokenizer class {cfg.get('tokenizer_class')!r} (only generic tokenizer.json tokenizers)"
    if cfg.get("add_bos_token") or cfg.get("add_eos_token"):
        return "tokenizer_config sets add_bos_token / add_eos_token"
    spec = _read_json(folder / "tokenizer.json")
    if "add_prefix_space" in cfg and bool(cfg["add_prefix_space"]) != _adds_prefix_space(spec.get("pre_tokenizer")):
        return "tokenizer_config's add_prefix_space differs from tokenizer.json's pre-tokenizer"
    vocab = spec.get("model", {}).get("vocab") or {}
    known = set(vocab) if isinstance(vocab, dict) else {v[0] for v in vocab}
    known |= {t.get("content") for t in spec.get("added_tokens", [])}
    wanted = [cfg.get(k) for k in ("bos_token", "eos_token", "unk_token", "pad_token")]
    wanted += list(cfg.get("added_tokens_decoder", {}).values())
    missing = sorted({t.get("content") if isinstance(t, dict) else t for t in wanted if t} - known)
    if missing:
        return f"tokenizer_config adds tokens that tokenizer.json lacks: {', '.join(map(str, missing))}"
    return None


def _adds_prefix_space(pre: Any) -> bool:
    """Whether a tokenizer.json pre-tokenizer puts a space before the text."""
    if not isinstance(pre, dict):
        return False
    if pre.get("type") == "Sequence":
        return any(_adds_prefix_space(p) for p in pre.get("pretokenizers", []))
    if "prepend_scheme" in pre:  # Metaspace
        return pre["prepend_scheme"] != "never"
    return bool(pre.get("add_prefix_space", False))


class NativeTokenizer:
    """The parts of a fast transformers tokenizer the scorers use, straight from `tokenizers`."""

    is_fast = True

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.backend_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.backend_tokenizer.no_truncation()
        self.backend_tokenizer.no_padding()
        specials = {**_read_json(folder / "special_tokens_map.json"), **_read_json(folder / "tokenizer_config.json")}
        self.bos_token_id = self._token_id(specials.get("bos_token"))
        self.eos_token_id = self._token_id(specials.get("eos_token"))
        self.pad_token_id = self._token_id(specials.get("pad_token"))

    def _token_id(self, token: Any) -> int | None:
        if isinstance(token, dict):
            token = token.get("content")
        return self.backend_tokenizer.token_to_id(token) if isinstance(token, str) else None

    def __len__(self) -> int:
        return self.backend_tokenizer.get_vocab_size(with_added_tokens=True)

    def __call__(self, text: str | list[str], add_special_tokens: bool = True) -> dict[str, Any]:
        texts = [text] if isinstance(text, str) else list(text)
        ids = [e.ids for e in self.backend_tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens)]
        return {"input_ids": ids[0] if isinstance(text, str) else ids}


class NativeGPT2(torch.nn.Module):
    """GPT2LMHeadModel's forward for float32 inference: `hidden()` then `head_weight`."""

    def __init__(self, config: dict[str, Any], weights: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.config = SimpleNamespace(**config)
        c = self.config
        self.n_head = int(c.n_head)
        self.eps = float(getattr(c, "layer_norm_epsilon", 1e-5))
        self.act = _ACTIVATIONS[getattr(c, "activation_function", "gelu_new")]
        head_dim = int(c.n_embd) // self.n_head
        base = 1.0 / head_dim**0.5 if getattr(c, "scale_attn_weights", True) else 1.0
        by_layer = getattr(c, "scale_attn_by_inverse_layer_idx", False)
        self.scales = [base / (i + 1) if by_layer else base for i in range(int(c.n_layer))]
        prefix = "transformer." if "transformer.wte.weight" in weights else ""

        def param(name: str) -> torch.nn.Parameter:
            return torch.nn.Parameter(weights[prefix + name].float().contiguous(), requires_grad=False)

        self.wte, self.wpe = param("wte.weight"), param("wpe.weight")
        self.ln_f_weight, self.ln_f_bias = param("ln_f.weight"), param("ln_f.bias")
        names = ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                 "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                 "mlp.c_proj.weight", "mlp.c_proj.bias")
        self.layers = torch.nn.ModuleList()
        for i in range(int(c.n_layer)):
            layer = torch.nn.Module()
            for n in names:
                layer.register_parameter(n.replace(".", "_"), param(f"h.{i}.{n}"))
            self.layers.append(layer)
        untied = "lm_head.weight" in weights and not getattr(c, "tie_word_embeddings", True)
        self.head = torch.nn.Parameter(weights["lm_head.weight"].float(), requires_grad=False) if untied else self.wte

    @property
    def head_weight(self) -> torch.Tensor:
        return self.head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> SimpleNamespace:
        """Plain causal logits for right-padded `input_ids` [B, L] (as GPT2LMHeadModel(...).logits)."""
        b, n = input_ids.shape
        allowed = torch.ones(n, n, dtype=torch.bool).tril().expand(b, 1, n, n)
        if attention_mask is not None:
            allowed = allowed & attention_mask.bool()[:, None, None, :]
            allowed = allowed | torch.eye(n, dtype=torch.bool)  # padding rows: themselves only, never NaN
        pos = torch.arange(n).expand(b, n)
        return SimpleNamespace(logits=self.hidden(input_ids, pos, allowed) @ self.head.T)

    def hidden(self, ids: torch.Tensor, pos: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Final hidden states (after ln_f) for ids/pos [B, L]; mask [B, 1, L, L] is True where allowed."""
        b, n = ids.shape
        d = self.wte.shape[1]
        x = (self.wte[ids] + self.wpe[pos]).view(b * n, d)
        for layer, scale in zip(self.layers, self.scales, strict=True):
            p = layer._parameters
            h = F.layer_norm(x, (d,), p["ln_1_weight"], p["ln_1_bias"], self.eps)
            qkv = torch.addmm(p["attn_c_attn_bias"], h, p["attn_c_attn_weight"])
            q, k, v = qkv.view(b, n, 3, self.n_head, d // self.n_head).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)
            a = a.transpose(1, 2).reshape(b * n, d)
            x = torch.addmm(p["attn_c_proj_bias"], a, p["attn_c_proj_weight"]).add_(x)
            h = F.layer_norm(x, (d,), p["ln_2_weight"], p["ln_2_bias"], self.eps)
            h = self.act(torch.addmm(p["mlp_c_fc_bias"], h, p["mlp_c_fc_weight"]))
            x = torch.addmm(p["mlp_c_proj_bias"], h, p["mlp_c_proj_weight"]).add_(x)
        x = F.layer_norm(x, (d,), self.ln_f_weight, self.ln_f_bias, self.eps)
        return x.view(b, n, d)


def load_native_gpt2(folder: Path) -> tuple[NativeGPT2, NativeTokenizer]:
    """(model, tokenizer) for a folder that `native_reason()` accepts."""
    from safetensors.torch import load_file

    config = _read_json(folder / "config.json")
    model = NativeGPT2(config, load_file(str(folder / "model.safetensors")))
    return model.eval(), NativeTokenizer(folder)
