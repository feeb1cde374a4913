"""The two formats a training run writes: ledger lines (`babylm.ledger/1`) and checkpoint metadata.

`ledger.jsonl` holds one JSON object per line, keys sorted, no spaces, each chained to the line before
by `prev` and sealed by `hash` = sha256 of its canonical JSON without `hash` (docs/formats.md). One
Pydantic model per event (`start`, `step`, `checkpoint`, `cap`, `resume`, `end`) is the only reader
and writer of a line: `seal` builds the line the writer appends, `read_lines` + `parse_line` read them
back. Lines are read with `json.loads` rather than `babylm.io.iter_jsonl`: a diverged run logs a NaN
loss (as Python's json writes it) and verification reports a bad line as a finding, not an exception.

`babylm_checkpoint.json` (`babylm.checkpoint/1`) is `CheckpointMeta`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from babylm.io import atomic_write_json, read_json

FORMAT = "babylm.ledger/1"
CHECKPOINT_FORMAT = "babylm.checkpoint/1"
LEDGER_FILE = "ledger.jsonl"
CHECKPOINT_META = "babylm_checkpoint.json"
ZERO_HASH = "0" * 64


class LineError(ValueError):
    """A ledger line that cannot be read; `line` is its 1-based number, the message says why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def line_hash(obj: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a ledger line without its `hash` field."""
    body = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Line(BaseModel):
    """What every line carries; extra fields (run info in `start`, `loss` in `step`, ...) are kept."""

    model_config = ConfigDict(strict=True, extra="allow")

    seq: int
    event: str
    time: str | None = None
    prev: str
    hash: str = ""

    def fields(self) -> dict[str, Any]:
        """The line as written: exactly the fields it was given (no defaults filled in)."""
        return self.model_dump(exclude_unset=True)


class StartLine(_Line):
    event: Literal["start"]
    format: str
    tool_version: str | None = None
    edition: int | None = None
    track: str = ""
    scale: str = ""
    scaled: bool | None = None
    word_budget: int | None = None
    exposure_cap: int | None = None
    schedule: dict[str, int] = Field(default_factory=dict)
    flops_per_token: float | None = None
    flops_method: str | None = None
    log_every: int | None = None


class _Totals(_Line):
    """The running counters that `step`, `resume` and `end` lines carry (verify compares them)."""

    words: int | None = None
    tokens: int | None = None
    steps: int | None = None
    flops: float | None = None


class StepLine(_Totals):
    event: Literal["step"]
    flops: float = 0.0
    d_words: int = 0
    d_tokens: int = 0
    d_steps: int = 0
    wall_time_s: float | None = None
    loss: float | None = None


class CheckpointLine(_Line):
    event: Literal["checkpoint"]
    name: str
    words_seen: int
    milestone: int | None = None
    tokens: int | None = None
    steps: int | None = None
    flops: float = 0.0
    wall_time_s: float | None = None
    path: str | None = None
    files: dict[str, str] = Field(default_factory=dict)


class CapLine(_Line):
    event: Literal["cap"]
    cap: int | None = None
    words_seen: int | None = None
    next_batch_words: int | None = None


class ResumeLine(_Totals):
    event: Literal["resume"]
    from_checkpoint: str | None = None
    discarded_words: int | None = None
    discarded_steps: int | None = None


class EndLine(_Totals):
    event: Literal["end"]
    status: str = ""
    checkpoints: dict[str, int] = Field(default_factory=dict)
    wall_time_s: float | None = None


LedgerLine = StartLine | StepLine | CheckpointLine | CapLine | ResumeLine | EndLine
EVENTS = ("start", "step", "checkpoint", "cap", "resume", "end")
_LINE = TypeAdapter(Annotated[LedgerLine, Field(discriminator="event")])


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"][1:]) or "line"
    return f"{where}: {err['msg'].lower()}"


def parse_line(obj: dict[str, Any], n: int) -> LedgerLine:
    """The typed line of a parsed object (its event known); LineError names the first bad field."""
    try:
        return _LINE.validate_python(obj)
    except ValidationError as exc:
        raise LineError(n, f"bad `{obj.get('event')}` line ({_first_error(exc)})") from None


def seal(seq: int, event: str, prev: str, fields: dict[str, Any]) -> tuple[LedgerLine, str]:
    """The next line (time now, hash computed) and its text as written, newline included."""
    line = _LINE.validate_python({"seq": seq, "event": event, "time": now_iso(), "prev": prev, **fields})
    body = line.fields()
    line.hash = body["hash"] = line_hash(body)
    return line, json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) per line; LineError at an empty line, bad JSON or a non-object."""
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, start=1):
            if not raw.strip():
                raise LineError(n, "empty line")
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise LineError(n, f"not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise LineError(n, "not a JSON object")
            yield n, obj


class CheckpointMeta(BaseModel):
    """`babylm_checkpoint.json`: what a checkpoint folder is, and the ledger line that recorded it."""

    model_config = ConfigDict(strict=True, extra="allow")

    format: Literal["babylm.checkpoint/1"] = CHECKPOINT_FORMAT
    name: str
    edition: int
    track: str
    scale: str
    scaled: bool
    nominal_words: int
    milestone_words: int
    words_seen: int
    tokens_seen: int
    steps: int
    train_flops: float
    flops_method: str
    wall_time_s: float
    ledger_seq: int
    ledger_hash: str

    @classmethod
    def read(cls, path: Path) -> CheckpointMeta:
        """Parse a checkpoint's metadata file (JSONReadError or ValidationError when it is not one)."""
        return cls.model_validate(read_json(path, what="checkpoint metadata", max_bytes=1 << 20))

    def write(self, path: Path) -> Path:
        return atomic_write_json(path, self.model_dump(), default=str, fsync=True)
