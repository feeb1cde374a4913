"""Score a transformers causal LM over packed prefix trees (see `scorer_tree`), where it provably works.

The tree scorer needs `hidden(ids, pos, mask)` with an arbitrary ancestor mask and explicit position
ids, and a bias-free linear LM head. transformers passes a custom 4D attention mask through unchanged
(an additive float mask, which both its SDPA and eager attention accept), but not every architecture
honours it or `position_ids` the same way (some derive positions from a 2D mask, some scale or cap
the logits, some slide a window over long inputs). So `tree_model()` takes only architectures read
and known to compute logits = head(body(x)) with the mask and positions given, and then runs a probe:
branching sequences scored through the tree must equal a plain causal forward of each sequence. Any
other model is scored by `CausalScorer` (prefix sharing through the KV cache) instead.
"""

from __future__ import annotations

from typing import Any

TREE_MODEL_TYPES = frozenset({"gpt2", "llama", "gpt_neox", "opt"})
PROBE = ((1, 5, 9, 2, 7, 3), (1, 5, 9, 4, 8), (1, 5, 6), (1, 6, 2, 2, 9, 5, 3))
PROBE_TOLERANCE = 1e-4


class TransformersTreeModel:
    """A transformers causal LM seen through the interface `TreeCausalScorer` scores with."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.config = model.config
        self.body = model.base_model
        self.head_weight = model.get_output_embeddings().weight

    def parameters(self) -> Any:
        return self.model.parameters()

    def hidden(self, ids: Any, pos: Any, mask: Any) -> Any:
        import torch

        dtype = self.head_weight.dtype
        bias = torch.zeros(mask.shape, dtype=dtype).masked_fill_(~mask, torch.finfo(dtype).min)
        return self.body(input_ids=ids, attention_mask=bias, position_ids=pos).last_hidden_state


def tree_model(model: Any) -> TransformersTreeModel | None:
    """The adapter when the probe shows tree scoring equals plain causal scoring for `model`, else None."""
    import torch

    cfg = model.config
    if getattr(cfg, "model_type", None) not in TREE_MODEL_TYPES or getattr(cfg, "sliding_window", None):
        return None
    head = model.get_output_embeddings()
    base = getattr(model, "base_model", None)
    if base is None or base is model or not isinstance(head, torch.nn.Linear) or head.bias is not None:
        return None
    adapted = TransformersTreeModel(model)
    vocab = int(model.config.vocab_size)
    need = {tuple(min(t, vocab - 1) for t in s): 1 for s in PROBE}
    try:
        from babylm.evaluation.scorers.tree import TreeCausalScorer

        scorer = TreeCausalScorer(adapted, _NoTokenizer())
        scorer.row_tokens = 8  # the probe also crosses a row break
        got = scorer.token_logprobs(need)
        with torch.inference_mode():
            for s in need:
                logp = torch.log_softmax(model(input_ids=torch.tensor([s])).logits[0].float(), dim=-1)
                want = [0.0] + [float(logp[p - 1, s[p]]) for p in range(1, len(s))]
                if max(abs(a - b) for a, b in zip(got[s], want, strict=True)) > PROBE_TOLERANCE:
                    return None
    except Exception:  # any architecture that rejects 4D masks or position ids: use the KV-cache scorer
        return None
    return adapted


class _NoTokenizer:
    """The probe scores token ids directly."""

    bos_token_id = eos_token_id = None
