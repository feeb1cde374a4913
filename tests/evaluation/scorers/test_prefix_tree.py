"""Prefix-tree packing: every scored position maps to the right (prefix, token), computed once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from babylm.evaluation.scorers.prefix_tree import PackedTree, pack


def _prefix_of(tree: PackedTree, row: int, col: int) -> tuple[int, ...]:
    """The tokens from the root to node (row, col), read through the ancestor relation (the mask)."""
    ends = tree.ends[row]
    return tuple(tree.tokens[row][j] for j in range(col + 1) if j <= col < ends[j])


def _row_of_edge(tree: PackedTree, e: int) -> int:
    return next(r for r, (lo, hi) in enumerate(tree.row_edges) if lo <= e < hi)


def _check(need: dict[tuple[int, ...], int], row_tokens: int) -> PackedTree:
    tree = pack(need, row_tokens)
    assert tree.row_edges[-1][1] == len(tree.edge_target) if tree.row_edges else not tree.edge_target
    for row, (toks, deps, ends) in enumerate(zip(tree.tokens, tree.depths, tree.ends, strict=True)):
        assert len(toks) == len(deps) == len(ends)
        for c in range(len(toks)):
            assert len(_prefix_of(tree, row, c)) == deps[c] + 1  # position id = depth
    seen: dict[tuple[tuple[int, ...], int], int] = {}
    for s, start in need.items():
        edges = tree.seq_edges[s]
        assert len(edges) == max(0, len(s) - start)
        for p, e in zip(range(start, len(s)), edges, strict=True):
            row = _row_of_edge(tree, e)
            assert _prefix_of(tree, row, tree.edge_col[e]) == s[:p]  # predicted from exactly s[:p]
            assert tree.edge_target[e] == s[p]
            seen.setdefault((s[:p], s[p]), e)
    return tree


def test_minimal_pair_shares_its_prefix_and_one_head_node():
    need = {(0, 5, 6, 7, 8): 1, (0, 5, 6, 9, 8): 1}
    tree = _check(need, 128)
    assert tree.tokens == [[0, 5, 6, 7, 9]]  # BOS, 5, 6 once; then each branch
    assert tree.depths == [[0, 1, 2, 3, 3]]
    assert tree.ends == [[5, 5, 5, 4, 5]]  # 7 and 9 are siblings: neither sees the other
    # edges: 5|BOS, 6|BOS 5, 7|.. 6, 8|..7 ; then 9|..6 and 8|..9 new, the first two reused
    assert len(tree.edge_target) == 6
    assert tree.seq_edges[(0, 5, 6, 9, 8)][:2] == tree.seq_edges[(0, 5, 6, 7, 8)][:2]


def test_rows_break_and_reuse_edges_across_the_break():
    need = {(0, 1, 2, 3, 4, 5): 1, (0, 1, 2, 3, 7, 6): 1, (0, 1, 9, 9): 1}
    tree = _check(need, 5)
    assert tree.tokens == [[0, 1, 2, 3, 4], [0, 1, 2, 3, 7], [0, 1, 9]]  # each row repeats its prefix
    assert len(tree.edge_target) == len({(s[:p], s[p]) for s in need for p in range(1, len(s))})


def test_long_sequence_gets_a_row_of_its_own_and_starts_are_respected():
    long = tuple(range(1, 40))
    need = {long: 30, (1, 2, 3): 1, (1, 2): 2, (7,): 1}
    tree = _check(need, 8)
    assert any(len(r) == 38 for r in tree.tokens)
    assert tree.seq_edges[(1, 2)] == [] and tree.seq_edges[(7,)] == []


def test_different_starts_on_a_shared_prefix():
    need = {(0, 1, 2, 3): 3, (0, 1, 2, 4): 1, (0, 1, 2, 4, 5): 2}
    _check(need, 128)


seqs = st.lists(st.integers(0, 4), min_size=1, max_size=9).map(tuple)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(seqs, st.integers(1, 9), max_size=25), st.integers(1, 12))
def test_random_sets_of_sequences(raw, row_tokens):
    need = {s: min(start, len(s)) for s, start in raw.items()}
    tree = _check(need, row_tokens)
    distinct = {(s[:p], s[p]) for s, start in need.items() for p in range(start, len(s))}
    assert len(tree.edge_target) >= len(distinct)
    if all(start == 1 for start in need.values()):
        assert len(tree.edge_target) == len(distinct)  # each (prefix, token) computed once
