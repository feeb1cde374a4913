"""A deterministic teacher for tests and demos: fixed rules, no model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babylm.tracks.interaction.teachers.base import RUBRIC_MAX, Teacher


def _default_correct(context: str, student_text: str) -> str:
    words = student_text.split() or context.split()[-3:] or ["the"]
    out = " ".join(words)
    return out[0].upper() + out[1:] if out else out


def _default_score(context: str, student_text: str, rubric: tuple[str, ...]) -> str:
    n = len(student_text.split())
    level = 0 if n == 0 else min(RUBRIC_MAX, 1 + len(set(student_text.split())) * 2 // max(n, 1))
    return "\n".join(f"{name}: {level}" for name in rubric)


class ScriptedTeacher(Teacher):
    """A deterministic teacher for tests: `rules` maps method names to callables (or fixed strings).

    Keys: "generate" (prompt, max_words), "correct" (context, student_text), "score" (context,
    student_text, rubric) -> raw text, "respond" (state). Missing keys use simple defaults: correct
    capitalises the student's text, score rates lexical variety, generate repeats the prompt's last words.
    Scripted teachers count as size 0, so the "any LM under 1B" rule admits them.
    """

    def __init__(self, rules: dict[str, Callable[..., str] | str] | None = None, model_id: str = "scripted") -> None:
        self.rules = dict(rules or {})
        self.model_id = model_id
        self.n_params = 0

    def _rule(self, key: str, default: Callable[..., str], *args: Any) -> str:
        rule = self.rules.get(key, default)
        return rule if isinstance(rule, str) else rule(*args)

    def _generate(self, prompt: str, max_words: int) -> str:
        return self._rule("generate", lambda p, k: " ".join((p.split() or ["the"])[-k:]), prompt, max_words)

    def _correct(self, context: str, student_text: str) -> str:
        return self._rule("correct", _default_correct, context, student_text)

    def _score_raw(self, context: str, student_text: str, rubric: tuple[str, ...]) -> str:
        return self._rule("score", _default_score, context, student_text, rubric)

    def _respond(self, state: dict[str, Any]) -> str:
        return self._rule("respond", lambda s: "ok", state)
