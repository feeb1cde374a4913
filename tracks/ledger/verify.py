"""`verify_ledger`: recompute a ledger's hash chain and counters, one small check per concern.

The chain checks run on each line as parsed (what was hashed), the event checks on its typed model.
The first broken line stops verification and is named in `errors` ("line N: why").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.budgets import ENGLISH_BYTES_PER_WORD
from babylm.tracks.ledger.checkpoints import check_checkpoint_folder
from babylm.tracks.ledger.formats import (
    FORMAT,
    LEDGER_FILE,
    ZERO_HASH,
    CapLine,
    CheckpointLine,
    EndLine,
    LedgerLine,
    LineError,
    ResumeLine,
    StartLine,
    StepLine,
    line_hash,
    parse_line,
    read_lines,
)

COUNTERS = ("words", "tokens", "steps")


@dataclass
class LedgerReport:
    """What `verify_ledger` found. `ok` is False when the chain or the counters are broken (`errors`
    names the first broken line). `cap_exceeded` is True when words seen went past the exposure cap
    (a rule violation, reported apart from integrity); `stopped_at_cap` when the run stopped before it."""

    path: str
    ok: bool = True
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    lines: int = 0
    words: int = 0
    tokens: int = 0
    steps: int = 0
    flops: float = 0.0
    checkpoints: dict[str, int] = field(default_factory=dict)
    cap_exceeded: bool = False
    stopped_at_cap: bool = False
    complete: bool = False  # an `end` line closes the ledger
    resumes: int = 0  # `resume` lines: the run went back to its last checkpoint and went on
    status: str = ""
    track: str = ""
    edition: int | None = None
    scale: str = ""
    exposure_cap: int | None = None
    word_budget: int | None = None
    budget_unit: str = "words"
    bytes: dict[str, int] = field(default_factory=dict)  # byte tracks: UTF-8 bytes seen per language

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.budget_unit == "words":  # word tracks keep their keys; byte tracks add budget_unit and bytes
            del out["budget_unit"], out["bytes"]
        return out


@dataclass
class _Walk:
    """What verification carries from line to line."""

    rep: LedgerReport
    prev: str = ZERO_HASH
    schedule: dict[str, int] = field(default_factory=dict)
    cum: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    ckpt_lines: list[CheckpointLine] = field(default_factory=list)
    ckpt_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    premiums: dict[str, Fraction] | None = None  # byte tracks: words are recomputed from the bytes

    def set_counters(self, cum: dict[str, int]) -> None:
        self.cum = cum
        self.rep.words, self.rep.tokens, self.rep.steps = cum["words"], cum["tokens"], cum["steps"]


class _Broken(Exception):
    pass


def resolve_ledger_path(path: str | Path) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / LEDGER_FILE
    if not p.is_file():
        raise BabyLMError(f"no ledger at {path}", hint=f"pass a run folder or its {LEDGER_FILE}")
    return p


def _check_chain(w: _Walk, n: int, obj: dict[str, Any]) -> None:
    if w.rep.complete and obj.get("event") != "resume":
        raise _Broken("line after the `end` line (only a `resume` line may follow it)")
    if obj.get("seq") != n - 1:
        raise _Broken(f"seq is {obj.get('seq')!r}, expected {n - 1}")
    if obj.get("prev") != w.prev:
        raise _Broken("prev does not match the hash of the line before (a line was changed, added or removed)")
    if obj.get("hash") != line_hash(obj):
        raise _Broken("hash does not match the line's content (the line was edited)")
    w.prev = obj["hash"]
    w.rep.lines = n


def _check_event(n: int, obj: dict[str, Any]) -> None:
    ev = obj.get("event")
    if n == 1 and ev != "start":
        raise _Broken("the first line must be the `start` event")
    if n == 1 and obj.get("format") != FORMAT:
        raise _Broken(f"unknown format {obj.get('format')!r} (this tool reads {FORMAT})")
    if ev not in ("step", "checkpoint", "resume", "cap", "end") and not (n == 1 and ev == "start"):
        raise _Broken(f"unknown event {ev!r}")


def _on_start(w: _Walk, line: StartLine) -> None:
    rep = w.rep
    rep.track, rep.edition, rep.scale = line.track, line.edition, line.scale
    rep.exposure_cap, rep.word_budget = line.exposure_cap, line.word_budget
    w.schedule = dict(line.schedule)
    extra = line.model_extra or {}
    if extra.get("budget_unit") == "bytes":
        rep.budget_unit = "bytes"
        try:
            w.premiums = {str(k): Fraction(str(v)) for k, v in dict(extra.get("byte_premium") or {}).items()}
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise _Broken(f"bad byte_premium in the start line ({exc})") from None
        if not w.premiums or any(v <= 0 for v in w.premiums.values()):
            raise _Broken("a byte-budget ledger needs a positive byte_premium per language")


def _check_bytes(w: _Walk, line: LedgerLine, words: int, what: str) -> None:
    """Byte tracks: the line's per-language bytes grow by its d_bytes and give exactly its words."""
    if w.premiums is None:
        return
    extra = line.model_extra or {}
    seen = extra.get("bytes") if what != "checkpoint" else extra.get("bytes_seen")
    if not isinstance(seen, dict) or not all(isinstance(v, int) and v >= 0 for v in seen.values()):
        raise _Broken(f"{what} line of a byte-budget ledger without its bytes per language")
    unknown = sorted(set(seen) - set(w.premiums))
    if unknown:
        raise _Broken(f"bytes of language(s) {', '.join(unknown)} that the track has no premium for")
    if what == "step":
        delta = extra.get("d_bytes") or {}
        for lang in set(seen) | set(w.rep.bytes) | set(delta):
            if seen.get(lang, 0) != w.rep.bytes.get(lang, 0) + int(delta.get(lang, 0)):
                raise _Broken(f"bytes[{lang}] {seen.get(lang, 0)} != previous {w.rep.bytes.get(lang, 0)} + "
                              f"d_bytes {delta.get(lang, 0)}")
    equivalent = sum((Fraction(n) / w.premiums[lang] for lang, n in seen.items()), Fraction(0))
    expected = int(equivalent / ENGLISH_BYTES_PER_WORD)
    if words != expected:
        raise _Broken(f"{what} words {words} != {expected}, the English-equivalent words of its bytes "
                      f"(sum of bytes / premium / {ENGLISH_BYTES_PER_WORD})")
    if what == "checkpoint" and dict(seen) != w.rep.bytes:
        raise _Broken(f"checkpoint bytes_seen {seen} != counted {w.rep.bytes}")
    if what in ("step", "resume"):
        w.rep.bytes = dict(seen)


