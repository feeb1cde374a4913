"""A demo corpus the project generates itself: child-directed English from a small probabilistic grammar.

Caregiver and child utterances (declaratives, yes/no and wh-questions, imperatives, copular sentences,
interjections) built from `LEXICON`, one utterance per line, deterministic by seed. Subject-verb
agreement is always right (singular subjects take the -s form, plural subjects, I and you the base form;
is/are, does/do likewise), so a model trained on it can learn agreement, and the evaluation part can
build minimal pairs from the same lexicon (`LEXICON` is public; its parallel lists line up by index:
`nouns_sg[i]` / `nouns_pl[i]`, `verbs_*_3sg[i]` / `verbs_*_base[i]`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

LEXICON: dict[str, tuple[str, ...]] = {
    "nouns_sg": (
        "dog", "cat", "ball", "cup", "book", "baby", "bird", "duck", "car", "truck", "spoon", "shoe", "sock",
        "hat", "apple", "banana", "cookie", "bottle", "blanket", "bunny", "horse", "cow", "fish", "frog",
        "boat", "train", "block", "puzzle", "bear", "monkey", "flower", "tree", "chair", "table", "box",
        "girl", "boy", "doggy", "kitty", "teddy",
    ),
    "nouns_pl": (
        "dogs", "cats", "balls", "cups", "books", "babies", "birds", "ducks", "cars", "trucks", "spoons", "shoes",
        "socks", "hats", "apples", "bananas", "cookies", "bottles", "blankets", "bunnies", "horses", "cows",
        "fishes", "frogs", "boats", "trains", "blocks", "puzzles", "bears", "monkeys", "flowers", "trees",
        "chairs", "tables", "boxes", "girls", "boys", "doggies", "kitties", "teddies",
    ),
    # Nouns that can do things (subjects of intransitive and transitive verbs).
    "animate_sg": ("dog", "cat", "baby", "bird", "duck", "bunny", "horse", "cow", "fish", "frog", "bear",
                   "monkey", "girl", "boy", "doggy", "kitty"),
    "animate_pl": ("dogs", "cats", "babies", "birds", "ducks", "bunnies", "horses", "cows", "fishes", "frogs",
                   "bears", "monkeys", "girls", "boys", "doggies", "kitties"),
    "names": ("Mommy", "Daddy", "Grandma", "Grandpa", "Emma", "Max", "Lily", "Sam"),
    "verbs_intrans_3sg": ("runs", "sleeps", "jumps", "eats", "cries", "laughs", "sits", "falls", "swims",
                          "sings", "plays", "walks"),
    "verbs_intrans_base": ("run", "sleep", "jump", "eat", "cry", "laugh", "sit", "fall", "swim", "sing",
                           "play", "walk"),
    "verbs_trans_3sg": ("likes", "wants", "sees", "has", "needs", "finds", "holds", "throws", "pushes",
                        "kicks", "hugs", "eats", "takes", "loves", "drops", "gets"),
    "verbs_trans_base": ("like", "want", "see", "have", "need", "find", "hold", "throw", "push", "kick",
                         "hug", "eat", "take", "love", "drop", "get"),
    "determiners_sg": ("the", "a", "this", "that", "your", "my", "his", "her"),
    "determiners_pl": ("the", "these", "those", "your", "my", "some", "two", "all the"),
    "adjectives": ("big", "little", "red", "blue", "yellow", "green", "soft", "happy", "sleepy", "funny",
                   "hot", "wet", "new", "nice", "dirty", "pretty"),
    "prepositions": ("on", "in", "under", "near", "behind", "with"),
    "pronouns_sg": ("he", "she", "it"),
    "pronouns_pl": ("they", "we"),
    "interjections": ("Okay.", "Yes.", "No.", "Wow!", "Look!", "Uh oh!", "Yay!", "Hi!", "Bye bye!", "Good job!",
                      "All done!", "Thank you.", "Oh no!", "Night night."),
    "child_words": ("more", "mine", "up", "down", "again", "uh oh", "all gone", "bye"),
}

_L = LEXICON


class _Grammar:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pick(self, key: str) -> str:
        return self.r.choice(_L[key])

    # -- noun phrases -> (text, plural) ---------------------------------------------------------
    def noun(self, plural: bool, animate: bool = False) -> str:
        if animate:
            return self.pick("animate_pl" if plural else "animate_sg")
        return self.pick("nouns_pl" if plural else "nouns_sg")

    def np(self, plural: bool, animate: bool = False, adj_p: float = 0.3) -> str:
        det = self.pick("determiners_pl" if plural else "determiners_sg")
        if not plural and det == "a" and self.r.random() >= adj_p:
            n = self.noun(plural, animate)
            return ("an " if n[0] in "aeiou" else "a ") + n
        adj = self.pick("adjectives") + " " if self.r.random() < adj_p else ""
        words = f"{adj}{self.noun(plural, animate)}"
        if det == "a":
            return ("an " if words[0] in "aeiou" else "a ") + words
        return f"{det} {words}"

    def subject(self) -> tuple[str, str]:
        """(subject, agreement) with agreement 'sg' (takes -s), or 'base' (plural, I, you)."""
        x = self.r.random()
        if x < 0.35:
            return self.np(False, animate=True), "sg"
        if x < 0.6:
            return self.np(True, animate=True), "base"
        if x < 0.72:
            return self.pick("names"), "sg"
        if x < 0.82:
            return self.pick("pronouns_sg"), "sg"
        if x < 0.9:
            return self.pick("pronouns_pl"), "base"
        return self.r.choice(("I", "you")), "base"

    def obj(self) -> str:
        x = self.r.random()
        if x < 0.75:
            return self.np(self.r.random() < 0.35)
        if x < 0.88:
            return self.r.choice(("it", "them", "me", "him", "her"))
        return self.pick("names")

    def pp(self) -> str:
        return f"{self.pick('prepositions')} {self.np(self.r.random() < 0.3, adj_p=0.15)}"

    def vp(self, agr: str) -> str:
        i = self.r.randrange(len(_L["verbs_trans_base"]))
        if self.r.random() < 0.6:
            v = _L["verbs_trans_3sg" if agr == "sg" else "verbs_trans_base"][i]
            out = f"{v} {self.obj()}"
        else:
            j = self.r.randrange(len(_L["verbs_intrans_base"]))
            out = _L["verbs_intrans_3sg" if agr == "sg" else "verbs_intrans_base"][j]
        if self.r.random() < 0.25:
            out += " " + self.pp()
        return out

    # -- utterances -----------------------------------------------------------------------------
    def declarative(self) -> str:
        subj, agr = self.subject()
        return f"{subj} {self.vp(agr)}."

    def copular(self) -> str:
        plural = self.r.random() < 0.4
        subj = self.np(plural, adj_p=0.0)
        be = "are" if plural else "is"
        pred = self.pick("adjectives") if self.r.random() < 0.6 else self.pp()
        if self.r.random() < 0.35:
            return f"{be} {subj} {pred}?"
        return f"{subj} {be} {pred}."

    def yes_no(self) -> str:
        subj, agr = self.subject()
        aux = "does" if agr == "sg" else "do"
        i = self.r.randrange(len(_L["verbs_trans_base"]))
        if self.r.random() < 0.6:
            return f"{aux} {subj} {_L['verbs_trans_base'][i]} {self.obj()}?"
        return f"{aux} {subj} {self.pick('verbs_intrans_base')}?"

    def wh(self) -> str:
        x = self.r.random()
        if x < 0.3:
            plural = self.r.random() < 0.4
            return f"where {'are' if plural else 'is'} {self.np(plural, adj_p=0.1)}?"
        if x < 0.6:
            subj, agr = self.subject()
            aux = "does" if agr == "sg" else "do"
            return f"what {aux} {subj} {self.pick('verbs_trans_base')}?"
        if x < 0.8:
            return f"who {self.vp('sg')}?"
        plural = self.r.random() < 0.4
        return f"what color {'are' if plural else 'is'} {self.np(plural, adj_p=0.0)}?"

    def branch(self, *options: tuple[float, Callable[[], str]], rest: Callable[[], str]) -> str:
        """One draw picks the first option whose bound it is under (else `rest`); then that one runs."""
        x = self.r.random()
        for bound, make in options:
            if x < bound:
                return make()
        return rest()

    def imperative(self) -> str:
        return self.branch(
            (0.3, lambda: f"look at {self.np(self.r.random() < 0.3)}!"),
            (0.55, lambda: f"give me {self.np(self.r.random() < 0.3)}."),
            (0.75, lambda: f"put {self.np(False, adj_p=0.1)} {self.pp()}."),
            rest=lambda: f"{self.pick('verbs_trans_base')} {self.obj()}, please.",
        )

    def child(self) -> str:
        return self.branch(
            (0.3, lambda: f"{self.pick('child_words')} {self.noun(False)}."),
            (0.5, lambda: f"{self.noun(self.r.random() < 0.3)}!"),
            (0.75, lambda: f"I {self.pick('verbs_trans_base')} {self.np(self.r.random() < 0.3, adj_p=0.2)}."),
            rest=self.declarative,
        )

    def caregiver(self) -> str:
        x = self.r.random()
        if x < 0.32:
            u = self.declarative()
        elif x < 0.47:
            u = self.copular()
        elif x < 0.62:
            u = self.yes_no()
        elif x < 0.77:
            u = self.wh()
        elif x < 0.93:
            u = self.imperative()
        else:
            return self.pick("interjections")
        return u


def _cap(u: str) -> str:
    return u[0].upper() + u[1:]


def generate_utterances(n_words: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """(caregiver lines, child lines) holding exactly `n_words` words (`str.split()`) in total."""
    if n_words < 0:
        raise ValueError("n_words must be >= 0")
    rng = random.Random(seed)
    g = _Grammar(rng)
    care: list[str] = []
    kid: list[str] = []
    left = n_words
    while left > 0:
        is_child = rng.random() < 0.2
        u = _cap(g.child() if is_child else g.caregiver())
        n = len(u.split())
        if n > left:
            # Finish on utterances that fit, so the corpus size is exact (a budget-sized corpus
            # reaches every checkpoint in 10 epochs).
            for _ in range(20):
                u = _cap(g.child() if is_child else g.caregiver())
                n = len(u.split())
                if n <= left:
                    break
            else:
                u = "Okay." if left == 1 else " ".join(["Okay."] * left)
                n = left
        (kid if is_child else care).append(u)
        left -= n
    return care, kid


def generate_corpus(n_words: int, seed: int = 0) -> str:
    """The corpus as one string, caregiver lines then child lines, one utterance per line."""
    care, kid = generate_utterances(n_words, seed)
    lines = care + kid
    return "\n".join(lines) + ("\n" if lines else "")


def write_corpus(out_dir: str | Path, n_words: int, seed: int = 0) -> list[Path]:
    """Write `caregiver.train` and `child.train` (together exactly `n_words` words) into `out_dir`."""
    from babylm.io import atomic_write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    care, kid = generate_utterances(n_words, seed)
    return [atomic_write_text(out / name, "".join(line + "\n" for line in lines))
            for name, lines in (("caregiver.train", care), ("child.train", kid))]
