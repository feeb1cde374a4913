"""Helpers for the task tests: fake scorers and writers of small synthetic data sets (official layout)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from babylm.evaluation.api import Item, ScoreRequest
from babylm.testing.zipcrypto import write_encrypted_zip


class ShortScorer:
    """A fake Scorer (protocol-compatible) that prefers shorter continuations: log P = -len(continuation)."""

    backend = "causal"

    def __init__(self) -> None:
        self.requests: list[ScoreRequest] = []

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        self.requests.extend(requests)
        return [-float(len(r.continuation)) for r in requests]


class FnScorer:
    """A fake Scorer computing each log-probability with `fn(request)`."""

    backend = "causal"

    def __init__(self, fn: Callable[[ScoreRequest], float]) -> None:
        self.fn = fn

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        return [float(self.fn(r)) for r in requests]


def score_items(scorer: Any, items: Sequence[Item]) -> list[list[float]]:
    return [scorer.score(it.candidates) for it in items]


def jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def write_zip_task(root: Path, split: str, folder: str, files: dict[str, Sequence[dict[str, Any]]],
                   password: str = "BabyLM2025") -> Path:
    """`<root>/<split>_eval/<folder>.zip` with members evaluation_data/<split>_eval/<folder>/<stem>.jsonl."""
    base = root / f"{split}_eval"
    base.mkdir(parents=True, exist_ok=True)
    members = {f"evaluation_data/{split}_eval/{folder}/{stem}.jsonl": jsonl(rows) for stem, rows in files.items()}
    return write_encrypted_zip(base / f"{folder}.zip", members, password)


def write_plain_task(root: Path, split: str, folder: str, files: dict[str, Sequence[dict[str, Any]]]) -> Path:
    d = root / f"{split}_eval" / folder
    d.mkdir(parents=True, exist_ok=True)
    for stem, rows in files.items():
        (d / f"{stem}.jsonl").write_text(jsonl(rows))
    return d


def snapshot(*dirs: Path) -> set[Path]:
    """Every file under `dirs` (to prove that reading zips writes nothing)."""
    return {p for d in dirs for p in d.rglob("*") if p.is_file()}
