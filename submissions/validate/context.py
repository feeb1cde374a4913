"""What every check of `babylm submission validate` shares: the bundle, the options, the report being
filled, and what earlier checks found (track, verified ledger, fact sheet, required checkpoints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from babylm.submissions.findings import Findings, error
from babylm.submissions.safe_load import DEFAULT_LIMITS, Limits, read_json_file

M = TypeVar("M", bound=BaseModel)

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import FactSheet
    from babylm.submissions.validate.report import ValidationReport
    from babylm.tracks.ledger import LedgerReport
    from babylm.tracks.rules import Track

# Claimed training FLOPs may differ from the analytic formula by this much (relative): padding and
# the last partial batch make the ledger's token count differ slightly from tokens x formula.
FLOPS_TOLERANCE = 0.02
PARAMS_TOLERANCE = 0.01


def inside(rel: str) -> bool:
    """Whether a path named by a bundle file stays inside the bundle (relative, no '..', no backslash)."""
    p = Path(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and "\\" not in rel


@dataclass
class Context:
    """The bundle folder, the validator's options, the report, and what the checks so far established."""

    root: Path
    rep: ValidationReport
    allow_scaled: bool = False
    load: bool = True
    data_root: Path | None = None
    limits: Limits = DEFAULT_LIMITS
    split: str | None = None
    progress: bool = False
    track: Track | Any = None
    ledger: LedgerReport | Any = None
    data_words: int | None = None
    fact: FactSheet | None = None
    required: list[str] = field(default_factory=list)  # checkpoints the ledger reached, in schedule order
    results_split: str | None = None
    results_compat: str = "babylm"  # how results.json was scored (its 'compat')
    ck_lines: dict[str, dict[str, Any]] | None = None  # the ledger's checkpoint lines by name (cache)
    reading: str | None = None  # the bundle file the running check read last (named by E_INTERNAL)

    @property
    def F(self) -> Findings:  # noqa: N802 - the findings list, short because every check adds to it
        return self.rep.findings

    def model(self, rel: str, code: str, model: type[M], fix: str) -> M | None:
        """A bundle file read by its format's model; None after adding a finding ({code}_SCHEMA names
        the first bad field)."""
        from pydantic import ValidationError

        data = self.json(rel, code)
        if data is None:
            return None
        try:
            return model.model_validate(data, strict=True)
        except ValidationError as exc:
            e = exc.errors()[0]
            where = ".".join(map(str, e["loc"])) or "(top level)"
            self.F.add(error(f"{code}_SCHEMA", f"{rel}: {where}: {e['msg']}", fix, rel))
            return None

    def json(self, rel: str, code: str) -> dict[str, Any] | None:
        """A bundle file's JSON object (bounded, strict); None after adding {code}_MISSING / {code}_JSON /
        E_NAN, or {code}_SCHEMA when the top level is not an object."""
        self.reading = rel
        p = self.root / rel
        if not p.is_file():
            self.F.add(error(f"{code}_MISSING", f"{rel} is missing", f"add {rel} (see docs/formats.md)", rel))
            return None
        try:
            data = read_json_file(p, self.limits)
        except ValueError as exc:
            nan = any(w in str(exc) for w in ("NaN", "Infinity", "not a finite number"))
            self.F.add(
                error(
                    "E_NAN" if nan else f"{code}_JSON",
                    f"{rel} {exc}",
                    "write numbers only (no NaN/Infinity): fix the producer" if nan else f"regenerate {rel}",
                    rel,
                )
            )
            return None
        if not isinstance(data, dict):  # every bundle JSON file is an object at the top level
            self.F.add(error(f"{code}_SCHEMA", f"{rel}: the top level is a JSON {_kind(data)}, not an object",
                             f"regenerate {rel} (see docs/formats.md)", rel))
            return None
        return data


def _kind(v: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(v), "number")
