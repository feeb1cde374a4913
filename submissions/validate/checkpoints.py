"""Checkpoints: the folders the schedule requires, their metadata, static safety checks, then a real
load in a child process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babylm.submissions.findings import error, info, warning
from babylm.submissions.safe_load.limits import finite
from babylm.submissions.validate.context import PARAMS_TOLERANCE, Context
from babylm.submissions.validate.files import files_match
from babylm.submissions.validate.ledger import ledger_lines
from babylm.tracks.ledger.formats import CheckpointMeta

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest


def check_checkpoint_folders(c: Context, m: SubmissionManifest) -> None:
    """Every required checkpoint is bundled (or listed on the Hub) with metadata matching the ledger; no
    checkpoint past the words the ledger saw."""
    if c.ledger is None:
        return
    words = c.ledger.words
    t = c.track
    claimed = dict(c.ledger.checkpoints)
    loc = m.model_location
    if loc.kind == "hub":
        for name in c.required:
            if name not in loc.revisions:
                c.F.add(error("E_CHECKPOINT_MISSING", f"no Hub revision listed for {name}",
                                 f"push {name} as a branch and list it in model_location.revisions",
                                 "submission.json"))
        return
    base = c.root / loc.path
    present = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    last_flops = 0.0
    for name in c.required:
        where = f"{loc.path}/{name}"
        if name not in present:
            c.F.add(error("E_CHECKPOINT_MISSING", f"checkpoint {name} is missing from {loc.path}/",
                             f"add the folder {where} (every checkpoint up to the last one reached)", where))
            continue
        meta = c.model(f"{where}/babylm_checkpoint.json", "E_CHECKPOINT_META", CheckpointMeta,
                       "bundle the checkpoint folder as training saved it")
        if meta is None:
            continue
        files_match(c, where, base / name, meta.ledger_hash)
        last_flops = _flops(c, where, name, meta.train_flops, last_flops)
        ws = meta.words_seen
        if meta.name != name:
            c.F.add(error("E_CHECKPOINT_META", f"{where}: metadata names {meta.name!r}",
                             "do not rename checkpoint folders", where))
        if name in claimed and ws != claimed[name]:
            c.F.add(error("E_CHECKPOINT_WORDS", f"{where}: words_seen {ws!r} in babylm_checkpoint.json "
                             f"but {claimed.get(name)!r} in the ledger", "bundle checkpoints and ledger from the "
                             "same run", where))
    extra = [p for p in present if p not in c.required]
    for name in extra:
        if name not in t.names:
            c.F.add(warning("W_EXTRA_CHECKPOINT", f"{loc.path}/{name} is not on the schedule of {t.key}; "
                               "it will be ignored", "remove it", f"{loc.path}/{name}"))
        else:
            c.F.add(error("E_CHECKPOINT_UNREACHED", f"{loc.path}/{name} is past the words the ledger saw "
                             f"({words:,})", "bundle checkpoints and ledger from the same run",
                             f"{loc.path}/{name}"))


def _flops(c: Context, where: str, name: str, flops: float, before: float) -> float:
    """A checkpoint's train_flops (what the store keeps) is the ledger's figure at that checkpoint, and never
    less than the checkpoint before it."""
    line = ledger_lines(c).get(name) or {}
    led = line.get("flops")
    if not finite(flops) or flops < before:
        c.F.add(error("E_CHECKPOINT_FLOPS", f"{where}: train_flops {flops!r} in babylm_checkpoint.json is below the "
                      f"previous checkpoint's {before:.4g} (FLOPs only grow during training)",
                      "bundle the checkpoint folders as training saved them", where))
    elif finite(led) and abs(led - flops) > 1e-6 * max(abs(led), 1.0):
        c.F.add(error("E_CHECKPOINT_FLOPS", f"{where}: train_flops {flops:.4g} in babylm_checkpoint.json but the "
                      f"ledger recorded {led:.4g} at this checkpoint", "bundle checkpoints and ledger of the same run",
                      where))
    return max(before, flops) if finite(flops) else before


def check_checkpoints(c: Context, m: SubmissionManifest) -> None:
    from babylm.submissions.safe_load import (
        check_checkpoint_static,
        count_params,
        load_checkpoints,
        load_findings,
        warn_hub,
    )

    loc = m.model_location
    if loc.kind == "hub":
        c.F.add(warn_hub(loc.repo or ""))
        return
    base = c.root / loc.path
    todo: dict[str, str] = {}
    for name in c.required:
        ck = base / name
        if not ck.is_dir():
            continue
        rel = f"{loc.path}/{name}"
        found = check_checkpoint_static(ck, rel, c.limits)
        c.F.extend(found)
        if not any(f.severity == "error" for f in found):
            todo[str(ck)] = rel
    if c.fact is not None and c.required:
        last = base / c.required[-1]
        if last.is_dir() and str(last) in todo:
            n = count_params(last)
            if n and abs(n - c.fact.n_params) / n > PARAMS_TOLERANCE:
                c.F.add(error("E_FACT_PARAMS", f"fact sheet says {c.fact.n_params:,} parameters, the final "
                                 f"checkpoint's weights hold {n:,}", "copy the figure from the weights",
                                 m.files.fact_sheet))
    if not c.load or not todo:
        if not c.load:
            c.F.add(info("I_LOAD_SKIPPED", "checkpoints were checked statically, not loaded (--no-load)"))
        return
    if c.F.errors:
        c.F.add(info("I_LOAD_SKIPPED", "checkpoints not loaded because of the errors above"))
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from babylm.output import err_console

    with Progress(TextColumn("loading checkpoints"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, disable=not c.progress, transient=True) as bar:
        tid = bar.add_task("", total=len(todo))
        res = load_checkpoints(todo.keys(), m.backend, c.limits.load_timeout_s,
                               on_done=lambda _p: bar.advance(tid), max_bytes=c.limits.load_memory_bytes)
    c.F.extend(load_findings(res, todo, c.limits.load_timeout_s, c.limits.load_memory_bytes))
    c.rep.summary["loaded"] = {todo[p]: {k: v for k, v in r.items() if k != "path"} for p, r in res.items()}
