"""Retrospective feedback decoding: turn the partner's reply to an action into a label.

Labels: +1 positive, 0 neutral, -1 negative. `binary` decoding has only positive/negative (neutral leans
negative, as in ReSpect); `ternary` keeps neutral.

Two decoders read the same window of text (the action and the partner's reply, see
`respect_games.window_text`):
- `StudentDecoder`: the student model itself scores the label words "positive"/"neutral"/"negative"
  after the window (its decoder head; the tiny model learned what the words mean only from the seed
  annotations, so phrasings the seed lacks and partner noise make it err);
- `TeacherDecoder`: a teacher, through the text-only Teacher interface: it gets a prompt with the window
  and must answer with a label word; an answer without one is a logged parse failure (label None).

`decoder_accuracy` compares decoded labels with the simulator's ground truth; that truth is never used
for training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MODES = ("binary", "ternary")
LABEL_NAMES = {1: "positive", 0: "neutral", -1: "negative"}
NAME_LABELS = {v: k for k, v in LABEL_NAMES.items()}

TEACHER_PROMPT = (
    "In a reference game a listener acted and the speaker replied. Decide from the reply whether the "
    "action was right.\nAnswer with one word: {choices}.\n{window}\nAnswer:"
)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        from babylm.errors import BabyLMError

        raise BabyLMError(f"unknown decoding mode {mode!r}", hint=f"use one of: {', '.join(MODES)}")
    return mode


def to_binary(label: int) -> int:
    """Neutral leans negative."""
    return 1 if label == 1 else -1


@dataclass
class Decoded:
    label: int | None  # None: the decoder's answer could not be parsed
    raw: str  # what the decoder produced (probabilities or the teacher's text)


class StudentDecoder:
    """The student decodes with its own decoder head (see the module docstring)."""

    name = "student"

    def __init__(self, student: Any) -> None:  # Student
        self.student = student

    def decode(self, windows: Sequence[str], mode: str) -> list[Decoded]:
        import torch

        check_mode(mode)
        if not windows:
            return []
        with torch.no_grad():
            probs = self.student.decode_probs(list(windows))  # columns: negative, neutral, positive
        out = []
        for p in probs.tolist():
            neg, neu, pos = p
            if mode == "binary":
                label = 1 if pos >= neg + neu else -1
            else:
                label = max((pos, 1), (neu, 0), (neg, -1))[1]
            out.append(Decoded(label, f"negative={neg:.3f} neutral={neu:.3f} positive={pos:.3f}"))
        return out


class TeacherDecoder:
    """A teacher decodes: prompt with the window, parse the first label word of its answer."""

    name = "teacher"

    def __init__(self, teacher: Any) -> None:  # Teacher
        self.teacher = teacher

    def prompt(self, window: str, mode: str) -> str:
        choices = "positive or negative" if mode == "binary" else "positive, neutral or negative"
        return TEACHER_PROMPT.format(choices=choices, window=window)

    def decode(self, windows: Sequence[str], mode: str) -> list[Decoded]:
        check_mode(mode)
        out = []
        for w in windows:
            raw = self.teacher.generate(self.prompt(w, mode), max_words=4)
            out.append(Decoded(parse_label(raw, mode), raw))
        return out


def parse_label(raw: str, mode: str) -> int | None:
    """The first label word in `raw` (neutral maps to negative in binary mode); None if there is none."""
    for word in raw.lower().replace(".", " ").replace(",", " ").split():
        if word in NAME_LABELS:
            label = NAME_LABELS[word]
            return to_binary(label) if mode == "binary" else label
    return None


def decoder_accuracy(decoded: Sequence[int | None], truth: Sequence[int], mode: str) -> float | None:
    """Share of decoded labels equal to the ground truth (binarised in binary mode); parse failures count
    as wrong. None when there is nothing to compare."""
    check_mode(mode)
    if not truth:
        return None
    ok = 0
    for d, t in zip(decoded, truth, strict=True):
        want = to_binary(t) if mode == "binary" else t
        ok += int(d == want)
    return ok / len(truth)
