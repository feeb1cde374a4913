"""The training loop under a Ledger: batches in a seeded order per epoch, checkpoints and resume state
saved as the ledger fires them, run.json finished whatever happens (completed, cap, error)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.ledger import ExposureCapError, Ledger
from babylm.tracks.rules import Track
from babylm.tracks.train.data import PackedData
from babylm.tracks.train.options import TrainOptions, TrainResult
from babylm.tracks.train.state import RunInfo, TrainState, now_iso


@dataclass
class Session:
    """One training job in progress: a fresh run, or a resumed one from (start_epoch, start_batch)."""

    opts: TrainOptions
    track: Track
    out: Path
    model: Any
    packed: PackedData
    ledger: Ledger
    optim: Any
    sched: Any
    run_info: RunInfo
    data_words: int
    n_params: int
    t_start: float
    start_epoch: int = 0
    start_batch: int = 0  # index into the epoch's order of the next sequence to train on


def saver(model: Any, tokenizer: Any) -> Callable[[str, Path], None]:
    def save(name: str, folder: Path) -> None:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    return save


def _lr_lambda(total_steps: int, warmup: int) -> Callable[[int], float]:
    def f(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    return f


def make_optimizer(model: Any, lr: float, total_steps: int) -> tuple[Any, Any]:
    import torch

    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(optim, _lr_lambda(total_steps, max(1, min(100, total_steps // 20))))
    return optim, sched


def total_steps(packed: PackedData, opts: TrainOptions) -> int:
    return math.ceil(len(packed) / opts.batch_size) * opts.epochs


def quiet_transformers() -> None:
    """No per-checkpoint tqdm bars or config chatter from transformers: the ledger bar says it all."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _save_state(s: Session, checkpoint: str, epoch: int, next_batch: int) -> None:
    TrainState(checkpoint=checkpoint, epoch=epoch, next_batch=next_batch, optimizer=s.optim.state_dict(),
               scheduler=s.sched.state_dict()).save(s.out)


def _finish_run_json(s: Session, status: str, loss: float | None, message: str) -> None:
    led = s.ledger
    s.run_info.updated(status=status, words_seen=led.words, tokens_seen=led.tokens, steps=led.steps,
                       train_flops=led.flops, checkpoints=dict(led.checkpoints), final_loss=loss,
                       message=message, finished=now_iso()).write(s.out)


def _warn_cap(s: Session) -> None:
    opts, track, data_words = s.opts, s.track, s.data_words
    if data_words * opts.epochs > track.exposure_cap and opts.progress:
        from babylm.output import err_console

        scaled_note = f" (SCALED x{track.scale})" if track.is_scaled else ""
        err_console.print(
            f"[yellow]note:[/] {opts.epochs} epochs x {data_words:,} words exceed the exposure cap of "
            f"{track.exposure_cap:,}{scaled_note}: the run will stop with an error at the cap"
        )


def _train_step(s: Session, idx: Any) -> float:
    import torch

    packed = s.packed
    s.ledger.before_step(int(packed.words[idx].sum()), int(packed.tokens[idx].sum()),
                         lang_bytes=packed.batch_bytes(idx))
    x = packed.input_ids[idx]
    mask = x != packed.pad_id
    labels = x.masked_fill(~mask, -100)
    loss = s.model(input_ids=x, attention_mask=mask.long(), labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(s.model.parameters(), 1.0)
    s.optim.step()
    s.sched.step()
    s.optim.zero_grad(set_to_none=True)
    return float(loss.detach())


def _epochs(s: Session, bar: Callable[[int, float, int], None], last_loss: list[float | None]) -> None:
    import torch

    opts = s.opts
    for epoch in range(s.start_epoch, opts.epochs):
        g = torch.Generator().manual_seed(opts.seed * 1000 + epoch)
        order = torch.randperm(len(s.packed), generator=g)
        first = s.start_batch if epoch == s.start_epoch else 0
        for b in range(first, len(order), opts.batch_size):
            loss_val = _train_step(s, order[b : b + opts.batch_size])
            last_loss[0] = loss_val
            due = s.ledger.after_step(loss=loss_val)
            if due:
                _save_state(s, due[-1], epoch, b + opts.batch_size)
            bar(s.ledger.words, loss_val, epoch)


def run_session(s: Session) -> TrainResult:
    """Train until the epochs are done or the exposure cap stops the run (raised unless stop_at_cap)."""
    opts, ledger, track = s.opts, s.ledger, s.track
    _warn_cap(s)
    status, message, last_loss = "completed", "", [None]
    try:
        with _Progress(opts.progress, track, min(track.exposure_cap, s.data_words * opts.epochs)) as bar:
            _epochs(s, bar, last_loss)
    except BabyLMError as exc:
        status = "stopped_at_cap" if isinstance(exc, ExposureCapError) else "failed"
        message = str(exc)
        ledger.close(status=status if status != "failed" else f"failed: {type(exc).__name__}")
        _finish_run_json(s, status, last_loss[0], message)
        if not (opts.stop_at_cap and status == "stopped_at_cap"):
            raise
    except BaseException as exc:
        ledger.close(status=f"failed: {type(exc).__name__}")
        _finish_run_json(s, "failed", last_loss[0], repr(exc))
        raise
    if status == "completed":
        ledger.close()
        _finish_run_json(s, status, last_loss[0], message)
    return TrainResult(
        run_dir=str(s.out), status=status, track=track.key, scale=str(track.scale), scaled=track.is_scaled,
        arch=opts.arch, n_params=s.n_params, data_words=s.data_words, words_seen=ledger.words,
        tokens_seen=ledger.tokens, steps=ledger.steps, train_flops=ledger.flops,
        checkpoints=list(ledger.checkpoints), wall_time_s=round(time.perf_counter() - s.t_start, 3),
        final_loss=last_loss[0], message=message,
    )


class _Progress:
    """A Rich progress bar of words seen against the planned total (on stderr; off when disabled)."""

    def __init__(self, enabled: bool, track: Track, planned: int) -> None:
        self.enabled = enabled and os.environ.get("BABYLM_NO_PROGRESS") is None
        self.track = track
        self.planned = planned
        self._p: Any = None
        self._last = 0.0

    def __enter__(self) -> Callable[[int, float, int], None]:
        if not self.enabled:
            return lambda *a: None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from babylm.output import err_console

        scaled = f" SCALED x{self.track.scale}" if self.track.is_scaled else ""
        err_console.print(
            f"training{scaled}: words seen count toward the exposure cap of {self.track.exposure_cap:,}; "
            f"checkpoints at {self.track.schedule[0]:,} .. {self.track.schedule[-1]:,} words"
        )
        self._p = Progress(
            TextColumn(f"[bold]train{scaled}"), BarColumn(bar_width=20),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f} words"),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
            console=err_console, transient=False,
        )
        self._p.__enter__()
        task = self._p.add_task("train", total=self.planned, info="")

        def update(words: int, loss: float, epoch: int) -> None:
            now = time.perf_counter()
            if now - self._last > 0.2 or words >= self.planned:
                self._last = now
                self._p.update(task, completed=words, info=f"ep {epoch + 1} loss {loss:.2f}")

        return update

    def __exit__(self, *exc: Any) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)
