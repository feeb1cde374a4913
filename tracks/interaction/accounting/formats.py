"""The files of an interaction run folder, one versioned Pydantic model each (the only reader and writer).

- `WordLedgerState`: RUN/word_ledger.json (`babylm.interaction_ledger/1`), the word ledger's counters.
- `ChainLine`: one line of RUN/word_ledger.jsonl, hash-chained like the training ledger (`line_hash`).
- `InteractionRun`: RUN/interaction.json (`babylm.interaction_run/1`), the run's identity.
- `InteractionSummary`: RUN/summary.json (`babylm.interaction_summary/1`), the primary metric per round
  per variant (what plots read and a submission's meta["interaction"] carries).
- `InteractionRunInfo`: RUN/run.json of a simpo/reinforce run: `babylm.run/1` (tracks.train.state.RunInfo)
  plus the teacher and the protocol.
The episode log's model is in episodes.py. The ledger-like files keep their historical bytes: indent 1,
sorted keys, no final newline, mode 0600 (chain lines: compact, sorted keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from babylm.errors import BabyLMError
from babylm.io import atomic_write_json, dump_json, parse_json, read_json
from babylm.tracks.train.state import RunInfo

LEDGER_FORMAT = "babylm.interaction_ledger/1"
RUN_FORMAT = "babylm.interaction_run/1"
SUMMARY_FORMAT = "babylm.interaction_summary/1"


def write_private_json(path: Path, data: dict[str, Any], *, fsync: bool = True) -> None:
    """The run folder's JSON files: indent 1, sorted keys, no final newline, mode 0600, atomic."""
    atomic_write_json(path, data, indent=1, sort_keys=True, newline=False, fsync=fsync, mode=0o600)


def read_format(path: Path, fmt: str, what: str) -> dict[str, Any]:
    """A JSON object whose 'format' must be `fmt` (the error names the field, as the old readers did)."""
    data = read_json(path, what=what)
    if not isinstance(data, dict) or data.get("format") != fmt:
        got = data.get("format") if isinstance(data, dict) else None
        raise BabyLMError(f"{path}: field 'format' is {got!r}, expected {fmt}")
    return data


def _validated(model: type[BaseModel], data: Any, where: Path | str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BabyLMError(f"{where}: {exc.error_count()} bad field(s): {exc.errors()[0]['msg']} "
                          f"at {'.'.join(map(str, exc.errors()[0]['loc']))}") from None


class WordLedgerState(BaseModel):
    """RUN/word_ledger.json: the interaction word ledger's counters and the rules they were charged under."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["babylm.interaction_ledger/1"] = LEDGER_FORMAT
    track: str
    scale: str
    word_budget: int
    generation_cap: int | None
    exposure_cap: int
    teacher_words_count: bool
    rewards_as_words: bool
    counts: dict[str, int]
    uncharged: dict[str, int]
    words_seen: int
    checkpoints_fired: list[str]
    events: int

    @classmethod
    def read(cls, path: Path) -> WordLedgerState:
        return _validated(cls, read_format(path, LEDGER_FORMAT, "word ledger"), path)

    def write(self, path: Path, *, fsync: bool = False) -> None:
        write_private_json(path, self.model_dump(), fsync=fsync)


class ChainLine(BaseModel):
    """One event of RUN/word_ledger.jsonl; event fields (track, name, round, step, ...) are kept as given."""

    model_config = ConfigDict(extra="allow")

    seq: int
    event: str
    time: str
    prev: str
    counts: dict[str, int]
    words_seen: int
    hash: str = ""

    @classmethod
    def parse(cls, line: str | bytes, where: str) -> ChainLine:
        """A line read back (JSON errors are `JSONReadError`s, bad fields BabyLMErrors)."""
        return _validated(cls, parse_json(line, where=where), where)

    def text(self) -> str:
        """The line as appended: compact JSON, keys sorted, newline."""
        return dump_json(self.model_dump(), sort_keys=True) + "\n"


class InteractionRun(BaseModel):
    """RUN/interaction.json: what makes a run itself; a resumed command must match every field."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["babylm.interaction_run/1"] = RUN_FORMAT
    run_id: str
    protocol: str
    track: str
    scale: str
    teacher: str | None
    seed: int
    variant: str
    rewards_as_words: bool
    options: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> InteractionRun:
        return _validated(cls, read_format(path, RUN_FORMAT, "interaction run"), path)

    def identity(self) -> dict[str, Any]:
        return self.model_dump(exclude={"format", "run_id"})

    def write(self, path: Path) -> None:
        write_private_json(path, self.model_dump())


class InteractionSummary(BaseModel):
    """RUN/summary.json: {variant: [primary metric per round]}; a run's also has run_id, track and the
    ledger totals, the demo's combined one a metric per protocol and the run folders ("runs")."""

    model_config = ConfigDict(extra="allow")

    format: Literal["babylm.interaction_summary/1"] = SUMMARY_FORMAT
    protocol: str | None = None
    metric: str | dict[str, str] | None = None
    rounds: int | None = None
    variants: dict[str, list[int | float | None]]  # int first: a value is written back as it came

    @classmethod
    def read(cls, path: Path) -> InteractionSummary:
        return _validated(cls, read_format(path, SUMMARY_FORMAT, "interaction summary"), path)

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format} | self.model_dump(exclude_unset=True)

    def write(self, path: Path) -> Path:
        write_private_json(path, self.to_dict())
        return path


class InteractionRunInfo(RunInfo):
    """RUN/run.json of an interaction run whose student is an LM: the training-run fields, plus the
    protocol ({protocol, run_id, variant}) and the teacher ({model_id, n_params, words} or null)."""

    interaction: dict[str, Any]
    teacher: dict[str, Any] | None = None

    def write(self, run_dir: str | Path) -> Path:  # type: ignore[override]
        path = Path(run_dir) / "run.json"
        write_private_json(path, self.model_dump(exclude_unset=True, by_alias=True))
        return path