def _on_step(w: _Walk, line: StepLine) -> None:
    cum = dict(w.cum)
    for k in COUNTERS:
        d = getattr(line, f"d_{k}")
        if d < 0:
            raise _Broken(f"d_{k} must be a count >= 0, got {d!r}")
        if getattr(line, k) != cum[k] + d:
            raise _Broken(f"{k} {getattr(line, k)} != previous {cum[k]} + d_{k} {d}")
        cum[k] = getattr(line, k)
    _check_bytes(w, line, cum["words"], "step")
    w.set_counters(cum)
    if line.flops < w.rep.flops:
        raise _Broken(f"flops went down from {w.rep.flops:g} to {line.flops:g}")
    w.rep.flops = line.flops


def _on_checkpoint(w: _Walk, line: CheckpointLine) -> None:
    name, words = line.name, w.cum["words"]
    if name not in w.schedule:
        raise _Broken(f"checkpoint {name!r} is not in the schedule")
    if name in w.rep.checkpoints:
        raise _Broken(f"checkpoint {name} recorded twice")
    if line.words_seen != words:
        raise _Broken(f"checkpoint {name} words_seen {line.words_seen} != counted {words}")
    if words < w.schedule[name]:
        raise _Broken(f"checkpoint {name} saved at {words:,} words, before its milestone {w.schedule[name]:,}")
    _check_bytes(w, line, words, "checkpoint")
    w.rep.checkpoints[name] = words
    w.ckpt_lines.append(line)
    w.ckpt_state[name] = {**w.cum, "flops": line.flops, "bytes": dict(w.rep.bytes)}


