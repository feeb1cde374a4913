"""Masked-LM scorers: pseudo-log-likelihood (mlm) and masked next-token prediction (mntp).

`context + continuation` is encoded once with the tokenizer's special tokens; the scored tokens are
the non-special tokens whose characters end after the context (offsets needed: fast tokenizers only).
For each scored token i there is one copy of the sequence with token i replaced by the mask token and
everything else visible; mlm reads log P(token i) at position i, mntp at position i-1 (GPT-BERT/LTG
style). The request's score is the exactly rounded sum over its scored tokens (`math.fsum`).

compat "official" changes one thing, mntp with a tokenizer that adds a CLS/BOS token: the 2025 pipeline
then masks position i+1 (not i) while still reading token i at position i-1, and so does this scorer.

Speed (see `mlm_pack`): copies are deduplicated and batched by exact length (no padding); BERT and
RoBERTa checkpoints run through `native_bert` (only the read positions go through the last layer's
query/feed-forward and the LM head) once a probe shows it equals the transformers forward; any other
model runs through transformers on the same unpadded batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, ScoreRequest
from babylm.evaluation.scorers.load import check_finite
from babylm.evaluation.scorers.mlm_pack import (
    Copy,
    batch_tensors,
    encode_with_spans,
    length_batches,
    mask_copies,
    plan_sums,
)

__all__ = ["DEFAULT_MAX_TOKENS", "MaskedScorer", "encode_with_spans"]

DEFAULT_MAX_TOKENS = 8192  # tokens per forward pass (measured: larger batches gain nothing on CPU)
ENGINES = ("auto", "native", "transformers")


class MaskedScorer:
    def __init__(self, model: Any, tokenizer: Any, *, backend: str = "mlm", compat: Compat = "babylm",
                 batch_size: int | None = None, max_tokens: int = DEFAULT_MAX_TOKENS, engine: str = "auto") -> None:
        if tokenizer.mask_token_id is None:
            raise BabyLMError(f"the tokenizer has no mask token, which the {backend} backend needs",
                              hint="use a masked-LM tokenizer, or another backend")
        if engine not in ENGINES:
            raise BabyLMError(f"unknown engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
        self.model, self.tokenizer, self.backend, self.compat = model, tokenizer, backend, compat
        self.batch_size = batch_size  # rows per forward pass at most (None: max_tokens decides)
        self.max_tokens = max_tokens
        self.engine = engine  # "native" or "transformers" once the first batch has been scored
        self.native_reason: str | None = None  # why the native forward is not used
        self._native: Any = None
        self.offset = 1 if backend == "mntp" else 0

    def plan(self, ids: list[int], scored: list[int]) -> list[Copy]:
        """The masked copies whose values sum to the score of one encoded request."""
        shift = 0
        if self.backend == "mntp" and self.compat == "official":
            tok = self.tokenizer
            shift = int(getattr(tok, "cls_token_id", None) is not None or getattr(tok, "bos_token_id", None) is not None)
        return mask_copies(ids, scored, self.tokenizer.mask_token_id, mask_shift=shift, read_shift=self.offset)

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        plans = [self.plan(ids, scored) for ids, scored in encode_with_spans(self.tokenizer, requests)]
        values = self.copy_logprobs({c for p in plans for c in p})
        out = plan_sums(plans, values)
        check_finite(out)
        return out

    def copy_logprobs(self, copies: set[Copy]) -> dict[Copy, float]:
        """log P(target) for each copy (float32 forward), batched by length."""
        import torch

        out: dict[Copy, float] = {}
        if not copies:
            return out
        run = self._runner()
        with torch.inference_mode():
            for batch in length_batches(copies, self.max_tokens, self.batch_size):
                vals = run(*batch_tensors(batch)).tolist()
                out.update(zip(batch, vals[: len(batch)], strict=True))
        return out

    def _runner(self) -> Any:
        if self.engine in ("auto", "native") and self._native is None:
            self._native = self._load_native()
        if self._native:
            self.engine = "native"
            return self._native.read_logprobs
        self.engine = "transformers"
        return self._transformers_logprobs

    def _load_native(self) -> Any:
        """The probed native forward, or False (with `native_reason` set)."""
        from babylm.evaluation.scorers.native_bert import NativeBert, native_reason, probe

        why = native_reason(self.model)
        native = None
        if why is None:
            try:
                native = NativeBert(self.model)
                why = probe(native, self.model, self.tokenizer.mask_token_id)
            except Exception as exc:  # any layout the native forward does not know: fall back
                why = f"{type(exc).__name__}: {exc}"
        self.native_reason = why
        if why is not None and self.engine == "native":
            raise BabyLMError(f"cannot score this model with the native masked-LM forward: {why}",
                              hint="use engine transformers (or auto)")
        return native if why is None else False

    def _transformers_logprobs(self, ids: Any, read: Any, tgt: Any) -> Any:
        import torch

        logits = self.model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        sel = logits[torch.arange(ids.shape[0]), read].float()
        return torch.log_softmax(sel, dim=-1).gather(1, tgt[:, None]).squeeze(1)
