"""The text reference-game world: contexts, distinguishing descriptions, parsing, text forms."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from babylm.tracks.interaction.games.world import (
    ATTRIBUTES,
    DEFAULT_LEXICON,
    Context,
    consistent,
    describe,
    distinguishing_sets,
    parse_description,
    sample_context,
    tokenize,
)

LEX = DEFAULT_LEXICON


def test_context_objects_are_distinct_and_targets_in_range() -> None:
    ctx = sample_context(random.Random(1), LEX, 10, 3)
    assert len({o.text() for o in ctx.objects}) == 10
    assert len(set(ctx.targets)) == 3 and all(0 <= t < 10 for t in ctx.targets)


def test_too_many_objects_is_refused() -> None:
    with pytest.raises(ValueError, match="distinct objects"):
        sample_context(random.Random(0), LEX, 10_000, 1)


def test_object_text_carries_letter_attributes_and_state() -> None:
    ctx = sample_context(random.Random(2), LEX, 4, 1)
    o = ctx.objects[2]
    assert ctx.object_text(2) == f"C: {o.color} {o.shape} {o.pattern}"
    assert ctx.object_text(2, selected=[2], last=2).endswith("selected last")
    assert "selected" not in ctx.object_text(1, selected=[2], last=2)
    assert len(ctx.text().splitlines()) == 4


def test_letters_round_trip_and_bad_letter_is_an_error() -> None:
    ctx = sample_context(random.Random(3), LEX, 5, 2)
    assert ctx.index(ctx.letter(4)) == 4
    with pytest.raises(ValueError):
        ctx.index("H")
    back = Context.from_json(ctx.to_json())
    assert back.objects == ctx.objects and back.targets == ctx.targets


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12))
def test_distinguishing_sets_single_out_the_target(seed: int, n: int) -> None:
    rng = random.Random(seed)
    ctx = sample_context(rng, LEX, n, 1)
    t = ctx.targets[0]
    for subset in distinguishing_sets(ctx, t):
        values = {a: ctx.objects[t].attr(a) for a in subset}
        assert consistent(ctx, values) == [t]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_canonical_description_parses_back_to_the_target(seed: int) -> None:
    rng = random.Random(seed)
    ctx = sample_context(rng, LEX, 10, 1)
    t = ctx.targets[0]
    text, canon = describe(ctx, t, LEX, rng, synonym_rate=0.0)
    assert parse_description(text, LEX) == canon
    assert consistent(ctx, canon) == [t]
    assert all(v in tokenize(text) for v in canon.values() if v)


def test_synonym_rate_one_uses_only_synonyms() -> None:
    rng = random.Random(0)
    canonical = {w for a in ATTRIBUTES for w in LEX.canonical(a)}
    for _ in range(50):
        ctx = sample_context(rng, LEX, 10, 1)
        text, canon = describe(ctx, ctx.targets[0], LEX, rng, synonym_rate=1.0)
        words = set(tokenize(text))
        assert not (words & canonical)
        assert parse_description(text, LEX) == canon  # the partner's lexicon still knows them


def test_tokenize_splits_punctuation_and_lowercases() -> None:
    assert tokenize("No, not THAT one.\nUgh!") == ["no", ",", "not", "that", "one", ".", "ugh", "!"]
