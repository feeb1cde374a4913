"""The teacher contract: text in, text out only; the rubric parser and the allow-list check.

Contract (protocols and the games build on it):

- `Teacher` (ABC) has `model_id: str` and `n_params: int | None` and four public methods, each returning
  plain `str` (or a `ScoreResult` whose fields are text and a float):
    - `generate(prompt, max_words=...) -> str`: a continuation of `prompt`.
    - `correct(context, student_text) -> str`: a corrected version of the student's continuation (or the
      teacher's own continuation when the student's is gibberish).
    - `score(context, student_text, rubric) -> ScoreResult(value, raw, parse_error)`: the teacher's raw
      answer and the parsed value in [0, 1]; a parse failure gives `value=None` and a `parse_error`
      message, never a silent default.
    - `respond(state: dict) -> str`: a simulated partner's next utterance for a game state.
  Backends implement the `_generate/_correct/_score_raw/_respond` hooks; the public methods check that
  only `str` comes back, so weights, hidden states and distributions cannot reach the student.
- Backends (sibling modules): `scripted.ScriptedTeacher(rules)` (deterministic, for tests),
  `local.LocalHFTeacher(model_dir)` (a transformers causal LM), `http.OpenAICompatTeacher(base_url, model)`
  (vLLM, TGI, llama.cpp servers: POST /v1/completions or /v1/chat/completions); `factory.make_teacher`.
- `check_teacher_allowed(model_id, track, n_params)` enforces the edition's allow-list.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.rules import Track

# The community PPO rubric: each criterion scored 0-3 by the teacher; reward = sum / (3 * n).
DEFAULT_RUBRIC: tuple[str, ...] = ("readability", "narrative", "creativity")
RUBRIC_MAX = 3

CORRECT_PROMPT = (
    "Here is the start of a text and a student's continuation.\n"
    "Rewrite the continuation so it is fluent and fits the text; if it is gibberish, write your own "
    "continuation of about the same length.\nText: {context}\nStudent: {student}\nCorrected:"
)
SCORE_PROMPT = (
    "Rate the student's continuation of the text on each criterion from 0 to {max}.\n"
    "Answer with one line per criterion, like 'readability: 2'.\nCriteria: {criteria}\n"
    "Text: {context}\nStudent: {student}\nScores:\n"
)


@dataclass(frozen=True)
class ScoreResult:
    """A teacher's score: `value` in [0, 1] or None when `raw` could not be parsed (`parse_error` says why)."""

    value: float | None
    raw: str
    parse_error: str | None = None


def parse_rubric_score(raw: str, rubric: Sequence[str] = DEFAULT_RUBRIC) -> ScoreResult:
    """Parse lines like 'readability: 2' for every criterion; sum / (3 * len(rubric)).

    Missing or out-of-range criteria make a parse error (value None): callers must log it, not guess.
    """
    found: dict[str, int] = {}
    for name in rubric:
        m = re.search(rf"{re.escape(name)}\s*[:=\-]\s*(-?\d+(?:\.\d+)?)", raw, flags=re.IGNORECASE)
        if m is None:
            continue
        val = float(m.group(1))
        if not (0 <= val <= RUBRIC_MAX) or val != int(val):
            return ScoreResult(None, raw, f"criterion {name!r} = {m.group(1)} is not an integer 0-{RUBRIC_MAX}")
        found[name] = int(val)
    missing = [n for n in rubric if n not in found]
    if missing:
        return ScoreResult(None, raw, f"no score for {', '.join(missing)} in the teacher's answer")
    return ScoreResult(sum(found.values()) / (RUBRIC_MAX * len(rubric)), raw, None)


def _as_text(out: Any, what: str) -> str:
    if not isinstance(out, str):
        raise TypeError(f"teacher {what} returned {type(out).__name__}; only text may reach the student")
    return out


def truncate_words(text: str, max_words: int | None) -> str:
    """The first `max_words` whitespace words of `text`, joined by single spaces."""
    if max_words is None:
        return text
    words = text.split()
    return " ".join(words[: max(0, max_words)])


class Teacher(ABC):
    """A teacher behind a text-only interface (see the module docstring for the contract)."""

    model_id: str = "unknown"
    n_params: int | None = None

    def generate(self, prompt: str, max_words: int = 64) -> str:
        """A continuation of `prompt`, at most `max_words` words."""
        return truncate_words(_as_text(self._generate(prompt, max_words), "generate"), max_words)

    def correct(self, context: str, student_text: str) -> str:
        """A corrected version of `student_text` as a continuation of `context`."""
        return _as_text(self._correct(context, student_text), "correct")

    def score(self, context: str, student_text: str, rubric: Sequence[str] = DEFAULT_RUBRIC) -> ScoreResult:
        """The teacher's rubric score: the parsed value (or None plus a parse error) and the raw text."""
        raw = _as_text(self._score_raw(context, student_text, tuple(rubric)), "score")
        return parse_rubric_score(raw, rubric)

    def respond(self, state: dict[str, Any]) -> str:
        """A simulated partner's next utterance for an episode state."""
        return _as_text(self._respond(state), "respond")

    @abstractmethod
    def _generate(self, prompt: str, max_words: int) -> str: ...

    def _correct(self, context: str, student_text: str) -> str:
        # some slack over the student's length: protocols truncate the winner themselves
        n = max(8, 2 * len(student_text.split()))
        return self._generate(CORRECT_PROMPT.format(context=context, student=student_text), n)

    def _score_raw(self, context: str, student_text: str, rubric: tuple[str, ...]) -> str:
        prompt = SCORE_PROMPT.format(
            max=RUBRIC_MAX, criteria=", ".join(rubric), context=context, student=student_text
        )
        return self._generate(prompt, 8 * len(rubric))

    def _respond(self, state: dict[str, Any]) -> str:
        prompt = str(state.get("prompt") or json.dumps(state, sort_keys=True, default=str))
        return self._generate(prompt, int(state.get("max_words", 16)))


def check_teacher_allowed(model_id: str, track: Track, n_params: int | None = None) -> None:
    """Raise BabyLMError unless the track allows this teacher (listed id, or small enough)."""
    if not track.allows_teacher:
        raise BabyLMError(
            f"track {track.key} does not allow a teacher",
            hint="use --track interaction (2025) or a 2026 strict track",
        )
    if track.teacher_allowed(model_id, n_params):
        return
    allowed = ", ".join(track.teacher_allowlist) or "(none listed)"
    size = ""
    if track.teacher_max_params_any is not None:
        size = f", or any LM under {track.teacher_max_params_any:,} parameters"
        if n_params is None:
            size += " (this teacher's size is unknown)"
        else:
            size += f" (this one has {n_params:,})"
    raise BabyLMError(f"teacher {model_id!r} is not allowed on {track.key}; allowed: {allowed}{size}")
