"""Teachers: text in, text out only.

Contract (protocols and the GAMES helper build on it):

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
- Backends: `LocalHFTeacher(model_dir)` (a transformers causal LM), `OpenAICompatTeacher(base_url, model)`
  (vLLM, TGI, llama.cpp servers: POST /v1/completions or /v1/chat/completions), `ScriptedTeacher(rules)`
  (deterministic, for tests).
- `check_teacher_allowed(model_id, track, n_params)` enforces the edition's allow-list.
- `make_teacher(spec)` parses the CLI form: "scripted", "local:PATH", "http://HOST:PORT[/v1]"
  (`chat=True`: chat endpoint for HTTP, chat template + instructions for a local instruct model).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
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


# --------------------------------------------------------------------------- scripted


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


# --------------------------------------------------------------------------- local transformers


class LocalHFTeacher(Teacher):
    """A causal LM from a local folder (config.json + weights + tokenizer), loaded offline.

    `instruct=False` (a base LM, like the tiny test teacher): `correct` is the teacher's own continuation
    of the context (the baseline's fallback for gibberish), since a base LM cannot follow the correction
    instruction; `score` still asks with the rubric prompt and usually fails to parse (logged as such).
    `instruct=True`: prompts go through the tokenizer's chat template when it has one.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        model_id: str | None = None,
        temperature: float = 0.0,
        seed: int = 0,
        device: str = "cpu",
        instruct: bool = False,
    ) -> None:
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise BabyLMError(f"no config.json in teacher folder {model_dir}", hint="pass a saved HF model folder")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        # on a GPU keep the checkpoint's own dtype (bf16 for Llama/Qwen); CPU runs in float32
        extra = {"dtype": "auto"} if device != "cpu" else {}
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, **extra).to(device).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model_id = model_id or f"local:{model_dir.resolve()}"
        self.n_params = sum(p.numel() for p in self.model.parameters())
        self.temperature = temperature
        self.seed = seed
        self.device = device
        self.instruct = instruct
        self._calls = 0

    def _correct(self, context: str, student_text: str) -> str:
        if self.instruct:
            return super()._correct(context, student_text)
        return self._generate(context, max(8, 2 * len(student_text.split())))

    def _generate(self, prompt: str, max_words: int) -> str:
        import torch

        tok = self.tokenizer
        if self.instruct and getattr(tok, "chat_template", None):
            prompt = tok.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
        limit = int(getattr(self.model.config, "max_position_embeddings", None) or self.model.config.n_positions)
        ids = tok(prompt, return_tensors="pt").input_ids[:, -(limit // 2) :]
        max_new = max(1, min(2 * max_words + 4, limit - ids.shape[1]))
        self._calls += 1
        torch.manual_seed(self.seed + self._calls)
        with torch.no_grad():
            out = self.model.generate(
                ids.to(self.device),
                attention_mask=torch.ones_like(ids).to(self.device),
                max_new_tokens=max_new,
                # a base LM tends to stop at once after a prompt it never saw: ask for some text
                min_new_tokens=None if self.instruct else min(max_new, max_words),
                do_sample=self.temperature > 0,
                temperature=self.temperature if self.temperature > 0 else None,
                top_p=None,
                top_k=None,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
            )
        text = tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        return truncate_words(text, max_words)


# --------------------------------------------------------------------------- OpenAI-compatible HTTP


class OpenAICompatTeacher(Teacher):
    """A model behind an OpenAI-compatible server (vLLM, TGI, llama.cpp).

    `chat=False` posts to {base_url}/v1/completions with a plain prompt; `chat=True` posts one user
    message to {base_url}/v1/chat/completions. Sampling is greedy (temperature 0) unless told otherwise.
    A busy or restarting server (HTTP 429/5xx, connection refused, timeout) is retried `retries` times
    with exponential back-off from `backoff_s`; then the error is a BabyLMError.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        *,
        chat: bool = False,
        temperature: float = 0.0,
        n_params: int | None = None,
        retries: int = 2,
        backoff_s: float = 1.0,
    ) -> None:
        base = base_url.rstrip("/")
        if base.endswith("/v1"):
            base = base[:-3]
        self.base_url = base
        self.model_id = model
        self.api_key = api_key
        self.timeout = timeout
        self.chat = chat
        self.temperature = temperature
        self.n_params = n_params
        self.retries = retries
        self.backoff_s = backoff_s

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        import urllib.error
        import urllib.request

        req = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}),
            method="POST",
        )
        import time

        for attempt in range(self.retries + 1):
            last_try = attempt == self.retries
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", "replace")[:200]
                if exc.code in (429, 500, 502, 503, 504) and not last_try:  # busy or restarting: retry
                    time.sleep(self.backoff_s * 2**attempt)
                    continue
                raise BabyLMError(f"teacher server {self.base_url}{path} answered {exc.code}: {body}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if not last_try:
                    time.sleep(self.backoff_s * 2**attempt)
                    continue
                raise BabyLMError(
                    f"cannot reach teacher server {self.base_url}: {exc}",
                    hint="start the server (vLLM, TGI, llama.cpp) or check --teacher",
                ) from None
            except json.JSONDecodeError:
                raise BabyLMError(f"teacher server {self.base_url}{path} did not answer JSON") from None
        raise AssertionError("unreachable")

    def _generate(self, prompt: str, max_words: int) -> str:
        max_tokens = 2 * max_words + 8
        if self.chat:
            data = self._post(
                "/v1/chat/completions",
                {"model": self.model_id, "messages": [{"role": "user", "content": prompt}],
                 "max_tokens": max_tokens, "temperature": self.temperature},
            )
            try:
                text = data["choices"][0]["message"]["content"]
            except (KeyError, IndexError, TypeError):
                raise BabyLMError(f"teacher server answer has no choices[0].message.content: {str(data)[:200]}") from None
        else:
            data = self._post(
                "/v1/completions",
                {"model": self.model_id, "prompt": prompt, "max_tokens": max_tokens,
                 "temperature": self.temperature},
            )
            try:
                text = data["choices"][0]["text"]
            except (KeyError, IndexError, TypeError):
                raise BabyLMError(f"teacher server answer has no choices[0].text: {str(data)[:200]}") from None
        return truncate_words(str(text), max_words)


def make_teacher(
    spec: str, *, model: str | None = None, seed: int = 0, api_key: str | None = None, chat: bool = False,
    device: str = "cpu",
) -> Teacher:
    """Build a teacher from its CLI form: "scripted", "local:PATH" or "http(s)://HOST:PORT[/v1]"."""
    if spec == "scripted":
        return ScriptedTeacher()
    if spec.startswith("local:"):
        return LocalHFTeacher(spec[len("local:") :], seed=seed, model_id=model, instruct=chat, device=device)
    if spec.startswith(("http://", "https://")):
        if not model:
            raise BabyLMError("an HTTP teacher needs its model id (--teacher-model NAME)")
        return OpenAICompatTeacher(spec, model, api_key=api_key, chat=chat)
    raise BabyLMError(
        f"unknown teacher {spec!r}", hint="use scripted, local:PATH or http://HOST:PORT (with --teacher-model)"
    )
