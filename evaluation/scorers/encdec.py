"""Encoder-decoder scorers (T5-style sentinel convention).

- enc_dec_prefix: the encoder reads `context <mask>` (just `<mask>` for a context-free request); the
  decoder reads `<start> <mask> continuation` and the continuation's tokens are scored (teacher forcing).
- enc_dec_mask: pseudo-log-likelihood: for each token of the continuation, the encoder reads the whole
  text with that token replaced by `<mask>`, and the decoder scores the token after `<start> <mask>`.
`<mask>` is the tokenizer's mask token, else its first additional special token (T5's <extra_id_0>).

`<start>` is the model's decoder_start_token_id in compat "babylm". compat "official" follows the 2025
pipeline: the tokenizer's BOS token when it has one (BART's <s>, not its decoder start </s>); without a
BOS (T5), enc_dec_mask feeds the sentinel alone (`[<extra_id_0>]`, scored at that position) and
enc_dec_prefix feeds the sentinel in place of the BOS. Sums are exactly rounded (`math.fsum`).

enc_dec_mask copies are deduplicated and batched by exact length (no padding, see `mlm_pack`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, ScoreRequest
from babylm.evaluation.scorers import mlm_pack as pack
from babylm.evaluation.scorers.load import check_finite

DEFAULT_BATCH = 64
DEFAULT_MAX_TOKENS = 8192


def sentinel(tokenizer: Any) -> str | None:
    """The mask token, else the first additional special token (T5's <extra_id_0>), else None."""
    if tokenizer.mask_token is not None:
        return tokenizer.mask_token
    extra = extra_tokens(tokenizer)
    return extra[0] if extra else None


def extra_tokens(tokenizer: Any) -> list[str]:
    """The additional special tokens (`extra_special_tokens` in transformers 5), in order."""
    extra = getattr(tokenizer, "additional_special_tokens", None) or getattr(tokenizer, "extra_special_tokens", None)
    if isinstance(extra, dict):
        extra = list(extra.values())
    return [str(t) for t in extra or []]


def decoder_prompt(tokenizer: Any, config: Any, mask_id: int, compat: Compat) -> list[int]:
    """The decoder input whose last position predicts the masked token (enc_dec_mask)."""
    if compat == "official":
        if tokenizer.bos_token_id is not None:
            return [tokenizer.bos_token_id, mask_id]
        return [_first_extra_id(tokenizer, mask_id)]
    return [decoder_start(tokenizer, config), mask_id]


def prefix_start(tokenizer: Any, config: Any, mask_id: int, compat: Compat) -> int:
    """The token before `<mask>` in the decoder input of enc_dec_prefix."""
    if compat == "official":
        return tokenizer.bos_token_id if tokenizer.bos_token_id is not None else _first_extra_id(tokenizer, mask_id)
    return decoder_start(tokenizer, config)


def decoder_start(tokenizer: Any, config: Any) -> int:
    start = getattr(config, "decoder_start_token_id", None)
    if start is None:
        start = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return int(start)


def _first_extra_id(tokenizer: Any, mask_id: int) -> int:
    extra = extra_tokens(tokenizer)
    return int(tokenizer.convert_tokens_to_ids(extra[0])) if extra else mask_id


class EncDecScorer:
    engine = "transformers"

    def __init__(self, model: Any, tokenizer: Any, *, backend: str = "enc_dec_prefix", compat: Compat = "babylm",
                 batch_size: int | None = None, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self.model, self.tokenizer, self.backend, self.compat = model, tokenizer, backend, compat
        mask = sentinel(tokenizer)
        if mask is None:
            raise BabyLMError(f"the tokenizer has no mask/sentinel token, which {backend} needs",
                              hint="add a mask token (T5: <extra_id_0>) to the tokenizer")
        self.mask_text = mask
        self.mask_id = tokenizer.convert_tokens_to_ids(mask)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.start_id = decoder_start(tokenizer, model.config)

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        import torch

        with torch.inference_mode():
            out = self._score_prefix(requests) if self.backend == "enc_dec_prefix" else self._score_mask(requests)
        check_finite(out)
        return out

    def _logprobs(self, enc: Any, enc_mask: Any, dec: Any, dec_mask: Any) -> Any:
        import torch

        logits = self.model(input_ids=enc, attention_mask=enc_mask, decoder_input_ids=dec,
                            decoder_attention_mask=dec_mask).logits.float()
        return torch.log_softmax(logits, dim=-1)

    # ---- enc_dec_mask ----
    def _score_mask(self, requests: Sequence[ScoreRequest]) -> list[float]:
        import torch

        encs = pack.encode_with_spans(self.tokenizer, requests)
        plans = [pack.mask_copies(ids, scored, self.mask_id) for ids, scored in encs]
        prompt = decoder_prompt(self.tokenizer, self.model.config, self.mask_id, self.compat)
        values: dict[pack.Copy, float] = {}
        for batch in pack.length_batches({c for p in plans for c in p}, self.max_tokens, self.batch_size):
            ids, _, tgt = pack.batch_tensors(batch)
            dec = torch.tensor([prompt] * ids.shape[0], dtype=torch.long)
            lp = self._logprobs(ids, torch.ones_like(ids), dec, torch.ones_like(dec))[:, -1]
            vals = lp.gather(1, tgt[:, None]).squeeze(1).tolist()
            values.update(zip(batch, vals[: len(batch)], strict=True))
        return pack.plan_sums(plans, values)

    # ---- enc_dec_prefix ----
    def _score_prefix(self, requests: Sequence[ScoreRequest]) -> list[float]:
        import torch

        enc_texts = [f"{r.context.rstrip()} {self.mask_text}" if r.context.strip() else self.mask_text
                     for r in requests]
        conts = [r.continuation if r.context.strip() else r.continuation.lstrip() for r in requests]
        enc_ids = self.tokenizer(enc_texts)["input_ids"]
        cont_ids = self.tokenizer(conts, add_special_tokens=False)["input_ids"]
        start = prefix_start(self.tokenizer, self.model.config, self.mask_id, self.compat)
        keys = sorted({(tuple(e), tuple(c)) for e, c in zip(enc_ids, cont_ids, strict=True)},
                      key=lambda k: (len(k[0]) + len(k[1]), k))
        vals: dict[tuple, float] = {}
        for batch in padded_batches(keys, self.batch_size or DEFAULT_BATCH, self.max_tokens):
            ei, em = self._pad([list(e) for e, _ in batch])
            di, dm = self._pad([[start, self.mask_id, *c[:-1]] for _, c in batch])
            lp = self._logprobs(ei, em, di, dm)
            for b, k in enumerate(batch):
                c = k[1]
                pos = torch.arange(1, len(c) + 1)
                tok = lp[b, pos].gather(1, torch.tensor(c, dtype=torch.long)[:, None]).squeeze(1)
                vals[k] = math.fsum(tok.tolist())
        return [vals[(tuple(e), tuple(c))] for e, c in zip(enc_ids, cont_ids, strict=True)]

    def _pad(self, seqs: list[list[int]]) -> tuple[Any, Any]:
        import torch

        w = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), w), self.pad_id, dtype=torch.long)
        m = torch.zeros((len(seqs), w), dtype=torch.long)
        for b, s in enumerate(seqs):
            ids[b, : len(s)] = torch.tensor(s, dtype=torch.long)
            m[b, : len(s)] = 1
        return ids, m


def padded_batches(keys: list[tuple[tuple[int, ...], tuple[int, ...]]], batch_size: int,
                   max_tokens: int) -> Iterator[list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """(encoder ids, continuation ids) keys, sorted by length, in batches of bounded padded size."""
    batch: list = []
    for key in keys:
        width = len(key[0]) + len(key[1])
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * width > max_tokens):
            yield batch
            batch = []
        batch.append(key)
    if batch:
        yield batch
