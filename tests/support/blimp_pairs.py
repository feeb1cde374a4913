"""Helpers for the evaluation-core tests: tiny checkpoints and a generated BLiMP-style data root."""

from __future__ import annotations

import json
from pathlib import Path

from babylm.testing.tinymodels import tiny_checkpoint

PAIRS = [
    ("the cat sees the dog .", "the cat see the dog ."),
    ("the birds sing .", "the birds sings ."),
    ("a bird sings .", "a bird sings ."),  # identical: a tie, never correct in babylm mode
    ("does the cat like milk ?", "does the cat likes milk ?"),
    ("who will the girl meet ?", "who will the girl meet the boy ?"),
    ("they have eaten an apple .", "they has eaten an apple ."),
]


def blimp_root(root: Path, uids: tuple[str, ...] = ("agr_1", "agr_2")) -> Path:
    """A data root with fast_eval/blimp_fast/<uid>.jsonl files (official layout, fake content)."""
    folder = root / "fast_eval" / "blimp_fast"
    folder.mkdir(parents=True, exist_ok=True)
    for uid in uids:
        lines = [json.dumps({"sentence_good": g, "sentence_bad": b, "UID": uid, "pair_id": i})
                 for i, (g, b) in enumerate(PAIRS)]
        (folder / f"{uid}.jsonl").write_text("\n".join(lines) + "\n")
    return root


def run_folder(root: Path, n: int = 2, kind: str = "gpt2") -> Path:
    """A run folder with chck_1M .. chck_{n}M tiny checkpoints (different seeds)."""
    for i in range(1, n + 1):
        tiny_checkpoint(root / f"chck_{i}M", kind, seed=i)
    return root
