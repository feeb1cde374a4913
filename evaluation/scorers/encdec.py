"""Encoder-decoder scorers (T5-style sentinel convention).

- enc_dec_prefix: the encoder reads `context <mask>` (just `<mask>` for a context-free request); the
  decoder reads `<mask> continuation` and the continuation's tokens are scored (teacher forcing).
- enc_dec_mask: pseudo-log-likelihood: for each token of the continuation, the encoder reads the whole
  text with that token replaced by `<mask>`, and the decoder scores the token after `<mask>`.
`<mask>` is the tokenizer's mask token, else its first additional special token (T5's <extra_id_0>).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.scorers.load import check_finite
from babylm.evaluation.scorers.mlm import _batches, encode_with_spans

DEFAULT_BATCH = 64


class EncDecScorer:
    def __init__(self, model: Any, tokenizer: Any, *, backend: str = "enc_dec_prefix",
                 batch_size: int | None = None, max_tokens: int = 8192) -> None:
        self.model, self.tokenizer, self.backend = model, tokenizer, backend
        mask = tokenizer.mask_token
        if mask is None and getattr(tokenizer, "additional_special_tokens", None):
            mask = tokenizer.additional_special_tokens[0]
        if mask is None:
            raise BabyLMError(f"the tokenizer has no mask/sentinel token, which {backend} needs",
                              hint="add a mask token (T5: <extra_id_0>) to the tokenizer")
        self.mask_text = mask
        self.mask_id = tokenizer.convert_tokens_to_ids(mask)
        self.batch_size = batch_size or DEFAULT_BATCH
        self.max_tokens = max_tokens
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.start_id = model.config.decoder_start_token_id
        if self.start_id is None:
            self.start_id = self.pad_id

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        import torch

        with torch.inference_mode():
            out = self._score_prefix(requests) if self.backend == "enc_dec_prefix" else self._score_mask(requests)
        check_finite(out)
        return out

    def _forward(self, enc: list[list[int]], dec: list[list[int]]) -> Any:
        import torch

        def pad(seqs: list[list[int]]) -> tuple[Any, Any]:
            w = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), w), self.pad_id, dtype=torch.long)
            m = torch.zeros((len(seqs), w), dtype=torch.long)
            for b, s in enumerate(seqs):
                ids[b, : len(s)] = torch.tensor(s)
                m[b, : len(s)] = 1
            return ids, m

        ei, em = pad(enc)
        di, dm = pad(dec)
        logits = self.model(input_ids=ei, attention_mask=em, decoder_input_ids=di,
                            decoder_attention_mask=dm).logits.float()
        return logits - torch.logsumexp(logits, dim=-1, keepdim=True)

    def _score_prefix(self, requests: Sequence[ScoreRequest]) -> list[float]:
        enc_texts = [f"{r.context.rstrip()} {self.mask_text}" if r.context.strip() else self.mask_text
                     for r in requests]
        conts = [r.continuation if r.context.strip() else r.continuation.lstrip() for r in requests]
        enc_ids = self.tokenizer(enc_texts)["input_ids"]
        cont_ids = self.tokenizer(conts, add_special_tokens=False)["input_ids"]
        keys = sorted({(tuple(e), tuple(c)) for e, c in zip(enc_ids, cont_ids, strict=True)},
                      key=lambda k: len(k[0]) + len(k[1]))
        vals: dict[tuple, float] = {}
        for batch in _batches([(k[0] + k[1], k) for k in keys], self.batch_size, self.max_tokens):
            ks = [k for _, k in batch]
            labels = [[self.mask_id, *c] for _, c in ks]
            dec = [[self.start_id, *lab[:-1]] for lab in labels]
            lp = self._forward([list(e) for e, _ in ks], dec)
            for b, (k, lab) in enumerate(zip(ks, labels, strict=True)):
                vals[k] = float(sum(lp[b, t, lab[t]].item() for t in range(1, len(lab))))
        return [vals[(tuple(e), tuple(c))] for e, c in zip(enc_ids, cont_ids, strict=True)]

    def _score_mask(self, requests: Sequence[ScoreRequest]) -> list[float]:
        encs = encode_with_spans(self.tokenizer, requests)
        rows: dict[tuple[tuple[int, ...], int], float] = {}
        for ids, scored in encs:
            for i in scored:
                rows[(tuple(ids), i)] = 0.0
        todo = sorted(rows, key=lambda k: len(k[0]))
        for batch in _batches(todo, self.batch_size, self.max_tokens):
            enc = []
            for s, i in batch:
                masked = list(s)
                masked[i] = self.mask_id
                enc.append(masked)
            lp = self._forward(enc, [[self.start_id, self.mask_id]] * len(batch))
            for b, (s, i) in enumerate(batch):
                rows[(s, i)] = float(lp[b, 1, s[i]].item())
        return [float(sum(rows[(tuple(ids), i)] for i in scored)) for ids, scored in encs]
