"""A float32 BERT / RoBERTa masked-LM forward for PLL scoring, read from a transformers model's weights.

Pseudo-log-likelihood needs one hidden state per masked copy (the masked position, or the one before it
for mntp), so this forward does less than `BertForMaskedLM(...)` while computing the same numbers:
- no padding and no attention mask (the packer batches copies of equal length only);
- the last layer runs its query, attention output and feed-forward at the read position alone (keys
  and values still cover every position);
- the LM head runs on the read positions only, never on the whole sequence.
`native_reason()` says why a model is not eligible; `probe()` then checks the forward against the
transformers model on a few sequences before a scorer trusts it (see `mlm.MaskedScorer`).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from babylm.evaluation.scorers.load import target_logprobs
from babylm.evaluation.scorers.mlm_pack import MIN_ROWS

_ACTIVATIONS = {
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
}
_PREFIX = {"bert": "bert.", "roberta": "roberta.", "xlm-roberta": "roberta.", "camembert": "roberta."}
_HEAD = {"bert.": "cls.predictions.", "roberta.": "lm_head."}
_HEAD_DENSE = {"bert.": "transform.dense", "roberta.": "dense"}
_HEAD_NORM = {"bert.": "transform.LayerNorm", "roberta.": "layer_norm"}
PROBE = ((5, 9, 2, 7, 3), (5, 9, 4, 8, 6, 6, 1), (7, 2))
PROBE_TOLERANCE = 1e-5


def native_reason(model: Any) -> str | None:
    """None when `model` (a transformers masked LM) can be scored by `NativeBert`, else why not."""
    cfg = getattr(model, "config", None)
    kind = getattr(cfg, "model_type", None)
    if kind not in _PREFIX:
        return f"model_type {kind!r} is not one of {', '.join(sorted(_PREFIX))}"
    if getattr(cfg, "position_embedding_type", None) not in (None, "absolute"):
        return f"position_embedding_type {cfg.position_embedding_type!r}"
    if getattr(cfg, "is_decoder", False) or getattr(cfg, "add_cross_attention", False):
        return "a decoder configuration"
    if getattr(cfg, "hidden_act", None) not in _ACTIVATIONS:
        return f"activation {getattr(cfg, 'hidden_act', None)!r}"
    try:
        names = set(model.state_dict())
    except Exception:  # not a torch module
        return "no state_dict"
    prefix = _PREFIX[kind]
    need = (f"{prefix}embeddings.word_embeddings.weight", f"{_HEAD[prefix]}{_HEAD_DENSE[prefix]}.weight",
            f"{prefix}encoder.layer.0.attention.self.query.weight")
    missing = [n for n in need if n not in names]
    return f"weights lack {', '.join(missing)}" if missing else None


class NativeBert(torch.nn.Module):
    """`read_logprobs(ids, read, targets)`: log P(target) at one read position per row of `ids` [B, L]."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        cfg = model.config
        self.config = cfg
        prefix = _PREFIX[cfg.model_type]
        head = _HEAD[prefix]
        sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
        self.n_head = int(cfg.num_attention_heads)
        self.eps = float(cfg.layer_norm_eps)
        self.act = _ACTIVATIONS[cfg.hidden_act]
        self.head_act = self.act if prefix == "bert." else F.gelu  # RoBERTa's lm_head is always gelu
        # RoBERTa counts positions from padding_idx + 1; BERT from 0
        self.pad_id = cfg.pad_token_id if prefix == "roberta." else None
        e = f"{prefix}embeddings."
        self.wte = sd[e + "word_embeddings.weight"]
        self.wpe = sd[e + "position_embeddings.weight"]
        self.type0 = sd[e + "token_type_embeddings.weight"][0]
        self.ln_e = (sd[e + "LayerNorm.weight"], sd[e + "LayerNorm.bias"])
        self.layers = []
        for i in range(int(cfg.num_hidden_layers)):
            p = f"{prefix}encoder.layer.{i}."
            q, k, v = (sd[f"{p}attention.self.{n}.weight"] for n in ("query", "key", "value"))
            qb, kb, vb = (sd[f"{p}attention.self.{n}.bias"] for n in ("query", "key", "value"))
            self.layers.append({
                "qkv": torch.cat([q, k, v]).contiguous(), "qkv_b": torch.cat([qb, kb, vb]),
                "o": sd[p + "attention.output.dense.weight"], "o_b": sd[p + "attention.output.dense.bias"],
                "ln1": (sd[p + "attention.output.LayerNorm.weight"], sd[p + "attention.output.LayerNorm.bias"]),
                "up": sd[p + "intermediate.dense.weight"], "up_b": sd[p + "intermediate.dense.bias"],
                "down": sd[p + "output.dense.weight"], "down_b": sd[p + "output.dense.bias"],
                "ln2": (sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"]),
            })
        dense, norm = head + _HEAD_DENSE[prefix], head + _HEAD_NORM[prefix]
        self.head_dense = (sd[f"{dense}.weight"], sd[f"{dense}.bias"])
        self.head_ln = (sd[f"{norm}.weight"], sd[f"{norm}.bias"])
        out = model.get_output_embeddings()
        self.decoder = out.weight.detach().float().contiguous()
        bias = sd.get(f"{head}bias", sd.get(f"{head}decoder.bias"))
        self.decoder_b = out.bias.detach().float() if out.bias is not None else bias

    def positions(self, ids: torch.Tensor) -> torch.Tensor:
        n = ids.shape[1]
        if self.pad_id is None:
            return torch.arange(n).expand_as(ids)
        keep = (ids != self.pad_id).long()
        return torch.cumsum(keep, dim=1) * keep + self.pad_id

    def hidden_at(self, ids: torch.Tensor, read: torch.Tensor) -> torch.Tensor:
        """Final hidden state [B, d] at position read[b] of each row (no padding anywhere)."""
        b, n = ids.shape
        d = self.wte.shape[1]
        # masked copies repeat (token, position) pairs: embed them and run layer 0's QKV once per pair
        n_pos = self.wpe.shape[0]
        pairs, where = torch.unique((ids * n_pos + self.positions(ids)).view(-1), return_inverse=True)
        if len(pairs) < MIN_ROWS:  # products this small round differently (see mlm_pack): no sharing
            pairs, where = (ids * n_pos + self.positions(ids)).view(-1), torch.arange(b * n)
        x = self.wte[pairs // n_pos] + self.wpe[pairs % n_pos] + self.type0
        x = F.layer_norm(x, (d,), *self.ln_e, self.eps)
        first_qkv = F.linear(x, self.layers[0]["qkv"], self.layers[0]["qkv_b"])[where]
        x = x[where]
        rows, heads = torch.arange(b), (self.n_head, d // self.n_head)
        for depth, p in enumerate(self.layers):
            if depth == len(self.layers) - 1:  # from here on only the read position's output is needed
                q, k, v = self._last_qkv(p, first_qkv if depth == 0 else None, x, rows, read, n)
                x = x.view(b, n, d)[rows, read]
            else:
                qkv = first_qkv if depth == 0 else F.linear(x, p["qkv"], p["qkv_b"])
                q, k, v = qkv.view(b, n, 3, *heads).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(-1, d)
            x = F.layer_norm(F.linear(a, p["o"], p["o_b"]) + x, (d,), *p["ln1"], self.eps)
            h = self.act(F.linear(x, p["up"], p["up_b"]))
            x = F.layer_norm(F.linear(h, p["down"], p["down_b"]) + x, (d,), *p["ln2"], self.eps)
        return x

    def _last_qkv(self, p: dict, qkv: torch.Tensor | None, x: torch.Tensor, rows: torch.Tensor,
                  read: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries at the read positions only; keys and values at every position."""
        b, d = len(rows), self.wte.shape[1]
        heads = (self.n_head, d // self.n_head)
        if qkv is not None:  # a one-layer model: layer 0's projections are already there
            q, k, v = qkv.view(b, n, 3, *heads).permute(2, 0, 3, 1, 4)
            return q[rows, :, read].unsqueeze(2), k, v
        k, v = F.linear(x, p["qkv"][d:], p["qkv_b"][d:]).view(b, n, 2, *heads).permute(2, 0, 3, 1, 4)
        q = F.linear(x.view(b, n, d)[rows, read], p["qkv"][:d], p["qkv_b"][:d]).view(b, 1, *heads)
        return q.transpose(1, 2), k, v

    def head_logits(self, h: torch.Tensor) -> torch.Tensor:
        h = self.head_act(F.linear(h, *self.head_dense))
        h = F.layer_norm(h, (h.shape[-1],), *self.head_ln, self.eps)
        return F.linear(h, self.decoder, self.decoder_b)

    def read_logprobs(self, ids: torch.Tensor, read: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """log P(targets[b]) at position read[b] of row b, float32 (the head in cache-sized chunks)."""
        return target_logprobs(self.hidden_at(ids, read), self.head_logits, targets)


def probe(native: NativeBert, model: Any, mask_id: int) -> str | None:
    """None when `native` equals a plain forward of `model` on every masked copy of a few sequences."""
    vocab = int(native.wte.shape[0])
    with torch.inference_mode():
        for seq in PROBE:
            s = [min(t, vocab - 1) for t in seq]
            copies = []
            for i in range(len(s)):
                c = list(s)
                c[i] = mask_id
                copies.append(c)
            n = len(s)
            reads = [*range(n), *((i - 1) % n for i in range(n))]  # mlm and mntp read positions
            got = native.read_logprobs(torch.tensor(copies + copies), torch.tensor(reads), torch.tensor(s + s))
            ids = torch.tensor(copies)
            logp = torch.log_softmax(model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits.float(), -1)
            for b in range(n):
                for row in (b, b + n):
                    gap = abs(float(got[row]) - float(logp[b, reads[row], s[b]]))
                    if not gap <= PROBE_TOLERANCE:
                        return f"the native forward differs from transformers by {gap:.2e}"
    return None
