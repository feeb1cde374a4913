"""The training ledger (tracks/ledger.py, `babylm.ledger/1`) for interaction runs, made resumable.

An interaction run trains its student in many short bursts (one per round) and may be resumed after a
crash, while `tracks.ledger.Ledger` is written for one uninterrupted training run. This module reuses
that ledger unchanged (same file, events, hash chain, checkpoint metadata, `verify_ledger`) and adds
what resuming needs:

- `open_training_ledger(run_dir, track, ..., size=None)`: a fresh `Ledger` when RUN/ledger.jsonl does
  not exist (or `size` is 0); else the file is cut back to `size` bytes (the last step boundary the
  round driver recorded: lines of a crashed step, or a final `end` line before a run is extended, go),
  verified with `verify_ledger`, and reopened for appending with its counters restored;
- checkpoint folders that the cut-back ledger no longer records (saved by a crashed step) are removed
  so the step can save them again.

It depends on the Ledger's attribute names (words, tokens, steps, flops, checkpoints, _next, _seq,
_prev, _logged, _file, ...); tests/tracks/interaction/protocols/test_simpo.py resumes through it, so a change there fails
loudly.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.ledger import LEDGER_FILE, Ledger, verify_ledger
from babylm.tracks.ledger.formats import read_lines
from babylm.tracks.rules import Track


class _ReopenedLedger(Ledger):
    """A Ledger continued from an existing, verified ledger.jsonl (no new `start` line)."""

    def __init__(self, run_dir: Path, track: Track, *, flops_per_token: float,
                 save_fn: Callable[[str, Path], None] | None, flops_method: str) -> None:  # noqa: D107
        self.run_dir = run_dir
        self.track = track
        self.flops_per_token = float(flops_per_token)
        self.save_fn = save_fn
        self.log_every = 1
        self.flops_method = flops_method
        self.path = run_dir / LEDGER_FILE
        rep = verify_ledger(self.path, check_checkpoints=False)
        if not rep.ok:
            raise BabyLMError(f"cannot resume: {self.path} does not verify: {'; '.join(rep.errors)}",
                              hint="start the run again in a new --out folder")
        *_, (_, last) = read_lines(self.path)  # the training ledger's own reader (verified just above)
        if rep.complete:
            raise BabyLMError(f"cannot resume: {self.path} ends with its `end` line",
                              hint="the driver cuts the end line off before extending a run; is state.json stale?")
        self.words, self.tokens, self.steps, self.flops = rep.words, rep.tokens, rep.steps, rep.flops
        self.checkpoints = dict(rep.checkpoints)
        self._milestones = list(zip(track.names, track.schedule, strict=True))
        self._next = sum(1 for name, _ in self._milestones if name in self.checkpoints)
        self._pending = None
        self._logged = (self.words, self.tokens, self.steps)
        self._seq = rep.lines
        self._prev = str(last["hash"])
        self._closed = False
        self._step_extra: dict[str, Any] = {}
        if track.byte_budget is not None:  # interaction runs count words; a byte track cannot resume here
            raise BabyLMError(f"{track.key} counts bytes: interaction runs are charged in words",
                              hint="run interaction protocols on a word-budget track")
        self.bytes = None
        self._pending_bytes = None
        self._logged_bytes = {}
        self._t0 = time.perf_counter() - float(last.get("wall_time_s") or 0.0)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held for the run


def open_training_ledger(
    run_dir: str | Path,
    track: Track,
    *,
    flops_per_token: float,
    save_fn: Callable[[str, Path], None] | None,
    size: int | None,
    info: dict[str, Any] | None = None,
    flops_method: str = "analytic-v1",
) -> Ledger:
    """A Ledger for RUN/ledger.jsonl: fresh, or continued from its first `size` bytes (see module doc)."""
    run_dir = Path(run_dir)
    path = run_dir / LEDGER_FILE
    if path.exists() and not size:
        path.unlink()  # a run that crashed before its first step boundary starts over
    if not path.exists():
        _drop_checkpoints(run_dir, keep=set())
        return Ledger(run_dir, track, flops_per_token=flops_per_token, save_fn=save_fn, info=info,
                      flops_method=flops_method)
    with open(path, "r+b") as fh:
        fh.truncate(size)
    led = _ReopenedLedger(run_dir, track, flops_per_token=flops_per_token, save_fn=save_fn,
                          flops_method=flops_method)
    _drop_checkpoints(run_dir, keep=set(led.checkpoints))
    return led


def _drop_checkpoints(run_dir: Path, keep: set[str]) -> None:
    for folder in run_dir.glob("chck_*"):
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
