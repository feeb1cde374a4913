"""Shared fixtures for the interaction tests: a tiny local teacher model saved once per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer GPT-2 trained for a few steps on the demo corpus, saved with its tokenizer."""
    import torch

    from babylm.tracks.interaction.policy import build_tiny_teacher

    torch.set_num_threads(1)  # tiny models: far faster single-threaded on a shared machine

    return build_tiny_teacher(tmp_path_factory.mktemp("teacher") / "teacher", n_words=3000, steps=80, seed=0)
