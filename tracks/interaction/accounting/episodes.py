"""Episode logs: JSONL, one line per turn (schema in docs/formats.md, "Episode log").

Contract:

- `EpisodeLog(path, run="RUN-ID")` opens (creates) the log for appending. `append(turn)` takes a `Turn`
  or a dict with the same keys and writes one line; `flush()` flushes and fsyncs (the round driver calls
  it at the end of every step, so at least once per round); `size()` / `truncate(size)` let the driver
  roll back a crashed step.
- `read_episodes(path)` returns the lines as dicts. A truncated last line (a crash mid-write) is dropped
  with a warning; a broken line elsewhere is an error.
- `EpisodeLine` (`babylm.episode/1`) is the only reader and writer of a line: a `Turn` plus `format` and
  `time`. A line keeps the key order its turn was given in (a `Turn`: field order; a dict: its own), so
  logs stay byte-identical to the ones written before the model existed.
- `recount(turns)` sums the logged ledger deltas by source.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from babylm.errors import BabyLMError
from babylm.io import JSONReadError, parse_json

FORMAT = "babylm.episode/1"
REQUIRED = ("run", "round", "episode", "turn", "role")


@dataclass
class Feedback:
    """Decoded feedback for a turn: which decoder, the label it gave, and the raw text it read."""

    decoder: str
    label: int | str | None
    raw: str


class Turn(BaseModel):
    """One turn of one episode. `inputs` is what the acting policy saw, `outputs` what it produced."""

    model_config = ConfigDict(extra="forbid")

    run: str
    round: int
    episode: str | int
    turn: int
    role: str  # "student", "speaker", "listener", ...
    inputs: Any = None
    outputs: Any = None
    logprob: float | None = None  # log-prob of `outputs` under the deployed policy
    policy_id: str | None = None
    teacher: str | None = None  # teacher message (correction, score text, ...)
    partner: str | None = None  # partner utterance (simulated human)
    feedback: Feedback | dict[str, Any] | None = None
    outcome: Any = None  # explicit outcome: reward, success, parse error, ...
    ledger: dict[str, int] = Field(default_factory=dict)  # words charged with this turn, by source
    seed: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


class EpisodeLine(Turn):
    """One line of an episode log (`babylm.episode/1`): a turn, its format and when it was logged."""

    format: Literal["babylm.episode/1"] = FORMAT
    time: str | None = None  # always written; optional on reading, as before the model

    @classmethod
    def text(cls, line: dict[str, Any]) -> str:
        """The JSON line for `line` once it validates (keys in the order given; see the module doc)."""
        try:
            cls.model_validate(line)
        except ValidationError as exc:
            raise ValueError(f"episode turn does not fit {FORMAT}: {exc}") from None
        return json.dumps(line, ensure_ascii=False, default=str, allow_nan=False) + "\n"

    @classmethod
    def check(cls, obj: Any, where: str) -> dict[str, Any]:
        """A parsed line, checked: its format first (the error names the field), then every field."""
        fmt = obj.get("format") if isinstance(obj, dict) else None
        if fmt != FORMAT:
            raise BabyLMError(f"{where}: field 'format' is {fmt!r}, expected {FORMAT}")
        try:
            cls.model_validate(obj)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise BabyLMError(f"{where}: not a {FORMAT} line: {'.'.join(map(str, first['loc']))}: "
                              f"{first['msg']}") from None
        return obj


class EpisodeLog:
    """Append-only JSONL log of turns."""

    def __init__(self, path: str | Path, run: str | None = None) -> None:
        self.path = Path(path)
        self.run = run
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run

    def append(self, turn: Turn | dict[str, Any]) -> dict[str, Any]:
        """Write one turn as one JSON line; returns the dict written."""
        d = turn.to_dict() if isinstance(turn, Turn) else dict(turn)
        if d.get("run") is None and self.run is not None:
            d["run"] = self.run
        missing = [k for k in REQUIRED if d.get(k) is None]
        if missing:
            raise ValueError(f"episode turn lacks {', '.join(missing)}")
        if isinstance(d.get("feedback"), Feedback):
            d["feedback"] = asdict(d["feedback"])
        d.setdefault("ledger", {})
        line = {"format": FORMAT, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())} | d
        self._fh.write(EpisodeLine.text(line))
        return line

    def flush(self) -> None:
        """Flush and fsync: what is logged survives a crash."""
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def size(self) -> int:
        self._fh.flush()
        return self.path.stat().st_size

    def truncate(self, size: int) -> None:
        """Cut the log back to `size` bytes (a step boundary recorded by the round driver)."""
        self._fh.flush()
        with open(self.path, "r+b") as fh:
            fh.truncate(size)
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> None:
        if not self._fh.closed:
            self.flush()
            self._fh.close()

    def __enter__(self) -> EpisodeLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_episodes(path: str | Path) -> list[dict[str, Any]]:
    """All turns of a log. A truncated last line is dropped with a warning; other bad lines are errors."""
    path = Path(path)
    if not path.is_file():
        raise BabyLMError(f"no episode log at {path}")
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    turns: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        last = i == len(lines) - 1  # no newline after it: the write was cut short
        try:
            obj = parse_json(line, where=f"{path} line {i + 1}")
        except JSONReadError:
            if last:
                warnings.warn(f"{path}: dropped a truncated last line (crash mid-write)", stacklevel=2)
                break
            raise BabyLMError(f"{path}: line {i + 1} is not valid JSON") from None
        turns.append(EpisodeLine.check(obj, f"{path}: line {i + 1}"))
    return turns


def recount(turns: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sum the logged ledger deltas by source."""
    out: dict[str, int] = {}
    for t in turns:
        for src, n in (t.get("ledger") or {}).items():
            out[src] = out.get(src, 0) + int(n)
    return out
