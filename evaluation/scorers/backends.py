"""The built-in scoring backends, registered once: name, description, Auto class and scorer factory.

Importing this module is cheap (no torch, no transformers): the factories import their scorer module
when called. Third-party backends register through the `babylm.backends` entry-point group.
"""

from __future__ import annotations

from typing import Any

from babylm.evaluation.api import BackendSpec, Compat, Scorer, register_backend


def causal_scorer(model: Any, tokenizer: Any, *, compat: Compat = "babylm", batch_size: int | None = None,
                  tree: bool = True) -> Scorer:
    """Over a packed prefix tree when a probe shows the model honours custom 4D masks and position ids
    (`tree_adapter`); otherwise (or with `tree=False`) through the KV cache."""
    from babylm.evaluation.scorers.causal import CausalScorer
    from babylm.evaluation.scorers.tree import TreeCausalScorer
    from babylm.evaluation.scorers.tree_adapter import tree_model

    adapted = tree_model(model) if tree else None
    if adapted is not None:
        scorer = TreeCausalScorer(adapted, tokenizer, compat=compat, batch_size=batch_size)
        scorer.engine = "transformers"
        return scorer
    return CausalScorer(model, tokenizer, compat=compat, batch_size=batch_size)


def _by_backend(module: str, cls: str, backend: str) -> Any:
    """A factory for a scorer class that takes `backend=` (masked and encoder-decoder scorers)."""

    def make(model: Any, tokenizer: Any, *, compat: Compat = "babylm", batch_size: int | None = None,
             tree: bool = True) -> Scorer:
        import importlib

        scorer_cls = getattr(importlib.import_module(f"babylm.evaluation.scorers.{module}"), cls)
        return scorer_cls(model, tokenizer, backend=backend, compat=compat, batch_size=batch_size)

    return make


BUILTIN = tuple(register_backend(spec) for spec in (
    BackendSpec("causal", "decoder-only LM: log P(continuation | context), left to right",
                "AutoModelForCausalLM", causal_scorer),
    BackendSpec("mlm", "masked LM, pseudo-log-likelihood: each token masked in turn, read at its position",
                "AutoModelForMaskedLM", _by_backend("mlm", "MaskedScorer", "mlm")),
    BackendSpec("mntp", "masked next-token prediction: each token masked, read at the position before it",
                "AutoModelForMaskedLM", _by_backend("mlm", "MaskedScorer", "mntp")),
    BackendSpec("enc_dec_mask", "encoder-decoder pseudo-log-likelihood: each token masked in the encoder, "
                "scored by the decoder", "AutoModelForSeq2SeqLM", _by_backend("encdec", "EncDecScorer", "enc_dec_mask")),
    BackendSpec("enc_dec_prefix", "encoder-decoder: the encoder reads the context, the decoder scores the "
                "continuation", "AutoModelForSeq2SeqLM", _by_backend("encdec", "EncDecScorer", "enc_dec_prefix")),
))
# Image-text (2025 multimodal): GIT-style models, log P(text | image, context); cheap to import.
from babylm.evaluation.multimodal.backend import GIT_BACKEND  # noqa: E402

register_backend(GIT_BACKEND)