def _on_resume(w: _Walk, line: ResumeLine) -> None:
    name = line.from_checkpoint
    last_name = w.ckpt_lines[-1].name if w.ckpt_lines else None
    if name is None or name != last_name:
        raise _Broken(f"resume from {name!r}, but the last checkpoint is {last_name!r}")
    state = w.ckpt_state[name]
    for k in COUNTERS:
        if getattr(line, k) != state[k]:
            raise _Broken(f"resume {k} {getattr(line, k)} != checkpoint {name}'s {state[k]}")
    w.set_counters({k: state[k] for k in COUNTERS})
    if w.premiums is not None:
        _check_bytes(w, line, state["words"], "resume")
        if w.rep.bytes != state["bytes"]:
            raise _Broken(f"resume bytes {w.rep.bytes} != checkpoint {name}'s {state['bytes']}")
    rep = w.rep
    rep.flops = state["flops"]
    rep.complete, rep.stopped_at_cap, rep.status = False, False, ""
    rep.resumes += 1


def _on_cap(w: _Walk, line: CapLine) -> None:
    w.rep.stopped_at_cap = True


def _on_end(w: _Walk, line: EndLine) -> None:
    for k in COUNTERS:
        if getattr(line, k) != w.cum[k]:
            raise _Broken(f"end {k} {getattr(line, k)} != counted {w.cum[k]}")
    w.rep.complete = True
    w.rep.status = line.status


_HANDLERS = {StartLine: _on_start, StepLine: _on_step, CheckpointLine: _on_checkpoint, ResumeLine: _on_resume,
             CapLine: _on_cap, EndLine: _on_end}


def _walk(p: Path, w: _Walk) -> None:
    """Check every line in order; raises LineError naming the first broken one."""
    n = 0
    for n, obj in read_lines(p):
        try:
            _check_chain(w, n, obj)
            _check_event(n, obj)
            line: LedgerLine = parse_line(obj, n)
            _HANDLERS[type(line)](w, line)
        except _Broken as exc:
            raise LineError(n, str(exc)) from None


def _finish(w: _Walk, p: Path, check_checkpoints: bool, checkpoint_root: str | Path | None) -> None:
    rep = w.rep
    if rep.exposure_cap is not None and rep.words > rep.exposure_cap:
        rep.cap_exceeded = True
    if not rep.complete:
        rep.warnings.append("no `end` line: the run is still going or crashed")
    if not check_checkpoints:
        return
    root = Path(checkpoint_root) if checkpoint_root is not None else p.parent
    for line in w.ckpt_lines:
        errors, warnings = check_checkpoint_folder(root, line)
        rep.errors.extend(errors)
        rep.warnings.extend(warnings)
        rep.ok = rep.ok and not errors


def verify_ledger(
    path: str | Path, check_checkpoints: bool = True, checkpoint_root: str | Path | None = None
) -> LedgerReport:
    """Recompute the hash chain and the counters of a ledger.jsonl (or a run folder holding one).

    With `check_checkpoints`, each checkpoint folder found (under `checkpoint_root`, by default the
    ledger's folder) must carry metadata that matches its ledger line and files whose sha256 match;
    a missing folder is a warning only.
    """
    p = resolve_ledger_path(path)
    w = _Walk(LedgerReport(path=str(p)))
    try:
        _walk(p, w)
    except LineError as exc:
        w.rep.ok = False
        w.rep.errors.append(f"line {exc.line}: {exc}")
        return w.rep
    if w.rep.lines == 0:
        w.rep.ok = False
        w.rep.errors.append(f"{p} is empty")
        return w.rep
    _finish(w, p, check_checkpoints, checkpoint_root)
    return w.rep
