"""Fixtures of the tracks tests: small text corpora written into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture()
def text_corpus(tmp_path: Path) -> Callable[..., Path]:
    """`text_corpus(a="...", b="...")`: tmp_path/corpus holding a.train, b.train with those texts."""

    def make(**texts: str) -> Path:
        d = tmp_path / "corpus"
        d.mkdir(exist_ok=True)
        for name, text in texts.items():
            (d / f"{name}.train").write_text(text, encoding="utf-8")
        return d

    return make
