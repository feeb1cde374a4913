"""Simulated partners for the reference games.

`ImplicitFeedbackSpeaker` (ReSpect) describes a target set over several turns and reacts to each of the
listener's select/deselect actions ONLY through its next utterance: approval, moving on, a neutral
"that works too", correction, rephrasing, or frustration. It knows the ground-truth label of every
action (kept in `Turn.true_label`) — that label is for measuring decoders, never for training.
With probability `noise` a reaction is drawn from all kinds, so the text can mislead.

`ReferencePartner` (CoGen) plays both roles of a one-target game: it describes a target (speaker) or
picks the object a description fits (listener), with its own noise.

Both use the full lexicon (synonyms included); the seed data only ever uses canonical words, and the
phrase banks have a `seed` part (what seed demonstrations contain) and a `deploy` part (extra phrasings
only met in deployment).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from babylm.tracks.interaction.games.world import (
    Context,
    Lexicon,
    consistent,
    describe,
    parse_description,
)

POSITIVE, NEUTRAL, NEGATIVE = 1, 0, -1
KINDS = ("approve", "move_on", "neutral", "correct", "rephrase", "frustration")
KIND_POLARITY = {"approve": 1, "move_on": 1, "neutral": 0, "correct": -1, "rephrase": -1, "frustration": -1}

# kind -> (seed phrasings, extra deployment-only phrasings); "{d}" is the (re)description.
PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "approve": (("yes. {d}", "good. {d}", "yes, good. {d}"), ("great. {d}", "yes, perfect. {d}", "good job. {d}")),
    "move_on": (("{d}", "next, {d}"), ("now {d}", "and {d}")),
    "neutral": (("ok, that works too. {d}",), ("ok, fine. {d}", "that works too, i guess. {d}")),
    "correct": (("no, not that one.", "undo that."), ("no, wrong one.", "not that one, undo it.")),
    "rephrase": (("no, i meant {d}",), ("no, i said {d}", "not that. i meant {d}")),
    "frustration": (("ugh, no.",), ("ugh, wrong again.", "no no no!")),
}
END_PHRASES = ("great, that is all.", "done, thanks!")


def phrase(kind: str, rng: random.Random, description: str, seed_only: bool) -> str:
    seed, extra = PHRASES[kind]
    bank = seed if seed_only else seed + extra
    return rng.choice(bank).format(d=description).strip()


def phrase_words() -> list[str]:
    """Every word the phrase banks can produce (for the student's fixed vocabulary)."""
    from babylm.tracks.interaction.games.world import tokenize

    words: set[str] = set()
    for seed, extra in PHRASES.values():
        for p in seed + extra:
            words.update(tokenize(p.replace("{d}", "")))
    for p in END_PHRASES:
        words.update(tokenize(p))
    return sorted(words)


@dataclass
class Turn:
    """One listener action and the partner's reaction to it."""

    utterance: str  # what the partner said before the action
    action: str  # "select C" / "deselect C"
    next_utterance: str  # the partner's reaction (carries the implicit feedback)
    true_label: int  # simulator ground truth: +1, 0, -1
    kind: str  # reaction kind actually used (after noise)
    done: bool


@dataclass
class ImplicitFeedbackSpeaker:
    """The ReSpect partner for one game: call `opening()`, then `react(action)` until `done`."""

    ctx: Context
    lexicon: Lexicon
    rng: random.Random
    synonym_rate: float = 0.5
    noise: float = 0.1
    max_turns: int = 8
    seed_only: bool = False  # seed demonstrations: canonical words and seed phrasings only
    selected: list[int] = field(default_factory=list)
    turns: int = 0
    done: bool = False
    current: int | None = None  # the target being described

    def _rate(self) -> float:
        return 0.0 if self.seed_only else self.synonym_rate

    def _describe(self, target: int) -> str:
        return describe(self.ctx, target, self.lexicon, self.rng, self._rate(), extra_attr_rate=0.2)[0]

    def _next_target(self) -> int | None:
        left = [t for t in self.ctx.targets if t not in self.selected]
        if not left:
            return None
        if self.current in left:
            return self.current
        return self.rng.choice(left)

    def opening(self) -> str:
        self.current = self._next_target()
        assert self.current is not None
        return self._describe(self.current)

    def success(self) -> bool:
        return sorted(self.selected) == sorted(self.ctx.targets)

    def true_label(self, verb: str, idx: int) -> int:
        is_target = idx in self.ctx.targets
        if verb == "select":
            if idx == self.current or (is_target and self.current is None):
                return POSITIVE
            return NEUTRAL if is_target else NEGATIVE
        return NEGATIVE if is_target else POSITIVE

    def react(self, action: str) -> Turn:
        """Apply the listener's action ("select C" / "deselect C") and say the next utterance."""
        if self.done:
            raise RuntimeError("the game is over")
        verb, letter = action.split()
        idx = self.ctx.index(letter)
        label = self.true_label(verb, idx)
        if verb == "select" and idx not in self.selected:
            self.selected.append(idx)
        elif verb == "deselect" and idx in self.selected:
            self.selected.remove(idx)
        self.turns += 1
        if self.success():
            self.done = True
            kind = "approve" if label == POSITIVE else "neutral"
            return Turn("", action, self.rng.choice(END_PHRASES), label, kind, True)
        self.done = self.turns >= self.max_turns
        polarity_kinds = [k for k in KINDS if KIND_POLARITY[k] == label]
        kinds = KINDS if self.rng.random() < self.noise else polarity_kinds
        kind = self.rng.choice(kinds)
        self.current = self._next_target()
        # every target is selected but so is something else: nothing left to describe
        desc = "" if self.current is None else self._describe(self.current)
        return Turn("", action, phrase(kind, self.rng, desc, self.seed_only), label, kind, self.done)


@dataclass
class ReferencePartner:
    """The CoGen partner: one target among the context, explicit outcome."""

    lexicon: Lexicon
    rng: random.Random
    synonym_rate: float = 0.5
    noise: float = 0.05

    def speak(self, ctx: Context, target: int, seed_only: bool = False) -> str:
        rate = 0.0 if seed_only else self.synonym_rate
        return describe(ctx, target, self.lexicon, self.rng, rate, extra_attr_rate=0.2)[0]

    def listen(self, ctx: Context, utterance: str) -> int:
        """Pick an object the description fits (uniformly among fits; random with prob `noise`)."""
        if self.rng.random() < self.noise:
            return self.rng.randrange(len(ctx.objects))
        fits = consistent(ctx, parse_description(utterance, self.lexicon)) or list(range(len(ctx.objects)))
        return self.rng.choice(fits)
