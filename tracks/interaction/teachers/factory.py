"""`make_teacher`: a teacher from its command-line form."""

from __future__ import annotations

from babylm.errors import BabyLMError
from babylm.tracks.interaction.teachers.base import Teacher
from babylm.tracks.interaction.teachers.http import OpenAICompatTeacher
from babylm.tracks.interaction.teachers.local import LocalHFTeacher
from babylm.tracks.interaction.teachers.scripted import ScriptedTeacher


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
