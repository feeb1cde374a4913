"""Training compute: analytic FLOPs from a transformers config, cross-checked by two measured counters.

Convention (FLOPS.md): one multiply-add = 2 FLOPs; the LM head and attention (scores and weighted values
over the whole context T, as the kernels compute them) are counted; embeddings lookups, norms, biases and
element-wise ops are not; training = 3 x forward (backward = 2 x forward for every matmul).

Analytic forward FLOPs per token of a decoder, written out plainly:

    2 * (matmul weights per layer * L + V * d)   +   4 * L * T * d_attn
         (projections, MLP, LM head)                  (QK^T and AV over T positions)

where d_attn = heads * head_dim. Measured: torch FlopCounterMode (forward + backward, with the CPU
flash-attention kernel's formula added, since torch's registry misses it) and fvcore (forward, one flop
per multiply-add, with an SDPA handle added); both reconciled to the convention above.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError

METHOD = "analytic-v1"


@dataclass
class FlopEstimate:
    """Analytic FLOPs for one sequence of `seq_len` tokens (decoder-only and MLM) or enc+dec pair."""

    family: str
    seq_len: int
    forward_per_sequence: float
    breakdown: dict[str, float] = field(default_factory=dict)  # forward FLOPs per sequence by component
    params_matmul: int = 0  # weights that take part in per-token matmuls (LM head included)
    method: str = METHOD

    @property
    def forward_per_token(self) -> float:
        return self.forward_per_sequence / self.seq_len

    @property
    def train_per_token(self) -> float:
        return 3 * self.forward_per_token

    @property
    def train_per_sequence(self) -> float:
        return 3 * self.forward_per_sequence

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(forward_per_token=self.forward_per_token, train_per_token=self.train_per_token,
                 train_per_sequence=self.train_per_sequence)
        return d


def _cfg(config: Any) -> dict[str, Any]:
    """Accept a transformers config, a dict, or a path to a config.json / model folder."""
    if isinstance(config, (str, Path)):
        p = Path(config)
        if p.is_dir():
            p = p / "config.json"
        if not p.is_file():
            raise BabyLMError(f"no config found at {config}", hint="pass a model folder or its config.json")
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise BabyLMError(f"{p} is not valid JSON: {exc}") from None
    if isinstance(config, dict):
        return dict(config)
    if hasattr(config, "to_dict"):
        return config.to_dict()
    raise BabyLMError(f"cannot read a model config from {type(config).__name__}")


def _get(c: dict[str, Any], *names: str, default: Any = None) -> Any:
    for n in names:
        if c.get(n) is not None:
            return c[n]
    if default is not None:
        return default
    raise BabyLMError(f"config lacks {' / '.join(names)} (model_type={c.get('model_type')!r})")


GPT2_TYPES = {"gpt2", "gpt_neo", "gpt_bigcode", "opt"}
LLAMA_TYPES = {"llama", "qwen2", "qwen3", "mistral", "gemma", "gemma2", "olmo", "olmo2", "phi3", "smollm3"}
MLM_TYPES = {"bert", "roberta", "xlm-roberta", "distilbert", "electra", "camembert"}
DEBERTA_TYPES = {"deberta", "deberta-v2"}
T5_TYPES = {"t5", "mt5", "umt5", "bart"}


def _decoder(c: dict, seq_len: int, family: str) -> FlopEstimate:
    d = _get(c, "n_embd", "hidden_size", "d_model")
    L = _get(c, "n_layer", "num_hidden_layers", "num_layers")
    V = _get(c, "vocab_size")
    H = _get(c, "n_head", "num_attention_heads")
    if family == "gpt2":
        inner = c.get("n_inner") or c.get("ffn_dim") or 4 * d
        hd = d // H
        attn_proj = d * 3 * d + d * d  # c_attn (q, k, v) and c_proj
        mlp = 2 * d * inner
    else:  # llama-style: GQA, SwiGLU (gate, up, down), head tied or untied (same compute)
        hd = c.get("head_dim") or d // H
        kv = c.get("num_key_value_heads") or H
        inner = _get(c, "intermediate_size")
        attn_proj = d * H * hd + 2 * d * kv * hd + H * hd * d
        mlp = 3 * d * inner
    T = seq_len
    per_layer = attn_proj + mlp
    b = {
        "attention_projections": 2.0 * L * attn_proj * T,
        "mlp": 2.0 * L * mlp * T,
        "attention_scores_values": 4.0 * L * T * (H * hd) * T,
        "lm_head": 2.0 * V * d * T,
    }
    return FlopEstimate(family, T, sum(b.values()), b, params_matmul=L * per_layer + V * d)


def _mlm(c: dict, seq_len: int, family: str) -> FlopEstimate:
    d = _get(c, "hidden_size", "dim")
    L = _get(c, "num_hidden_layers", "n_layers")
    V = _get(c, "vocab_size")
    inner = _get(c, "intermediate_size", "hidden_dim")
    T = seq_len
    attn_proj = 4 * d * d
    mlp = 2 * d * inner
    b = {
        "attention_projections": 2.0 * L * attn_proj * T,
        "mlp": 2.0 * L * mlp * T,
        "attention_scores_values": 4.0 * L * T * d * T,
        "mlm_head": 2.0 * (d * d + V * d) * T,  # transform dense + decoder
    }
    if family == "deberta":
        # Disentangled attention: content->position and position->content scores over 2k relative
        # positions per token and layer, plus projecting the 2k position embeddings (once per sequence).
        k = c.get("position_buckets") or c.get("max_relative_positions") or c.get("max_position_embeddings", 512)
        if k is None or k < 1:
            k = c.get("max_position_embeddings", 512)
        span = min(2 * k, 2 * T)
        pos_types = c.get("pos_att_type") or ["c2p", "p2c"]
        if isinstance(pos_types, str):
            pos_types = pos_types.split("|")
        n = len([p for p in pos_types if p in ("c2p", "p2c")])
        b["relative_position"] = 2.0 * L * n * (T * span * d + span * d * d)
    return FlopEstimate(family, T, sum(b.values()), b, params_matmul=L * (attn_proj + mlp) + d * d + V * d)


def _enc_dec(c: dict, seq_len: int, dec_len: int | None) -> FlopEstimate:
    d = _get(c, "d_model")
    Le = _get(c, "num_layers", "encoder_layers")
    Ld = _get(c, "num_decoder_layers", "decoder_layers", default=Le)
    V = _get(c, "vocab_size")
    H = _get(c, "num_heads", "encoder_attention_heads")
    inner = c.get("d_kv", d // H) * H
    ff = _get(c, "d_ff", "encoder_ffn_dim")
    gated = "gated" in str(c.get("feed_forward_proj", "")) or c.get("is_gated_act", False)
    mlp = (3 if gated else 2) * d * ff
    Te, Td = seq_len, dec_len or seq_len
    b = {
        "encoder": 2.0 * Le * (4 * d * inner + mlp) * Te + 4.0 * Le * Te * inner * Te,
        "decoder_self": 2.0 * Ld * (4 * d * inner) * Td + 4.0 * Ld * Td * inner * Td,
        "decoder_cross": 2.0 * Ld * (2 * d * inner * Td + 2 * d * inner * Te) + 4.0 * Ld * Td * inner * Te,
        "decoder_mlp": 2.0 * Ld * mlp * Td,
        "lm_head": 2.0 * V * d * Td,
    }
    params = Le * (4 * d * inner + mlp) + Ld * (8 * d * inner + mlp) + V * d
    return FlopEstimate("t5", Te, sum(b.values()), b, params_matmul=params)


def analytic_flops(config: Any, seq_len: int, dec_len: int | None = None) -> FlopEstimate:
    """Analytic forward FLOPs for one sequence of `seq_len` tokens, by model family."""
    if seq_len < 1:
        raise BabyLMError(f"seq_len must be positive, got {seq_len}")
    c = _cfg(config)
    mt = str(c.get("model_type", "")).lower()
    if mt in GPT2_TYPES:
        return _decoder(c, seq_len, "gpt2")
    if mt in LLAMA_TYPES:
        return _decoder(c, seq_len, "llama")
    if mt in MLM_TYPES:
        return _mlm(c, seq_len, "bert")
    if mt in DEBERTA_TYPES:
        return _mlm(c, seq_len, "deberta")
    if mt in T5_TYPES:
        return _enc_dec(c, seq_len, dec_len)
    known = sorted(GPT2_TYPES | LLAMA_TYPES | MLM_TYPES | DEBERTA_TYPES | T5_TYPES)
    raise BabyLMError(f"no FLOP formula for model_type {mt!r}", hint=f"known model types: {', '.join(known)}")


def train_flops_per_token(config: Any, seq_len: int) -> float:
    """Analytic training FLOPs per token (3 x forward, attention over a context of `seq_len`)."""
    return analytic_flops(config, seq_len).train_per_token


def _model_from_config(config: Any, attn: str):
    """A randomly initialised model for `config` (tiny models only: measuring runs the real thing)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForSeq2SeqLM

    c = _cfg(config)
    if "model_type" not in c:
        raise BabyLMError("config has no model_type")
    cfg = AutoConfig.for_model(**c)
    mt = cfg.model_type
    if mt in MLM_TYPES | DEBERTA_TYPES:
        cls = AutoModelForMaskedLM
    elif mt in T5_TYPES:
        cls = AutoModelForSeq2SeqLM
    else:
        cls = AutoModelForCausalLM
    torch.manual_seed(0)
    try:
        model = cls.from_config(cfg, attn_implementation=attn)
    except (ValueError, ImportError):  # some architectures only know eager attention
        model = cls.from_config(AutoConfig.for_model(**c))
    return model.float(), mt


