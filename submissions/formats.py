"""The bundle's own formats: `SubmissionManifest` (submission.json, `babylm.submission/1`) and
`FactSheet` (fact_sheet.json, `babylm.fact_sheet/1`), the only readers and writers of those files, and the
identities derived from a bundle (submission id, checkpoint content hash, ledger head)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from babylm.errors import BabyLMError
from babylm.io import atomic_write_json, parse_json

SUBMISSION_FORMAT = "babylm.submission/1"
FACT_SHEET_FORMAT = "babylm.fact_sheet/1"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,99}$")
_TRACK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_REV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")


def _safe_relpath(v: str) -> str:
    """A path inside the bundle: relative, no '..', no backslashes."""
    if not v or v.startswith(("/", "\\")) or "\\" in v or ".." in Path(v).parts or (len(v) > 1 and v[1] == ":"):
        raise ValueError(f"{v!r} must be a relative path inside the bundle (no '..', not absolute)")
    return v


class ModelLocation(BaseModel):
    """Where the checkpoints are: a folder inside the bundle, or a Hub repo with one revision each."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["local", "hub"]
    path: str | None = None  # kind local: folder holding chck_* folders, relative to the bundle
    repo: str | None = None  # kind hub: "org/name"
    revisions: dict[str, str] = Field(default_factory=dict)  # kind hub: checkpoint name -> branch/commit

    @model_validator(mode="after")
    def _kind_fields(self) -> ModelLocation:
        if self.kind == "local":
            if not self.path:
                raise ValueError("model_location kind 'local' needs 'path' (e.g. 'checkpoints')")
            _safe_relpath(self.path)
        else:
            if not self.repo or not re.match(r"^[\w.-]+/[\w.-]+$", self.repo):
                raise ValueError("model_location kind 'hub' needs 'repo' as 'org/name'")
            if not self.revisions:
                raise ValueError("model_location kind 'hub' needs 'revisions' {checkpoint: revision}")
            for k, r in self.revisions.items():
                if not _REV.match(r):
                    raise ValueError(f"revision for {k} is not a branch or commit name: {r!r}")
        return self


class BundleFiles(BaseModel):
    """Bundle file names (relative paths). results and/or predictions must be present."""

    model_config = ConfigDict(extra="forbid")
    data_manifest: str | None = "data_manifest.json"  # null only in an interaction bundle without an LM student
    ledger: str | None = "ledger.jsonl"  # the training ledger; null likewise
    fact_sheet: str = "fact_sheet.json"
    run: str | None = "run.json"
    results: str | None = None
    predictions: str | None = None
    interaction_ledger: str | None = None  # word_ledger.json of an interaction run (teacher/student words)
    interaction_run: str | None = None  # folder with an interaction run's evidence (interaction_bundle.py)

    @field_validator("data_manifest", "ledger", "fact_sheet", "run", "results", "predictions", "interaction_ledger",
                     "interaction_run")
    @classmethod
    def _rel(cls, v: str | None) -> str | None:
        return None if v is None else _safe_relpath(v)

    @model_validator(mode="after")
    def _some_results(self) -> BundleFiles:
        if self.interaction_run:  # the interaction evidence stands in for LM results (none before chck_1M)
            return self
        if not self.results and not self.predictions:
            raise ValueError("files needs 'results' (results.json) and/or 'predictions' (official JSON)")
        if not self.ledger or not self.data_manifest:
            raise ValueError("files needs 'ledger' and 'data_manifest' (null only with 'interaction_run')")
        return self


