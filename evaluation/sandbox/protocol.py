"""The messages between the harness and a sandboxed model process: one JSON object per line.

Harness -> child (stdin): `LoadRequest`, then any number of `ScoreCall`s. Child -> harness (a dedicated
pipe, never stdout): `Ready` once the interpreter is up, `Loaded` after the model loaded, one `Scores`
per call. Every reply is validated strictly (unknown keys, wrong types, NaN/inf, wrong lengths refused)
before the harness uses it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class LoadRequest(BaseModel):
    model_config = STRICT
    op: Literal["load"] = "load"
    backend: str
    compat: Literal["babylm", "official"] = "babylm"
    batch_size: int | None = None
    threads: int | None = None


class ScoreCall(BaseModel):
    model_config = STRICT
    op: Literal["score"] = "score"
    requests: list[tuple[str, str]]  # (context, continuation)


class Convert(BaseModel):
    """Re-save the checkpoint's pickle weights as safetensors into the one writable folder, /out."""

    model_config = STRICT
    op: Literal["convert"] = "convert"


class Ready(BaseModel):
    model_config = STRICT
    op: Literal["ready"]


class Loaded(BaseModel):
    model_config = STRICT
    op: Literal["loaded"]
    ok: bool
    error: str | None = Field(default=None, max_length=4000)
    model_class: str | None = Field(default=None, max_length=200)
    engine: str | None = Field(default=None, max_length=40)
    n_params: int | None = Field(default=None, ge=0)


class Scores(BaseModel):
    model_config = STRICT
    op: Literal["scores"]
    ok: bool
    scores: list[float] | None = None
    error: str | None = Field(default=None, max_length=4000)
    index: int | None = Field(default=None, ge=0)  # the request a ScoreError named


class Converted(BaseModel):
    model_config = STRICT
    op: Literal["converted"]
    ok: bool
    error: str | None = Field(default=None, max_length=4000)
    files: list[str] = Field(default_factory=list, max_length=1000)
