"""Ledger claims: the training ledger verifies, stays under the cap, names the submitted track and scale,
and recorded every checkpoint the words it saw made due."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from babylm.errors import BabyLMError
from babylm.io import iter_jsonl, parse_json
from babylm.submissions.findings import error, warning
from babylm.submissions.validate.context import Context

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest


def check_ledger(c: Context, m: SubmissionManifest) -> None:
    from babylm.tracks.ledger import verify_ledger

    rel = m.files.ledger
    if rel is None or not (c.root / rel).is_file():
        return
    try:
        for _ in iter_jsonl(c.root / rel):  # the bounded, strict reader first (depth, duplicate keys, NaN)
            pass
        rep = verify_ledger(c.root / rel, check_checkpoints=False)
    except BabyLMError as exc:
        c.F.add(error("E_LEDGER", f"{rel}: {exc}", exc.hint or "bundle the run's unmodified ledger", rel))
        return
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError, RecursionError) as exc:  # odd JSON values
        c.F.add(error("E_LEDGER", f"{rel}: unreadable ({type(exc).__name__}: {str(exc)[:200]})",
                         "bundle the unmodified ledger written by training", rel))
        return
    if not rep.ok:
        for e in list(rep.errors)[:5]:
            text = str(e)
            code = "E_LEDGER_CHAIN" if re.search(r"hash|chain|prev|seq", text, re.I) else "E_LEDGER"
            c.F.add(error(code, f"{rel}: {text}", "bundle the unmodified ledger written by training", rel))
        return
    for w in rep.warnings:
        c.F.add(warning("W_LEDGER", f"{rel}: {w}", "bundle the ledger of a finished run", rel))
    c.ledger = rep
    from babylm.submissions.formats import ledger_head, submission_id

    c.rep.submission_id = submission_id(m, ledger_head(c.root / rel))
    c.rep.summary["ledger"] = {
        "lines": rep.lines, "words": rep.words, "tokens": rep.tokens, "steps": rep.steps,
        "flops": rep.flops, "checkpoints": dict(rep.checkpoints),
    }
    if rep.cap_exceeded or rep.words > c.track.exposure_cap:
        c.F.add(error("E_EXPOSURE_CAP", f"{rel}: {rep.words:,} words seen, over the exposure cap of "
                         f"{c.track.exposure_cap:,}", "submit the checkpoints before the cap only", rel))
    led_ed = getattr(rep, "edition", None)
    if led_ed is not None and led_ed != m.edition:
        c.F.add(warning("W_EDITION_MISMATCH", f"{rel}: trained under the {led_ed} rules, submitted to "
                           f"{m.edition}", "check the budgets and schedule of the edition you submit to", rel))
    ltrack = getattr(rep, "track", None)
    if ltrack and str(ltrack).split("/")[-1] != c.track.name:
        c.F.add(error("E_TRACK_MISMATCH", f"{rel}: ledger track {ltrack!r} but submission.json says "
                         f"{c.track.key!r}", "submit under the track you trained for", rel))
    lscale = getattr(rep, "scale", None)
    if lscale is not None and Fraction(str(lscale)) != Fraction(m.scale):
        c.F.add(error("E_SCALE_MISMATCH", f"{rel}: ledger scale {lscale} but submission.json says {m.scale}",
                         "copy the scale from run.json", rel))


def check_schedule(c: Context, m: SubmissionManifest) -> None:
    if c.ledger is None:
        return
    recorded = ledger_start(c).get("data_manifest_total_words")
    if isinstance(recorded, int) and c.data_words is not None and recorded != c.data_words:
        c.F.add(error("E_DATA_MANIFEST_MISMATCH", f"{m.files.data_manifest} counts {c.data_words:,} words "
                         f"but training recorded a manifest of {recorded:,} (ledger start line)",
                         "bundle the data manifest the run was trained with", m.files.data_manifest))
    words = c.ledger.words
    t = c.track
    c.required = [n for n, w in zip(t.names, t.schedule, strict=True) if w <= words]
    c.rep.summary["required_checkpoints"] = list(c.required)
    claimed = dict(c.ledger.checkpoints)
    for name in c.required:
        if name not in claimed:
            c.F.add(error("E_LEDGER_CHECKPOINT", f"ledger has no checkpoint event for {name}, due at "
                             f"{t.schedule[t.names.index(name)]:,} words", "save every scheduled checkpoint",
                             "ledger.jsonl"))


def _ledger_rel(c: Context) -> str:
    return c.rep.manifest["files"]["ledger"] if c.rep.manifest else "ledger.jsonl"


def ledger_lines(c: Context) -> dict[str, dict[str, Any]]:
    """Checkpoint lines of the (already verified) ledger, by name."""
    if c.ck_lines is None:
        c.ck_lines = {}
        for _, obj in iter_jsonl(c.root / _ledger_rel(c)):
            if obj.get("event") == "checkpoint":
                c.ck_lines[str(obj.get("name"))] = obj
    return c.ck_lines


def ledger_start(c: Context) -> dict[str, Any]:
    """The ledger's (verified) start line."""
    with open(c.root / _ledger_rel(c), encoding="utf-8") as f:
        first = f.readline()
    try:
        obj = parse_json(first, where=_ledger_rel(c))
    except BabyLMError:
        return {}
    return obj if isinstance(obj, dict) else {}
