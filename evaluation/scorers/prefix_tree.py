"""Pack token sequences into a prefix tree so that every distinct prefix goes through the model once.

BLiMP-style data is full of shared prefixes: the two sentences of a minimal pair, the sentences of a
paradigm that start alike, the candidates of an item that share a context. Sorted sequences are walked
in order; each new sequence adds only the tokens past its common prefix with the previous one. The
added tokens are appended to a *row* (a flat list of tree nodes in depth-first order); a node attends
to itself and its ancestors only, and its position id is its depth, so its hidden state equals the one
a plain causal pass over the sequence would give.

A node's hidden state predicts its children: the log-probability of token t after prefix s[:p] is read
at the node of s[:p - 1]. Each (node, next token) pair is an *edge*; edges shared by several sequences
are computed once. Rows hold at most `row_tokens` nodes (more when one sequence is longer); when a
sequence does not fit, a new row starts and repeats the sequence's prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PackedTree:
    """Rows of tree nodes plus the edges (next-token predictions) to evaluate."""

    tokens: list[list[int]] = field(default_factory=list)  # per row: the node tokens
    depths: list[list[int]] = field(default_factory=list)  # per row: position ids
    ends: list[list[int]] = field(default_factory=list)  # per row: 1 + last descendant's column
    row_edges: list[tuple[int, int]] = field(default_factory=list)  # per row: its edges' index range
    edge_col: list[int] = field(default_factory=list)  # per edge: column of the predicting node in its row
    edge_target: list[int] = field(default_factory=list)  # per edge: the predicted token
    # per sequence: the edge index of each scored position, from its first scored position on
    seq_edges: dict[tuple[int, ...], list[int]] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return sum(len(r) for r in self.tokens)


def pack(need: dict[tuple[int, ...], int], row_tokens: int = 128) -> PackedTree:
    """Pack sequences; `need[s]` is the first scored position of s (positions >= 1).

    An edge already computed for the previous sequence (same prefix, same next token) is reused,
    even across a row break, so every distinct (prefix, token) pair is evaluated once.
    """
    tree = PackedTree()
    toks: list[int] = []
    deps: list[int] = []
    parents: list[int] = []
    path: list[int] = []  # columns of the current row's input nodes of the previous sequence, by depth
    prev: tuple[int, ...] = ()
    prev_start, prev_edges = 0, []
    edge_col, edge_target = tree.edge_col, tree.edge_target

    def flush() -> None:
        ends = list(range(1, len(toks) + 1))
        for i in range(len(toks) - 1, 0, -1):  # children come after their parent: one backward sweep
            p = parents[i]
            if p >= 0 and ends[i] > ends[p]:
                ends[p] = ends[i]
        tree.tokens.append(toks)
        tree.depths.append(deps)
        tree.ends.append(ends)
        first = tree.row_edges[-1][1] if tree.row_edges else 0
        tree.row_edges.append((first, len(edge_target)))

    def new_edges(s: tuple[int, ...], a: int, b: int) -> list[int]:
        """Edges for positions [a, b) of s, predicted by the nodes on `path`."""
        e0 = len(edge_target)
        edge_col.extend(path[a - 1: b - 1])
        edge_target.extend(s[a:b])
        return list(range(e0, e0 + max(0, b - a)))

    for s in sorted(need):
        n_in = len(s) - 1  # the last token is only ever a target
        start = need[s]
        if n_in < 1 or start >= len(s):
            tree.seq_edges[s] = []
            continue
        lcp, limit = 0, min(len(prev), len(s))
        while lcp < limit and prev[lcp] == s[lcp]:
            lcp += 1
        shared = min(lcp, len(path), n_in)
        if toks and len(toks) + n_in - shared > row_tokens:
            flush()
            toks, deps, parents, path = [], [], [], []
            shared = 0
        del path[shared:]
        c0, k = len(toks), n_in - shared
        if k:
            parents.append(path[-1] if path else -1)
            parents.extend(range(c0, c0 + k - 1))
            path.extend(range(c0, c0 + k))
            toks.extend(s[shared:n_in])
            deps.extend(range(shared, n_in))
        # positions [start, len(s)): reuse the previous sequence's edges where prefix and token agree
        r_lo = min(max(start, prev_start), len(s))
        r_hi = max(r_lo, min(lcp, len(prev)))
        mine = new_edges(s, start, r_lo) + prev_edges[r_lo - prev_start: r_hi - prev_start] + new_edges(
            s, r_hi, len(s))
        tree.seq_edges[s] = mine
        prev, prev_start, prev_edges = s, start, mine
    if toks:
        flush()
    return tree
