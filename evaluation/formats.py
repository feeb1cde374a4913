"""The two files `babylm eval run` writes, one versioned Pydantic model each (their only reader and writer).

- `ResultsFile` (`results.json`, format `babylm.results/1`): the whole run, per checkpoint and task.
- `OfficialPredictions` (`all_full_preds_and_fast_scores_<backend>.json`, the 2025 pipeline's own format,
  which carries no version field; babylm calls it `OFFICIAL_FORMAT`): the last checkpoint's predictions
  per task and the fast-split scores per checkpoint.

Both are written compact (the C encoder: indent forces the pure-Python one, seconds on 13,400 items x
checkpoints) with keys in the order they were given, and read through `babylm.io.read_json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, ValidationInfo, model_validator

from babylm.errors import BabyLMError
from babylm.io import atomic_write_text, dump_json, read_json

RESULTS_FORMAT = "babylm.results/1"
OFFICIAL_FORMAT = "babylm.official_predictions/2025"


class CheckpointResults(BaseModel):
    """One checkpoint's entry: where it came from and one result object per task (status ok/failed/...)."""

    model_config = ConfigDict(extra="allow")

    words_seen: int | None = None
    path: str | None = None
    content_hash: str | None = None
    tasks: dict[str, dict[str, Any]] = Field(default_factory=dict)
    engine: str | None = None


class ResultsFile(BaseModel):
    """`results.json`: the run's setup, per-checkpoint task results, across-checkpoint results (AoA),
    unavailable tasks, failures and warnings. Unknown fields are kept (read and written back)."""

    model_config = ConfigDict(extra="allow")

    format: Literal["babylm.results/1"]
    harness_version: str | None = None
    model: str | None = None
    backend: str | None = None
    engine: str | None = None
    compat: str | None = None
    track: str | None = None
    split: str | None = None
    data_root: str | None = None
    created: str | None = None
    tasks: list[str] = Field(default_factory=list)
    official_keys: dict[str, str] = Field(default_factory=dict)
    checkpoints: dict[str, CheckpointResults]
    across_checkpoints: dict[str, dict[str, Any]] = Field(default_factory=dict)
    unavailable: dict[str, Any] = Field(default_factory=dict)
    failures: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    wall_time_s: int | float | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str = "results") -> ResultsFile:
        """Check a results object: the format field first, then the shape; errors name `where`."""
        if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
            got = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise BabyLMError(f"{where}: field 'format' is {got!r}, expected {RESULTS_FORMAT!r}",
                              hint="is this a babylm results.json?")
        if not isinstance(data.get("checkpoints"), dict):
            raise BabyLMError(f"{where}: field 'checkpoints' missing or not an object")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise BabyLMError(f"{where}: {_first_error(exc)}", hint="is this a babylm results.json?") from exc

    @classmethod
    def read(cls, path: str | Path) -> ResultsFile:
        return cls.from_dict(read_json(path, what="results"), where=str(path))

    def to_dict(self) -> dict[str, Any]:
        """The plain object, keys in the order they were given (fields never set stay out)."""
        return self.model_dump(mode="python", exclude_unset=True)

    def write(self, path: str | Path) -> Path:
        return atomic_write_text(path, dump_json(self.to_dict()))


class OfficialPredictions(RootModel[dict[str, Any]]):
    """The official file: {task key: {subtask: {"predictions": [{"id", "pred", ...}]}}} plus
    "fast_eval_results": {task key: [{subtask: score} per checkpoint]} (fast runs). Task keys come from
    the registry (`registry.official_keys()`). Validate with `context={"where": name}` for messages."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any, info: ValidationInfo) -> Any:
        where = (info.context or {}).get("where", "predictions")
        if not isinstance(data, dict):
            raise BabyLMError(f"{where}: expected a JSON object at the top level")
        for key, block in data.items():
            if key == "fast_eval_results":
                _check_fast(where, block)
            else:
                _check_block(where, key, block)
        return data

    @classmethod
    def read(cls, path: str | Path) -> OfficialPredictions:
        return cls.model_validate(read_json(path, what="predictions"), context={"where": str(path)})

    def to_dict(self) -> dict[str, Any]:
        return self.root

    def write(self, path: str | Path) -> Path:
        return atomic_write_text(path, dump_json(self.root))


def _check_fast(where: str, block: Any) -> None:
    if not isinstance(block, dict) or not all(isinstance(v, list) for v in block.values()):
        raise BabyLMError(f"{where}: 'fast_eval_results' must map task -> list of {{subtask: score}}")


def _check_block(where: str, key: str, block: Any) -> None:
    from babylm.evaluation.registry import official_keys

    known = official_keys()
    if key not in known:
        raise BabyLMError(f"{where}: unknown top-level key {key!r}", hint=f"known: {', '.join(known)}")
    if not isinstance(block, dict):
        raise BabyLMError(f"{where}: {key!r} must be an object of sub-tasks")
    for sub, body in block.items():
        preds = body.get("predictions") if isinstance(body, dict) else None
        if not isinstance(preds, list) or not all(isinstance(p, dict) and "id" in p for p in preds):
            raise BabyLMError(f"{where}: {key}.{sub} must hold 'predictions': [{{'id': ..., 'pred': ...}}]")


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    return f"field {loc!r}: {err['msg']}"
