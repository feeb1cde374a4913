"""The simulated partners: ground-truth labels, implicit reactions, noise, game end, CoGen roles."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from babylm.tracks.interaction.games.partner import (
    KIND_POLARITY,
    PHRASES,
    ImplicitFeedbackSpeaker,
    ReferencePartner,
    Turn,
    phrase_words,
)
from babylm.tracks.interaction.games.world import (
    DEFAULT_LEXICON,
    consistent,
    parse_description,
    sample_context,
)

LEX = DEFAULT_LEXICON


def _speaker(seed: int = 0, **kw) -> ImplicitFeedbackSpeaker:
    rng = random.Random(seed)
    ctx = sample_context(rng, LEX, 8, 2)
    return ImplicitFeedbackSpeaker(ctx, LEX, rng, **kw)


def _random_actions(p: ImplicitFeedbackSpeaker, rng: random.Random) -> Iterator[Turn]:
    """Select or deselect random objects until the game ends; yields the speaker's turn for each."""
    while not p.done:
        i = rng.randrange(8)
        yield p.react(("deselect " if i in p.selected else "select ") + p.ctx.letter(i))


def test_true_labels_of_each_kind_of_action() -> None:
    p = _speaker(noise=0.0)
    p.opening()
    described = p.current
    other_target = next(t for t in p.ctx.targets if t != described)
    wrong = next(i for i in range(8) if i not in p.ctx.targets)
    assert p.true_label("select", described) == 1
    assert p.true_label("select", other_target) == 0
    assert p.true_label("select", wrong) == -1
    assert p.true_label("deselect", wrong) == 1
    assert p.true_label("deselect", described) == -1


def test_without_noise_the_reaction_matches_the_truth() -> None:
    rng = random.Random(5)
    seen = set()
    for g in range(40):
        p = _speaker(g, noise=0.0)
        p.opening()
        for turn in _random_actions(p, rng):
            if not turn.done or not p.success():
                assert KIND_POLARITY[turn.kind] == turn.true_label
            seen.add(turn.kind)
    assert {"approve", "correct", "rephrase", "frustration"} <= seen


def test_noise_makes_some_reactions_misleading() -> None:
    rng = random.Random(7)
    mismatches = 0
    for g in range(30):
        p = _speaker(g, noise=1.0)
        p.opening()
        for turn in _random_actions(p, rng):
            mismatches += (not turn.done) and KIND_POLARITY[turn.kind] != turn.true_label
    assert mismatches > 10


def test_seed_mode_uses_canonical_words_and_seed_phrasings_only() -> None:
    seed_texts = {p.split("{d}")[0].strip() for seed, _ in PHRASES.values() for p in seed}
    synonyms = {s for vals in LEX.values.values() for syns in vals.values() for s in syns}
    rng = random.Random(1)
    for g in range(20):
        p = _speaker(g, seed_only=True, synonym_rate=1.0)
        words = set(p.opening().split())
        assert not (words & synonyms)
        for turn in _random_actions(p, rng):
            if not turn.done or not p.success():
                assert any(turn.next_utterance.startswith(s) for s in seed_texts)


def test_game_ends_with_success_and_refuses_more_actions() -> None:
    p = _speaker(3, noise=0.0, max_turns=10)
    p.opening()
    for t in list(p.ctx.targets):
        turn = p.react(f"select {p.ctx.letter(t)}")
    assert turn.done and p.success() and p.done
    with pytest.raises(RuntimeError):
        p.react("select A")


def test_game_ends_after_max_turns() -> None:
    p = _speaker(4, noise=0.0, max_turns=3)
    p.opening()
    wrong = next(i for i in range(8) if i not in p.ctx.targets)
    for _ in range(3):
        verb = "deselect" if wrong in p.selected else "select"
        turn = p.react(f"{verb} {p.ctx.letter(wrong)}")
    assert turn.done and not p.success()


def test_reference_partner_listens_through_synonyms_and_speaks_parseably() -> None:
    rng = random.Random(0)
    partner = ReferencePartner(LEX, rng, synonym_rate=1.0, noise=0.0)
    for _ in range(30):
        ctx = sample_context(rng, LEX, 10, 1)
        t = ctx.targets[0]
        utt = partner.speak(ctx, t)
        assert consistent(ctx, parse_description(utt, LEX)) == [t]
        assert partner.listen(ctx, utt) == t


def test_phrase_words_cover_the_reactions() -> None:
    words = set(phrase_words())
    assert {"ugh", "undo", "meant", "yes", "great"} <= words