def _inputs(model, mt: str, seq_len: int, batch: int):
    import torch

    V = model.config.vocab_size
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, V, (batch, seq_len), generator=g)
    if mt in T5_TYPES:  # explicit decoder inputs: no shift, no decoder_start_token_id needed
        return {"input_ids": x, "decoder_input_ids": x.clone(), "labels": x.clone()}
    return {"input_ids": x, "labels": x.clone()}


def _cpu_sdpa_mapping() -> dict:
    """FlopCounterMode formulas for the CPU flash-attention kernel, which torch's registry lacks."""
    import torch
    from torch.utils.flop_counter import sdpa_backward_flop_count, sdpa_flop_count

    aten = torch.ops.aten

    def fwd(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
        return sdpa_flop_count(query_shape, key_shape, value_shape)

    def bwd(grad_out_shape, query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
        # The kernel recomputes QK^T in backward (torch's formula counts it: 2.5x forward). Like
        # activation checkpointing, that is an implementation choice, not part of the 3x convention.
        full = sdpa_backward_flop_count(grad_out_shape, query_shape, key_shape, value_shape)
        return full - sdpa_flop_count(query_shape, key_shape, value_shape) // 2

    mapping = {}
    if hasattr(aten, "_scaled_dot_product_flash_attention_for_cpu"):
        mapping[aten._scaled_dot_product_flash_attention_for_cpu] = fwd
    if hasattr(aten, "_scaled_dot_product_flash_attention_for_cpu_backward"):
        mapping[aten._scaled_dot_product_flash_attention_for_cpu_backward] = bwd
    return mapping


def measure_flop_counter(config: Any, seq_len: int, *, attn: str = "sdpa", batch: int = 1) -> float:
    """Training FLOPs per sequence measured by torch FlopCounterMode (forward + backward)."""
    from torch.utils.flop_counter import FlopCounterMode

    model, mt = _model_from_config(config, attn)
    model.train()
    inputs = _inputs(model, mt, seq_len, batch)
    with FlopCounterMode(display=False, custom_mapping=_cpu_sdpa_mapping()) as counter:
        out = model(**inputs, use_cache=False) if mt not in MLM_TYPES | DEBERTA_TYPES else model(**inputs)
        out.loss.backward()
    return counter.get_total_flops() / batch


def measure_fvcore(config: Any, seq_len: int, *, attn: str = "sdpa") -> float:
    """Training FLOPs per sequence from fvcore: its forward count (1 flop per multiply-add,
    SDPA handle added) x 2 to our convention x 3 for training."""
    import logging

    import torch
    from fvcore.nn import FlopCountAnalysis

    model, mt = _model_from_config(config, attn)
    model.eval()
    x = _inputs(model, mt, seq_len, 1)["input_ids"]

    class Wrapped(torch.nn.Module):
        def __init__(self, m) -> None:
            super().__init__()
            self.m = m

        def forward(self, ids):
            if mt in T5_TYPES:
                return self.m(input_ids=ids, decoder_input_ids=ids, use_cache=False).logits
            if mt in MLM_TYPES | DEBERTA_TYPES:
                return self.m(input_ids=ids).logits
            return self.m(input_ids=ids, use_cache=False).logits

    def sdpa_handle(inputs, outputs) -> int:
        q, k, v = (i.type().sizes() for i in inputs[:3])
        b, h, s_q, d_q = q
        s_k, d_v = k[-2], v[-1]
        return b * h * s_q * s_k * (d_q + d_v)  # multiply-adds of QK^T and AV

    logging.getLogger("fvcore").setLevel(logging.ERROR)
    with torch.no_grad():
        analysis = FlopCountAnalysis(Wrapped(model), (x,))
        analysis.set_op_handle("aten::scaled_dot_product_attention", sdpa_handle)
        # fvcore counts norm layers; the convention counts matmuls only.
        for op in ("aten::layer_norm", "aten::group_norm", "aten::batch_norm", "aten::instance_norm"):
            analysis.set_op_handle(op, lambda inputs, outputs: 0)
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        macs = analysis.total()
    return 2 * 3 * float(macs)


@dataclass
class FlopComparison:
    analytic_train: float
    flop_counter_train: float | None
    fvcore_train: float | None
    seq_len: int
    attn: str

    def rel_diff(self, measured: float | None) -> float | None:
        return None if measured is None else (self.analytic_train - measured) / measured

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq_len": self.seq_len,
            "attn": self.attn,
            "analytic_train_flops_per_sequence": self.analytic_train,
            "flop_counter_train_flops_per_sequence": self.flop_counter_train,
            "fvcore_train_flops_per_sequence": self.fvcore_train,
            "rel_diff_vs_flop_counter": self.rel_diff(self.flop_counter_train),
            "rel_diff_vs_fvcore": self.rel_diff(self.fvcore_train),
        }


def compare(config: Any, seq_len: int, *, attn: str = "sdpa", measure: bool = True) -> FlopComparison:
    """Analytic vs both measured counters, all as training FLOPs per sequence of `seq_len` tokens."""
    est = analytic_flops(config, seq_len)
    fc = fv = None
    if measure:
        fc = measure_flop_counter(config, seq_len, attn=attn)
        fv = measure_fvcore(config, seq_len, attn=attn)
    return FlopComparison(est.train_per_sequence, fc, fv, seq_len, attn)
