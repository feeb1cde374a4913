"""Masked copies for pseudo-log-likelihood scoring: encode, plan, deduplicate, pack, sum.

A copy is `(masked ids, read position, target id)`: one forward row whose output at the read position
gives log P(target). Copies are keyed by value, so identical masked inputs (the same sentence in two
items, a pair whose two sentences are equal) are computed once. Packing groups copies of equal length
into batches: no padding, no attention mask, so a row's arithmetic does not depend on its neighbours.
Every batch has at least `MIN_ROWS` rows (the last row repeated): on CPU, matrix products with fewer
than a dozen rows take a different kernel whose rounding differs, which would make a copy's value
depend on how many other copies share its batch. Sums use `math.fsum` (exactly rounded, so independent
of order): a near-tie can not flip with batching or request order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest

Copy = tuple[tuple[int, ...], int, int]  # (masked token ids, read position, target token id)
MIN_ROWS = 16


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


def mask_copies(ids: Sequence[int], scored: Sequence[int], mask_id: int, *, mask_shift: int = 0,
                read_shift: int = 0) -> list[Copy]:
    """One copy per scored token i: position i + mask_shift masked, log P(ids[i]) read at i - read_shift.

    mlm: shifts 0, 0. mntp: read_shift 1 (tokens whose read position would fall before the sequence
    are skipped). The official 2025 pipeline's mntp also masks one position later (mask_shift 1) when
    the tokenizer adds a CLS/BOS token; see `MaskedScorer`.
    """
    out = []
    for i in scored:
        m, r = i + mask_shift, i - read_shift
        if r < 0:
            continue
        if m >= len(ids):
            raise BabyLMError(f"token {i} has no position {m} to mask (sequence of {len(ids)} tokens)",
                              hint="the official mntp convention needs a special token after the sentence")
        masked = list(ids)
        masked[m] = mask_id
        out.append((tuple(masked), r, int(ids[i])))
    return out


def length_batches(copies: Iterable[Copy], max_tokens: int, max_rows: int | None = None) -> Iterator[list[Copy]]:
    """Copies in batches of equal length, each at most max_tokens tokens (and max_rows rows), in a
    fixed order (so the same copies always form the same batches)."""
    by_len: dict[int, list[Copy]] = defaultdict(list)
    for c in sorted(set(copies)):
        by_len[len(c[0])].append(c)
    for n in sorted(by_len):
        group = by_len[n]
        rows = max(1, max_tokens // max(1, n))
        if max_rows:
            rows = min(rows, max_rows)
        for s in range(0, len(group), rows):
            yield group[s : s + rows]


def batch_tensors(batch: list[Copy]) -> tuple[Any, Any, Any]:
    """(ids [B, L], read [B], targets [B]) with B >= MIN_ROWS (the last copy repeated)."""
    import torch

    padded = batch + [batch[-1]] * max(0, MIN_ROWS - len(batch))
    ids = torch.tensor([c[0] for c in padded], dtype=torch.long)
    read = torch.tensor([c[1] for c in padded], dtype=torch.long)
    tgt = torch.tensor([c[2] for c in padded], dtype=torch.long)
    return ids, read, tgt


def plan_sums(plans: Sequence[Sequence[Copy]], values: dict[Copy, float]) -> list[float]:
    """The exactly rounded sum of each plan's copy values."""
    return [math.fsum(values[c] for c in plan) for plan in plans]