class SubmissionManifest(BaseModel):
    """`submission.json`."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["babylm.submission/1"]
    team: str
    model: str
    edition: int
    track: str
    backend: str  # a scoring backend of the registry (`babylm.evaluation.registry.backend_names()`)
    scale: str = "1"  # "1" for real entries; a fraction ("1/100") marks a demo
    model_location: ModelLocation
    files: BundleFiles
    harness_version: str | None = None
    created: str | None = None
    contact: str | None = None

    @field_validator("team", "model")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError("use 1-100 letters, digits, spaces or ._+- (starting with a letter or digit)")
        return v

    @field_validator("track")
    @classmethod
    def _track(cls, v: str) -> str:
        if not _TRACK.match(v):
            raise ValueError("a track name is 1-64 letters, digits or ._/- (see `babylm tracks list`)")
        return v

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        from babylm.evaluation.registry import backend_names

        known = backend_names()
        if v not in known:
            raise ValueError(f"unknown backend {v!r}: one of {', '.join(known)}")
        return v

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str) -> str:
        from fractions import Fraction

        try:
            f = Fraction(v)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"scale {v!r} is not a number or fraction") from None
        if not 0 < f <= 1:
            raise ValueError("scale must be in (0, 1]")
        return v

    def to_doc(self) -> dict[str, Any]:
        """The object `submission.json` holds: unset optional fields left out, except that an interaction
        bundle spells out null ledger / data_manifest / run (leaving them out would mean the defaults)."""
        doc = self.model_dump(mode="json", exclude_none=True)
        if self.files.interaction_run:
            for key in ("ledger", "data_manifest", "run"):
                doc["files"].setdefault(key, None)
        return doc

    def write(self, path: Path) -> Path:
        return atomic_write_json(path, self.to_doc())


class Teacher(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: str
    n_params: int | None = None
    words: int = Field(ge=0, description="words the student read from the teacher (count toward the budget)")


class FactSheet(BaseModel):
    """`fact_sheet.json`: the figures a submission claims about itself."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["babylm.fact_sheet/1"]
    n_params: int = Field(gt=0)
    train_flops: float = Field(ge=0)
    flops_method: str = "analytic-v1"
    seq_len: int | None = Field(default=None, gt=0)
    tokens_seen: int = Field(ge=0)
    words_seen: int = Field(ge=0)
    steps: int | None = Field(default=None, ge=0)
    teacher: Teacher | None = None
    student_generated_words: int | None = Field(default=None, ge=0)
    notes: str = ""
    # optional links the leaderboard shows beside the entry (http or https only)
    model_card_url: str | None = Field(default=None, max_length=2000)
    paper_url: str | None = Field(default=None, max_length=2000)
    code_url: str | None = Field(default=None, max_length=2000)

    @field_validator("train_flops")
    @classmethod
    def _finite(cls, v: float) -> float:
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("train_flops must be a finite number")
        return v

    @field_validator("model_card_url", "paper_url", "code_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        from urllib.parse import urlsplit

        if v is None:
            return v
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in v):
            raise ValueError("a URL has no spaces or control characters")
        try:
            parts = urlsplit(v)
        except ValueError as exc:
            raise ValueError(f"not a URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return v

    def write(self, path: Path) -> Path:
        return atomic_write_json(path, self.model_dump(mode="json", exclude_none=False, exclude={
            k for k in ("model_card_url", "paper_url", "code_url") if getattr(self, k) is None}))


def predictions_name(backend: str) -> str:
    return f"all_full_preds_and_fast_scores_{backend}.json"


def submission_id(manifest: SubmissionManifest, ledger_head: str) -> str:
    """Stable id: readable team/model slug + a hash of who/what/track and the ledger's last hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{manifest.team}--{manifest.model}".lower()).strip("-")[:60]
    key = json.dumps([manifest.team, manifest.model, manifest.edition, manifest.track, manifest.backend,
                      manifest.scale, ledger_head], separators=(",", ":"))
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def checkpoint_content_hash(folder: Path) -> str:
    """The evaluation runner's content hash of a checkpoint folder (so store rows match results.json)."""
    from babylm.evaluation.cache import hash_files

    return hash_files(Path(folder))


def ledger_head(path: Path) -> str:
    """The `hash` of the ledger's last line ("" when unreadable): identifies the exact run."""
    try:
        lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
        return str(parse_json(lines[-1], where=str(path)).get("hash", "")) if lines else ""
    except (OSError, ValueError, AttributeError, BabyLMError):
        return ""


def read_manifest(bundle: Path) -> SubmissionManifest:
    """Parse submission.json (raises BabyLMError with the first schema problem)."""
    from pydantic import ValidationError

    from babylm.submissions.safe_load import read_json_file

    p = Path(bundle) / "submission.json"
    if not p.is_file():
        raise BabyLMError(f"{p} is missing", "run `babylm submission init` to make a bundle")
    try:
        return SubmissionManifest.model_validate(read_json_file(p))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            e = exc.errors()[0]
            raise BabyLMError(f"submission.json: {'.'.join(map(str, e['loc']))}: {e['msg']}") from None
        raise BabyLMError(f"submission.json {exc}") from None
