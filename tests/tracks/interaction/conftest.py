"""Shared fixtures for the interaction tests: a tiny local teacher model saved once per session, and a crash
injector for the resume tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def tiny_teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer GPT-2 trained for a few steps on the demo corpus, saved with its tokenizer."""
    import torch

    from babylm.tracks.interaction.students.policy import build_tiny_teacher

    torch.set_num_threads(1)  # tiny models: far faster single-threaded on a shared machine

    return build_tiny_teacher(tmp_path_factory.mktemp("teacher") / "teacher", n_words=3000, steps=80, seed=0)


@pytest.fixture()
def crash_on_call(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, str, int], Callable[[], None]]:
    """`crash_on_call(module, name, n)` makes `module.name` raise RuntimeError("boom") on its n-th call;
    it returns a function that puts the real one back."""

    def patch(module: Any, name: str, n: int) -> Callable[[], None]:
        real = getattr(module, name)
        calls = {"n": 0}

        def flaky(*a: Any, **k: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == n:
                raise RuntimeError("boom")
            return real(*a, **k)

        monkeypatch.setattr(module, name, flaky)
        return lambda: monkeypatch.setattr(module, name, real)

    return patch
