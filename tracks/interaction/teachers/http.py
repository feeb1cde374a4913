"""A teacher behind an OpenAI-compatible HTTP server (vLLM, TGI, llama.cpp)."""

from __future__ import annotations

import json
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import JSONReadError, parse_json
from babylm.tracks.interaction.teachers.base import Teacher, truncate_words


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
        import time
        import urllib.error
        import urllib.request

        req = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}),
            method="POST",
        )
        for attempt in range(self.retries + 1):
            last_try = attempt == self.retries
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return parse_json(resp.read(), where=f"teacher server {self.base_url}{path}")
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
            except JSONReadError:
                raise BabyLMError(f"teacher server {self.base_url}{path} did not answer JSON") from None
        raise AssertionError("unreachable")

    def _generate(self, prompt: str, max_words: int) -> str:
        if self.chat:
            path, ask, keys = "/v1/chat/completions", {"messages": [{"role": "user", "content": prompt}]}, (
                "message", "content")
        else:
            path, ask, keys = "/v1/completions", {"prompt": prompt}, ("text",)
        data = self._post(path, {"model": self.model_id, **ask, "max_tokens": 2 * max_words + 8,
                                 "temperature": self.temperature})
        try:
            text = data["choices"][0]
            for key in keys:
                text = text[key]
        except (KeyError, IndexError, TypeError):
            where = "".join(f".{k}" for k in keys)
            raise BabyLMError(f"teacher server answer has no choices[0]{where}: {str(data)[:200]}") from None
        return truncate_words(str(text), max_words)
