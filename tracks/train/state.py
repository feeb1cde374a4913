"""The two files a training run keeps beside its ledger: `run.json` (`babylm.run/1`) and the resume
state `train_state.pt` (`babylm.train_state/1`); each model is that file's only reader and writer.

`run.json` keeps its keys in the order they were first written (the fields below, in this order; any
others after them), so rewriting it at the end of a run changes values only.
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from babylm.errors import BabyLMError
from babylm.io import atomic_write_bytes, atomic_write_json, read_json

RUN_FORMAT = "babylm.run/1"
RUN_FILE = "run.json"
STATE_FORMAT = "babylm.train_state/1"
STATE_FILE = "train_state.pt"

Number = int | float


def now_iso() -> str:
    """UTC now to the second, as run.json's `created` and `finished` write it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class RunInfo(BaseModel):
    """`run.json`: the run's rules, model, data and options; its outcome once finished."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True, protected_namespaces=())

    format: Literal["babylm.run/1"] = RUN_FORMAT
    tool_version: str | None = None
    edition: int | None = None
    track: str | None = None
    scale: str | None = None
    scaled: bool | None = None
    word_budget: int | None = None
    exposure_cap: int | None = None
    arch: str | None = None
    model_cfg: dict[str, Any] | None = Field(None, alias="model_config")
    n_params: int | None = None
    tokenizer: dict[str, Any] | None = None
    seed: int | None = None
    seq_len: int | None = None
    batch_size: int | None = None
    lr: Number | None = None
    epochs: int | None = None
    max_words: int | None = None
    data_words: int | None = None
    data_files: list[str] | None = None
    sequences: int | None = None
    tokens_per_epoch: int | None = None
    flops_per_token: Number | None = None
    flops_method: str | None = None
    status: str | None = None
    created: str | None = None
    words_seen: int | None = None
    tokens_seen: int | None = None
    steps: int | None = None
    train_flops: Number | None = None
    checkpoints: dict[str, int] | None = None
    final_loss: Number | None = None
    message: str | None = None
    finished: str | None = None
    resumed_from: list[str] | None = None

    @classmethod
    def read(cls, run_dir: str | Path) -> RunInfo:
        p = Path(run_dir) / RUN_FILE
        try:
            return cls.model_validate(read_json(p, what="run.json"))
        except (BabyLMError, ValidationError) as exc:
            raise BabyLMError(f"cannot read {p}: {exc}") from None

    def updated(self, **fields: Any) -> RunInfo:
        """A copy with `fields` set (keys already present keep their place)."""
        return RunInfo.model_validate({**self.to_dict(), **fields})

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, by_alias=True)

    def write(self, run_dir: str | Path) -> Path:
        """Write RUN/run.json atomically. A non-finite final loss (a diverged run) is written as null:
        strict JSON has no NaN."""
        data = self.to_dict()
        if isinstance(data.get("final_loss"), float) and not math.isfinite(data["final_loss"]):
            data["final_loss"] = None
        return atomic_write_json(Path(run_dir) / RUN_FILE, data, default=str, fsync=True)

    def require(self, *keys: str) -> None:
        """A user error naming the first of `keys` this run.json lacks (resuming needs them)."""
        data = self.to_dict()
        missing = [k for k in keys if data.get(k) is None]
        if missing:
            raise BabyLMError(f"cannot resume: run.json has no {missing[0]!r}", hint="start the run again")


class TrainState(BaseModel):
    """`train_state.pt`: what resuming from `checkpoint` needs beyond its weights (torch.save, loaded
    with weights_only=True; outside the checkpoint folders, which are what gets submitted)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    format: Literal["babylm.train_state/1"] = STATE_FORMAT  # files without it predate the field
    checkpoint: str
    epoch: int
    next_batch: int
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]

    def save(self, out: Path) -> Path:
        import torch

        buf = io.BytesIO()
        torch.save(dict(self), buf)
        return atomic_write_bytes(out / STATE_FILE, buf.getbuffer())  # type: ignore[arg-type]

    @classmethod
    def load(cls, out: Path) -> TrainState:
        import torch

        path = out / STATE_FILE
        if not path.is_file():
            raise BabyLMError(f"cannot resume {out}: no {STATE_FILE} (the run saved no checkpoint yet)",
                              hint="start the run again in a new folder")
        try:
            return cls.model_validate(torch.load(path, weights_only=True))
        except ValidationError as exc:
            raise BabyLMError(f"cannot resume {out}: {STATE_FILE} is not a training state ({exc})") from None
