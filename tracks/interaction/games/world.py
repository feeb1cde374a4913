"""A text-only reference-game world: objects with attributes, contexts, target sets, descriptions.

Everything a student sees is text: an object is written "C: red square striped" (canonical attribute
words, always), a context is its objects one per line, and a description is an English-like phrase
such as "the crimson striped one". The lexicon gives each attribute value a canonical word (the one
used in object texts and in the seed data) and synonyms that only the partner uses; learning those
synonyms from interaction is what the ReSpect and CoGen students have to do.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

ATTRIBUTES: tuple[str, ...] = ("color", "shape", "pattern")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Lexicon:
    """Attribute values with their canonical word and synonyms (the partner's words)."""

    values: dict[str, dict[str, tuple[str, ...]]]  # attribute -> canonical value -> synonyms

    def canonical(self, attribute: str) -> list[str]:
        return list(self.values[attribute])

    def synonyms(self, attribute: str, value: str) -> tuple[str, ...]:
        return self.values[attribute][value]

    def word_to_value(self) -> dict[str, tuple[str, str]]:
        """Every word the lexicon knows (canonical and synonyms) -> (attribute, canonical value)."""
        out: dict[str, tuple[str, str]] = {}
        for attr, vals in self.values.items():
            for canon, syns in vals.items():
                out[canon] = (attr, canon)
                for s in syns:
                    out[s] = (attr, canon)
        return out

    def all_words(self) -> list[str]:
        return sorted(self.word_to_value())


DEFAULT_LEXICON = Lexicon(
    {
        "color": {
            "red": ("crimson", "scarlet"),
            "blue": ("azure", "navy"),
            "green": ("emerald", "olive"),
            "yellow": ("golden", "amber"),
            "purple": ("violet", "lilac"),
        },
        "shape": {
            "square": ("box", "block"),
            "circle": ("ring", "disc"),
            "triangle": ("wedge", "cone"),
            "star": ("asterisk", "sparkle"),
        },
        "pattern": {
            "striped": ("banded", "lined"),
            "dotted": ("spotted", "speckled"),
            "plain": ("solid", "blank"),
            "checked": ("plaid", "tiled"),
        },
    }
)

# Function words a description may contain besides attribute words.
DESCRIPTION_WORDS: tuple[str, ...] = ("the", "one")


@dataclass(frozen=True)
class GameObject:
    color: str
    shape: str
    pattern: str

    def attr(self, name: str) -> str:
        return getattr(self, name)

    def text(self) -> str:
        return f"{self.color} {self.shape} {self.pattern}"


@dataclass
class Context:
    """Objects in the order the student sees them; `targets` are indices into `objects`."""

    objects: list[GameObject]
    targets: list[int] = field(default_factory=list)

    def letter(self, i: int) -> str:
        return LETTERS[i]

    def index(self, letter: str) -> int:
        i = LETTERS.find(letter.strip().upper())
        if i < 0 or i >= len(self.objects):
            raise ValueError(f"no object {letter!r} in a context of {len(self.objects)}")
        return i

    def object_text(self, i: int, selected: Sequence[int] = (), last: int | None = None) -> str:
        """"C: red square striped" plus state words the listener needs ("selected", "last")."""
        words = [f"{self.letter(i)}:", self.objects[i].text()]
        if i in selected:
            words.append("selected")
        if last is not None and i == last:
            words.append("last")
        return " ".join(words)

    def text(self, selected: Sequence[int] = (), last: int | None = None) -> str:
        return "\n".join(self.object_text(i, selected, last) for i in range(len(self.objects)))

    def to_json(self) -> dict:
        return {"objects": [o.text() for o in self.objects], "targets": list(self.targets)}

    @classmethod
    def from_json(cls, data: dict) -> Context:
        objs = [GameObject(*s.split()) for s in data["objects"]]
        return cls(objs, list(data.get("targets", [])))


def sample_context(rng: random.Random, lexicon: Lexicon, n_objects: int, n_targets: int) -> Context:
    """Distinct random objects; the first `n_targets` sampled indices are the target set."""
    pool = list(itertools.product(*(lexicon.canonical(a) for a in ATTRIBUTES)))
    if n_objects > len(pool):
        raise ValueError(f"the lexicon has only {len(pool)} distinct objects, asked for {n_objects}")
    objs = [GameObject(*t) for t in rng.sample(pool, n_objects)]
    targets = sorted(rng.sample(range(n_objects), n_targets))
    return Context(objs, targets)


def distinguishing_sets(ctx: Context, target: int, among: Sequence[int] | None = None) -> list[tuple[str, ...]]:
    """All smallest attribute subsets whose values single out `target` among `among` (default: all)."""
    others = [i for i in (range(len(ctx.objects)) if among is None else among) if i != target]
    t = ctx.objects[target]
    for k in range(1, len(ATTRIBUTES) + 1):
        found = [
            subset
            for subset in itertools.combinations(ATTRIBUTES, k)
            if all(any(ctx.objects[o].attr(a) != t.attr(a) for a in subset) for o in others)
        ]
        if found:
            return found
    return [ATTRIBUTES]


def render_description(values: dict[str, str]) -> str:
    """Words for attribute values in English order: "the <pattern> <color> <shape|one>"."""
    words = ["the"]
    if "pattern" in values:
        words.append(values["pattern"])
    if "color" in values:
        words.append(values["color"])
    words.append(values.get("shape", "one"))
    return " ".join(words)


def describe(
    ctx: Context,
    target: int,
    lexicon: Lexicon,
    rng: random.Random,
    synonym_rate: float,
    extra_attr_rate: float = 0.0,
) -> tuple[str, dict[str, str]]:
    """A minimal distinguishing description of `target`; each word is a synonym with prob `synonym_rate`.

    Returns the text and the canonical values it mentions.
    """
    subset = list(rng.choice(distinguishing_sets(ctx, target)))
    rest = [a for a in ATTRIBUTES if a not in subset]
    if rest and rng.random() < extra_attr_rate:
        subset.append(rng.choice(rest))
    obj = ctx.objects[target]
    canon = {a: obj.attr(a) for a in subset}
    words = {}
    for a, v in canon.items():
        syns = lexicon.synonyms(a, v)
        words[a] = rng.choice(syns) if syns and rng.random() < synonym_rate else v
    return render_description(words), canon


def parse_description(text: str, lexicon: Lexicon) -> dict[str, str]:
    """Canonical attribute values that the words of `text` name (unknown words are ignored)."""
    table = lexicon.word_to_value()
    out: dict[str, str] = {}
    for w in tokenize(text):
        if w in table:
            attr, val = table[w]
            out[attr] = val
    return out


def consistent(ctx: Context, values: dict[str, str]) -> list[int]:
    return [i for i, o in enumerate(ctx.objects) if all(o.attr(a) == v for a, v in values.items())]


def tokenize(text: str) -> list[str]:
    """Lower-case words; punctuation is split off as its own token."""
    out: list[str] = []
    for raw in text.lower().replace("\n", " ").split():
        word = raw
        trail: list[str] = []
        while word and word[-1] in ".,!?:;":
            trail.insert(0, word[-1])
            word = word[:-1]
        if word:
            out.append(word)
        out.extend(trail)
    return out
