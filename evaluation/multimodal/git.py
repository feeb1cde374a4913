"""GIT-style image-to-text causal scoring (transformers' `GitForCausalLM`).

The image encoder's tokens come first and the text decoder reads them, then the text left to right:
log P(continuation | image, context) is the sum of the continuation tokens' log-probabilities read
at the positions before them. The text starts with the tokenizer's [CLS] (GIT's start token) or BOS.

Compat "babylm" tokenizes context and continuation apart (no special tokens) and scores every token
of the continuation. Compat "official" follows babylm/evaluation-pipeline-2025 (sentence_zero_shot,
causal backend with images): it tokenizes the joined sentence context + continuation with the
tokenizer's special tokens and scores the tokens whose character span ends past the context (the
offset mapping), so a token straddling the boundary counts and special tokens ([CLS], [SEP]) never
do. The two agree whenever the continuation starts a new token (" " + answer, a whole caption).
Scores are float32 and independent of batching (right padding, causal text attention).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.evaluation.api import Compat, ScoreRequest
from babylm.evaluation.multimodal.images import open_rgb
from babylm.evaluation.multimodal.requests import image_of

DEFAULT_BATCH = 16


class GitScorer:
    """Scores (image, context, continuation) requests with a GIT model, its tokenizer and image processor."""

    backend = "git"
    engine = "transformers"

    def __init__(self, model: Any, tokenizer: Any, image_processor: Any, *, compat: Compat = "babylm",
                 batch_size: int | None = None) -> None:
        self.model, self.tokenizer, self.image_processor = model, tokenizer, image_processor
        self.compat = compat
        self.batch_size = batch_size or DEFAULT_BATCH
        start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
        self._start = [] if start is None else [int(start)]
        pad = tokenizer.pad_token_id
        self._pad = int(pad) if pad is not None else 0

    def encode(self, req: ScoreRequest) -> tuple[list[int], list[int]]:
        """(token ids, positions of the scored tokens) of one request."""
        tok = self.tokenizer
        if self.compat == "official":
            sentence = req.context + req.continuation
            enc = tok(sentence, return_offsets_mapping=True)
            ids = list(enc["input_ids"])
            start_char = len(req.context) + (enc["offset_mapping"][0][0] if ids else 0)
            scored = [i for i, (_, end) in enumerate(enc["offset_mapping"]) if end > start_char and i > 0]
            return ids, scored
        ctx = tok(req.context, add_special_tokens=False)["input_ids"] if req.context else []
        cont = tok(req.continuation, add_special_tokens=False)["input_ids"]
        ids = self._start + list(ctx) + list(cont)
        first = max(1, len(self._start) + len(ctx))  # position 0 has nothing before it
        return ids, list(range(first, len(ids)))

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        from babylm.evaluation.scorers.load import check_finite

        encoded = [self.encode(r) for r in requests]
        # Batches never mix image and text-only requests (GIT takes pixel values for all rows or none).
        order = sorted(range(len(requests)), key=lambda i: (bool(image_of(requests[i])), len(encoded[i][0])))
        out = [0.0] * len(requests)
        k = 0
        while k < len(order):
            has_image = bool(image_of(requests[order[k]]))
            batch = []
            while k < len(order) and len(batch) < self.batch_size and bool(image_of(requests[order[k]])) == has_image:
                batch.append(order[k])
                k += 1
            for i, v in zip(batch, self._score_batch([requests[i] for i in batch], [encoded[i] for i in batch]),
                            strict=True):
                out[i] = v
        check_finite(out)
        return out

    def text_logits(self, ids: Any, mask: Any, reqs: Sequence[ScoreRequest]) -> Any:
        """Logits at the text positions (batch x text length x vocab); GIT puts the image tokens first."""
        kwargs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if image_of(reqs[0]):
            kwargs["pixel_values"] = self._pixels(reqs)
        return self.model(**kwargs).logits[:, -ids.shape[1]:, :]

    def _pixels(self, reqs: Sequence[ScoreRequest]) -> Any:
        images = [open_rgb(image_of(r)) for r in reqs]
        return self.image_processor(images=images, return_tensors="pt")["pixel_values"].float()

    def _score_batch(self, reqs: Sequence[ScoreRequest], encoded: Sequence[tuple[list[int], list[int]]]) -> list[float]:
        import torch

        width = max(len(ids) for ids, _ in encoded)
        ids = torch.full((len(encoded), width), self._pad, dtype=torch.long)
        mask = torch.zeros((len(encoded), width), dtype=torch.long)
        for row, (seq, _) in enumerate(encoded):
            ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            mask[row, : len(seq)] = 1
        with torch.no_grad():
            logits = self.text_logits(ids, mask, reqs).float()
        logp = torch.log_softmax(logits, dim=-1)
        scores = []
        for row, (_, scored) in enumerate(encoded):
            if not scored:
                scores.append(0.0)
                continue
            pos = torch.tensor(scored, dtype=torch.long)
            tgt = ids[row, pos]
            scores.append(float(logp[row, pos - 1, tgt].sum()))
        return scores
