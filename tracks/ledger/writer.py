"""`Ledger`: counts one training run, refuses batches past the exposure cap, fires its checkpoints."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babylm import __version__
from babylm.errors import BabyLMError
from babylm.tracks.ledger.bytes import ByteCharge
from babylm.tracks.ledger.checkpoints import SaveFn, publish_checkpoint, stage_checkpoint
from babylm.tracks.ledger.formats import (
    FORMAT,
    LEDGER_FILE,
    ZERO_HASH,
    CheckpointLine,
    CheckpointMeta,
    LedgerLine,
    parse_line,
    read_lines,
    seal,
)
from babylm.tracks.rules import Track, parse_checkpoint_name


class ExposureCapError(BabyLMError):
    """The next batch would take words seen past the track's exposure cap; nothing was trained on it."""

    def __init__(self, message: str, hint: str | None, *, cap: int, words_seen: int, next_words: int) -> None:
        super().__init__(message, hint)
        self.cap = cap
        self.words_seen = words_seen
        self.next_words = next_words


def scale_str(track: Track) -> str:
    return str(track.scale)


def _scaled_note(track: Track) -> str:
    return f" (SCALED x{track.scale})" if track.is_scaled else ""


class Ledger:
    """Counts one training run and fires its checkpoints. Plain PyTorch API:

        ledger = Ledger(run_dir, track, flops_per_token=f, save_fn=save)
        for batch in batches:
            ledger.before_step(words=batch_words, tokens=batch_tokens)  # may raise ExposureCapError
            ...train on the batch...
            ledger.after_step()  # -> names of the checkpoints saved after this step
        ledger.close()

    `save_fn(name, folder)` writes the model into `folder` (a temporary folder that the ledger renames
    to RUN/name once the checkpoint metadata is written). `log_every` thins the `step` lines (a line is
    always written before a checkpoint and at the end). `info` adds fields to the `start` line (arch,
    flops method, ...). The attribute names are relied on by tracks/interaction/accounting/train_ledger.py.
    """

    def __init__(
        self,
        run_dir: str | Path,
        track: Track,
        *,
        flops_per_token: float,
        save_fn: SaveFn | None = None,
        log_every: int = 1,
        info: dict[str, Any] | None = None,
        flops_method: str = "analytic-v1",
        resume_from: str | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.track = track
        self.flops_per_token = float(flops_per_token)
        self.save_fn = save_fn
        self.log_every = max(1, int(log_every))
        self.flops_method = flops_method
        self.path = self.run_dir / LEDGER_FILE
        if self.path.exists() and resume_from is None:
            raise BabyLMError(
                f"{self.path} already exists: a ledger belongs to exactly one run",
                hint="train into a new --out folder, or resume the run from its last checkpoint",
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.words = 0
        self.tokens = 0
        self.steps = 0
        self.flops = 0.0
        self.checkpoints: dict[str, int] = {}
        self._milestones = list(zip(track.names, track.schedule, strict=True))
        self._next = 0  # index of the next milestone not yet saved
        self._pending: tuple[int, int] | None = None
        self._logged = (0, 0, 0)  # words, tokens, steps at the last `step` line
        self._seq = 0
        self._prev = ZERO_HASH
        self._closed = False
        self._step_extra: dict[str, Any] = {}
        # Byte-budget tracks: words are English-equivalent words of the UTF-8 bytes charged per language.
        self.bytes = ByteCharge(track) if track.byte_budget is not None else None
        self._pending_bytes: dict[str, int] | None = None
        self._logged_bytes: dict[str, int] = {}
        self._t0 = time.perf_counter()
        if resume_from is not None:
            self._resume(resume_from, info or {})
            return
        self._file = open(self.path, "x", encoding="utf-8")  # noqa: SIM115 - held for the run
        self._write("start", **self._start_fields(), **(info or {}))

    def _start_fields(self) -> dict[str, Any]:
        track = self.track
        return {
            "format": FORMAT, "tool_version": __version__, "edition": track.edition, "track": track.name,
            "scale": scale_str(track), "scaled": track.is_scaled, "word_budget": track.word_budget,
            "exposure_cap": track.exposure_cap, "schedule": dict(self._milestones),
            "flops_per_token": self.flops_per_token, "flops_method": self.flops_method, "log_every": self.log_every,
            **(self.bytes.start_fields() if self.bytes else {}),
        }

    # -- resuming --------------------------------------------------------------------------------
    def _resume(self, name: str, info: dict[str, Any]) -> None:
        """Continue a ledger from its last checkpoint: counters go back to that checkpoint (the
        model restarts from its weights), and a `resume` line records what was discarded."""
        from babylm.tracks.ledger.verify import verify_ledger

        rep = verify_ledger(self.path)
        if not rep.ok:
            raise BabyLMError(f"cannot resume: the ledger does not verify ({rep.errors[0]})")
        if (rep.edition, rep.track, rep.scale) != (self.track.edition, self.track.name, scale_str(self.track)):
            raise BabyLMError(
                f"cannot resume: the ledger is for {rep.edition}/{rep.track} x{rep.scale}, not {self.track.key} "
                f"x{scale_str(self.track)}"
            )
        last, last_ckpt = self._last_lines()
        if last_ckpt is None or last_ckpt.name != name:
            have = last_ckpt.name if last_ckpt else "none"
            raise BabyLMError(f"cannot resume from {name}: the ledger's last checkpoint is {have}")
        self.words, self.tokens = last_ckpt.words_seen, int(last_ckpt.tokens or 0)
        self.steps, self.flops = int(last_ckpt.steps or 0), float(last_ckpt.flops)
        if self.bytes is not None:
            self.bytes.restore((last_ckpt.model_extra or {}).get("bytes_seen") or {})
            self._logged_bytes = dict(self.bytes.seen)
        self.checkpoints = dict(rep.checkpoints)
        self._next = [n for n, _ in self._milestones].index(name) + 1
        self._logged = (self.words, self.tokens, self.steps)
        self._seq = last.seq + 1
        self._prev = last.hash
        self._t0 = time.perf_counter() - float(last_ckpt.wall_time_s or 0.0)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held for the run
        self._write("resume", from_checkpoint=name, **self._totals(), discarded_words=rep.words - self.words,
                    discarded_steps=rep.steps - self.steps, **info)

    def _last_lines(self) -> tuple[LedgerLine, CheckpointLine | None]:
        """The ledger's last line and its last `checkpoint` line (the file verified already)."""
        last_ckpt: CheckpointLine | None = None
        last: LedgerLine | None = None
        for n, obj in read_lines(self.path):
            last = parse_line(obj, n)
            if isinstance(last, CheckpointLine):
                last_ckpt = last
        assert last is not None
        return last, last_ckpt

    # -- writing -------------------------------------------------------------------------------
    def _write(self, event: str, **fields: Any) -> LedgerLine:
        line, text = seal(self._seq, event, self._prev, fields)
        self._file.write(text)
        self._file.flush()
        self._seq += 1
        self._prev = line.hash
        return line

    def _totals(self) -> dict[str, Any]:
        """The running counters as ledger-line fields (resume, step and end lines carry them)."""
        out: dict[str, Any] = {"words": self.words, "tokens": self.tokens, "steps": self.steps, "flops": self.flops}
        if self.bytes is not None:
            out["bytes"] = dict(self.bytes.seen)
        return out

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def _write_step(self) -> None:
        w0, t0, s0 = self._logged
        if self.steps == s0:
            return
        self._write(
            "step",
            **self._totals(),
            d_words=self.words - w0,
            d_tokens=self.tokens - t0,
            d_steps=self.steps - s0,
            wall_time_s=round(self.wall_time_s, 3),
            **self._byte_deltas(),
            **self._step_extra,
        )
        self._logged = (self.words, self.tokens, self.steps)
        if self.bytes is not None:
            self._logged_bytes = dict(self.bytes.seen)

    def _byte_deltas(self) -> dict[str, Any]:
        if self.bytes is None:
            return {}
        return {"d_bytes": {k: v - self._logged_bytes.get(k, 0) for k, v in self.bytes.seen.items()
                            if v != self._logged_bytes.get(k, 0)}}

    @property
    def wall_time_s(self) -> float:
        return time.perf_counter() - self._t0

    @property
    def exposure_cap(self) -> int:
        return self.track.exposure_cap

    @property
    def next_checkpoint(self) -> tuple[str, int] | None:
        return self._milestones[self._next] if self._next < len(self._milestones) else None

    # -- the API -------------------------------------------------------------------------------
    def before_step(self, words: int, tokens: int, *, lang_bytes: Mapping[str, int] | None = None) -> None:
        """Announce the next batch; raises ExposureCapError (and closes the ledger) if it would cross the cap.

        On a byte-budget track (2026 multilingual) `lang_bytes` ({language: UTF-8 bytes}) is what is
        charged: the batch's words are the English-equivalent words its bytes add (bytes / premium /
        5.43, exact), and the cap is the exposure cap in English-equivalent bytes; `words` is ignored."""
        if self._closed:
            raise RuntimeError("ledger is closed")
        words, tokens = int(words), int(tokens)
        if words < 0 or tokens < 0:
            raise ValueError("words and tokens must be >= 0")
        cap = self.track.exposure_cap
        if self.bytes is not None:
            batch = self.bytes.batch(lang_bytes)
            if self.bytes.over_cap(batch):
                self._stop_at_cap(cap, self.bytes.words_after(batch) - self.words, batch)
            words = self.bytes.words_after(batch) - self.words
            self._pending_bytes = batch
        elif lang_bytes is not None:
            raise BabyLMError(f"{self.track.key} counts words, not bytes: do not pass lang_bytes",
                              hint="byte charging belongs to byte-budget tracks (2026/multilingual)")
        elif self.words + words > cap:
            self._stop_at_cap(cap, words)
        self._pending = (words, tokens)

    def _stop_at_cap(self, cap: int, words: int, batch: dict[str, int] | None = None) -> None:
        self._write_step()
        extra = {} if batch is None or self.bytes is None else self.bytes.cap_fields(batch)
        self._write("cap", cap=cap, words_seen=self.words, next_batch_words=words, **extra)
        self.close(status="stopped_at_cap")
        unit = "words"
        if self.bytes is not None and batch is not None:
            unit = (f"English-equivalent words ({self.bytes.cap_bytes_int:,} English-equivalent UTF-8 bytes; "
                    f"next batch {self.bytes.describe(batch)})")
        raise ExposureCapError(
            f"exposure cap of {cap:,} {unit}{_scaled_note(self.track)} on {self.track.key} reached: "
            f"{self.words:,} words seen, the next batch holds {words:,} more",
            hint=f"train fewer epochs; the ledger ({self.path}) and the {len(self.checkpoints)} "
            "checkpoints written so far are intact",
            cap=cap,
            words_seen=self.words,
            next_words=words,
        )

    def after_step(
        self,
        words: int | None = None,
        tokens: int | None = None,
        *,
        flops: float | None = None,
        loss: float | None = None,
        lang_bytes: Mapping[str, int] | None = None,
    ) -> list[str]:
        """Count the step announced by before_step (or, without it, `words`/`tokens` now, cap checked).

        Saves every checkpoint due and returns their names (usually none, sometimes one).
        """
        if self._pending is None:
            if words is None or tokens is None:
                raise ValueError("after_step without before_step needs words and tokens")
            self.before_step(words, tokens, lang_bytes=lang_bytes)
        assert self._pending is not None
        w, t = self._pending
        self._pending = None
        if self.bytes is not None and self._pending_bytes is not None:
            self.bytes.add(self._pending_bytes)
            self._pending_bytes = None
        self.words += w
        self.tokens += t
        self.steps += 1
        self.flops += self.flops_per_token * t if flops is None else float(flops)
        self._step_extra = {} if loss is None else {"loss": round(float(loss), 6)}
        due = self._due()
        if due:
            self._write_step()
            for name, milestone in due:
                self._save_checkpoint(name, milestone)
        elif self.steps % self.log_every == 0:
            self._write_step()
        return [name for name, _ in due]

    def _due(self) -> list[tuple[str, int]]:
        """The milestones words seen have now reached (advancing past them)."""
        due: list[tuple[str, int]] = []
        while self._next < len(self._milestones) and self.words >= self._milestones[self._next][1]:
            due.append(self._milestones[self._next])
            self._next += 1
        return due

    def _save_checkpoint(self, name: str, nominal_scaled: int) -> None:
        tmp, files = stage_checkpoint(self.run_dir, name, self.save_fn)
        line = self._write(
            "checkpoint", name=name, words_seen=self.words, milestone=nominal_scaled, tokens=self.tokens,
            steps=self.steps, flops=self.flops, wall_time_s=round(self.wall_time_s, 3), path=name, files=files,
            **({"bytes_seen": dict(self.bytes.seen)} if self.bytes is not None else {}),
        )
        self._sync()
        track = self.track
        meta = CheckpointMeta(
            name=name, edition=track.edition, track=track.name, scale=scale_str(track), scaled=track.is_scaled,
            nominal_words=parse_checkpoint_name(name), milestone_words=nominal_scaled, words_seen=self.words,
            tokens_seen=self.tokens, steps=self.steps, train_flops=self.flops, flops_method=self.flops_method,
            wall_time_s=round(self.wall_time_s, 3), ledger_seq=line.seq, ledger_hash=line.hash,
        )
        publish_checkpoint(tmp, meta)
        self.checkpoints[name] = self.words

    def close(self, status: str = "completed") -> None:
        """Write the `end` line (final counters) and close the file. Idempotent."""
        if self._closed:
            return
        self._write_step()
        self._write("end", status=status, **self._totals(), checkpoints=dict(self.checkpoints),
                    wall_time_s=round(self.wall_time_s, 3))
        self._sync()
        self._file.close()
        self._closed = True

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close(status="completed" if exc_type is None else f"failed: {exc_type.__name__}")
