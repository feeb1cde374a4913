"""Masked-LM scorers: pseudo-log-likelihood (mlm) and masked next-token prediction (mntp).

`context + continuation` is encoded once with the tokenizer's special tokens; the scored tokens are
the non-special tokens whose characters end after the context (offsets needed: fast tokenizers only).
For each scored token i there is one copy of the sequence with token i replaced by the mask token and
everything else visible; mlm reads log P(token i) at position i, mntp at position i-1 (GPT-BERT/LTG
style). The request's score is the sum over its scored tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.scorers.load import check_finite

DEFAULT_BATCH = 64
DEFAULT_MAX_TOKENS = 8192


def encode_with_spans(tokenizer: Any, requests: Sequence[ScoreRequest], special: bool = True) -> list[
    tuple[list[int], list[int]]
]:
    """(token ids, indices of the continuation's tokens) per request, via character offsets."""
    if not getattr(tokenizer, "is_fast", False):
        raise BabyLMError(
            f"tokenizer {type(tokenizer).__name__} gives no character offsets, which this backend needs",
            hint="save a fast tokenizer (tokenizer.json) with the checkpoint",
        )
    texts = [r.context + r.continuation for r in requests]
    enc = tokenizer(texts, add_special_tokens=special, return_offsets_mapping=True,
                    return_special_tokens_mask=True)
    out = []
    for r, ids, offs, spec in zip(requests, enc["input_ids"], enc["offset_mapping"],
                                  enc["special_tokens_mask"], strict=True):
        cut = len(r.context)
        scored = [i for i, ((_, end), sp) in enumerate(zip(offs, spec, strict=True)) if not sp and end > cut]
        out.append((list(ids), scored))
    return out


class MaskedScorer:
    def __init__(self, model: Any, tokenizer: Any, *, backend: str = "mlm", batch_size: int | None = None,
                 max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        if tokenizer.mask_token_id is None:
            raise BabyLMError(f"the tokenizer has no mask token, which the {backend} backend needs",
                              hint="use a masked-LM tokenizer, or another backend")
        self.model, self.tokenizer, self.backend = model, tokenizer, backend
        self.batch_size = batch_size or DEFAULT_BATCH
        self.max_tokens = max_tokens
        self.offset = 1 if backend == "mntp" else 0
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        import torch

        encs = encode_with_spans(self.tokenizer, requests)
        rows: dict[tuple[tuple[int, ...], int], float] = {}
        for ids, scored in encs:
            for i in scored:
                if i - self.offset >= 0:
                    rows[(tuple(ids), i)] = 0.0
        todo = sorted(rows, key=lambda k: len(k[0]))
        with torch.inference_mode():
            for batch in _batches(todo, self.batch_size, self.max_tokens):
                for key, v in zip(batch, self._run(batch), strict=True):
                    rows[key] = v
        out = [float(sum(rows.get((tuple(ids), i), 0.0) for i in scored)) for ids, scored in encs]
        check_finite(out)
        return out

    def _run(self, batch: list[tuple[tuple[int, ...], int]]) -> list[float]:
        import torch

        width = max(len(s) for s, _ in batch)
        ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for b, (s, i) in enumerate(batch):
            ids[b, : len(s)] = torch.tensor(s)
            ids[b, i] = self.tokenizer.mask_token_id
            mask[b, : len(s)] = 1
        logits = self.model(input_ids=ids, attention_mask=mask).logits
        pos = torch.tensor([i - self.offset for _, i in batch])
        tgt = torch.tensor([s[i] for s, i in batch])
        sel = logits[torch.arange(len(batch)), pos].float()
        return (sel.gather(1, tgt[:, None]).squeeze(1) - torch.logsumexp(sel, -1)).tolist()


def _batches(todo: list, batch_size: int, max_tokens: int):
    batch: list = []
    for key in todo:
        width = len(key[0])
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * width > max_tokens):
            yield batch
            batch = []
        batch.append(key)
    if batch:
        yield batch
