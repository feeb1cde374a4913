"""The jobs of the baseline trainer as dataclasses: what to train (`TrainOptions`) and what came of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any


@dataclass
class TrainOptions:
    data: list[Path]
    out: Path
    track: str = "strict-small"
    arch: str = "gpt2-tiny"
    scale: Fraction = Fraction(1)
    epochs: int = 10
    seq_len: int = 128
    batch_size: int = 16
    lr: float | None = None
    seed: int = 0
    vocab_size: int = 8000
    max_words: int | None = None
    log_every: int = 10
    progress: bool = True
    threads: int | None = None  # torch CPU threads; None leaves torch's default
    stop_at_cap: bool = False  # end normally (status stopped_at_cap) instead of raising at the cap
    # Byte-budget tracks (2026 multilingual): the language of every file (`lang`), or per group of files
    # (`lang_paths`, [(lang, [paths])]); the ledger then charges each language's UTF-8 bytes.
    lang: str | None = None
    lang_paths: list[tuple[str, list[Path]]] | None = None


@dataclass
class TrainResult:
    run_dir: str
    status: str  # completed | stopped_at_cap
    track: str
    scale: str
    scaled: bool
    arch: str
    n_params: int
    data_words: int
    words_seen: int
    tokens_seen: int
    steps: int
    train_flops: float
    checkpoints: list[str]
    wall_time_s: float
    final_loss: float | None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
