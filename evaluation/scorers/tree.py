"""Causal scoring over a packed prefix tree: each distinct prefix runs through the model once.

Same requests, tokenization and conventions as `CausalScorer` (it inherits them); only the way the
per-token log-probabilities are computed differs. Sequences are packed into rows of tree nodes
(`prefix_tree.pack`); rows of similar length form a batch; the LM head runs once per node that
predicts something (a node whose children are the two words where a minimal pair differs is one
head row, not two), in small chunks so that the vocabulary-wide logits stay in cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.scorers.causal import CausalScorer
from babylm.evaluation.scorers.load import check_finite
from babylm.evaluation.scorers.prefix_tree import PackedTree, pack

ROW_TOKENS = 128  # nodes per packed row: attention over a row costs row^2, repeated prefixes cost less
HEAD_CHUNK = 256  # node rows per LM-head matmul (256 x vocab floats stay in cache)


class TreeCausalScorer(CausalScorer):
    """A causal scorer for models with `hidden(ids, pos, mask)` and `head_weight` (see native_gpt2)."""

    engine = "native"
    row_tokens = ROW_TOKENS  # an instance may set its own (results do not depend on it)

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        encs = self.encode(requests)
        keys = [tuple(toks) for toks, _ in encs]
        need: dict[tuple[int, ...], int] = {}
        for key, (_, start) in zip(keys, encs, strict=True):
            if start < len(key) and start < need.get(key, 1 << 30):
                need[key] = start
        tree = pack(need, self.row_tokens)
        values = self._edge_values(tree)
        out = []
        for key, (_, start) in zip(keys, encs, strict=True):
            edges = tree.seq_edges.get(key)
            out.append(sum(values[e] for e in edges[start - need[key]:]) if edges else 0.0)
        check_finite(out)
        return out

    def token_logprobs(self, need: dict[tuple[int, ...], int]) -> dict[tuple[int, ...], list[float]]:
        tree = pack(need, self.row_tokens)
        values = self._edge_values(tree)
        out: dict[tuple[int, ...], list[float]] = {}
        for s, edges in tree.seq_edges.items():
            vals = [0.0] * len(s)
            vals[len(s) - len(edges):] = [values[e] for e in edges]
            out[s] = vals
        return out

    def _edge_values(self, tree: PackedTree) -> list[float]:
        import torch

        lp = torch.empty(len(tree.edge_target), dtype=torch.float32)
        with torch.inference_mode():
            for rows in self._row_batches(tree):
                self._run_rows(tree, rows, lp)
        return lp.tolist()

    def _row_batches(self, tree: PackedTree) -> list[list[int]]:
        order = sorted(range(len(tree.tokens)), key=lambda r: len(tree.tokens[r]))
        batches: list[list[int]] = []
        cur: list[int] = []
        for r in order:
            width = len(tree.tokens[r])
            if cur and (len(cur) >= self.batch_size or (len(cur) + 1) * width > self.max_tokens):
                batches.append(cur)
                cur = []
            cur.append(r)
        if cur:
            batches.append(cur)
        return batches

    def _run_rows(self, tree: PackedTree, rows: list[int], lp: Any) -> None:
        import torch

        width = max(len(tree.tokens[r]) for r in rows)
        ids: list[int] = []
        pos: list[int] = []
        ends: list[int] = []
        edge_idx: list[int] = []
        targets: list[int] = []
        flat: list[int] = []
        for b, r in enumerate(rows):
            n, pad = len(tree.tokens[r]), width - len(tree.tokens[r])
            ids += tree.tokens[r] + [0] * pad
            pos += tree.depths[r] + [0] * pad
            ends += tree.ends[r] + list(range(n + 1, width + 1))  # padding nodes attend to themselves
            lo, hi = tree.row_edges[r]
            edge_idx += range(lo, hi)
            targets += tree.edge_target[lo:hi]
            off = b * width
            flat += [off + c for c in tree.edge_col[lo:hi]]
        if not edge_idx:
            return
        col = torch.arange(width)
        end = torch.tensor(ends).view(len(rows), 1, width)
        # node i sees node j iff j is i or an ancestor of i: j <= i < end(j) in depth-first order
        mask = (col[None, None, :] <= col[None, :, None]) & (col[None, :, None] < end)
        hidden = self.model.hidden(torch.tensor(ids).view(len(rows), width), torch.tensor(pos).view(len(rows), width),
                                   mask.unsqueeze(1))
        nodes, inverse = torch.unique(torch.tensor(flat), return_inverse=True)
        h = hidden.reshape(-1, hidden.shape[-1])[nodes]
        lp[torch.tensor(edge_idx)] = edge_logprobs(h, self.model.head_weight, inverse, torch.tensor(targets))


def edge_logprobs(h: Any, weight: Any, node: Any, targets: Any, chunk: int = HEAD_CHUNK) -> Any:
    """log_softmax(h[node[e]] @ weight.T)[targets[e]] for every edge e, one softmax per node row."""
    import torch
    import torch.nn.functional as F

    order = torch.argsort(node)
    node_sorted = node[order]
    out = torch.empty(node.shape[0], dtype=torch.float32)
    bounds = torch.searchsorted(node_sorted, torch.arange(0, h.shape[0] + chunk, chunk)).tolist()
    for i, s in enumerate(range(0, h.shape[0], chunk)):
        lo, hi = bounds[i], bounds[i + 1]
        if lo == hi:
            continue
        logp = F.log_softmax(h[s: s + chunk] @ weight.T, dim=-1)
        sel = order[lo:hi]
        out[sel] = logp[node_sorted[lo:hi] - s, targets[sel]]
    return out
