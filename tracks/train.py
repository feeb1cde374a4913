"""The budgeted baseline trainer behind `babylm train`.

data files -> word count (refused over the track's budget) -> byte-level BPE tokenizer -> packed
fixed-length sequences, each carrying the number of words whose first token it holds -> a GPT-2 or
LLaMA-style model from a config -> a plain PyTorch loop under a `Ledger` (exposure cap, checkpoints).

Words per sequence: every line is split with `str.split()` (the canonical word rule) and tokenized as
pre-split words, so each token knows its word; lines are joined with `<|endoftext|>` before each one
and cut into `seq_len` windows (the last one padded). A window holds the words whose FIRST token lies
in it, so a word cut across two windows counts once, and one epoch sums to the corpus word count.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from babylm import __version__
from babylm.errors import BabyLMError
from babylm.tracks.ledger import Ledger, write_json_atomic
from babylm.tracks.rules import Track, get_track

RUN_FORMAT = "babylm.run/1"
DEFAULT_LR = {"gpt2-tiny": 3e-3, "llama-tiny": 3e-3, "gpt2-small": 6e-4}


@dataclass
class TrainOptions:
    data: list[Path]
    out: Path
    track: str = "strict-small"
    arch: str = "gpt2-tiny"
    scale: Fraction = Fraction(1)
    epochs: int = 10
    seq_len: int = 128
    batch_size: int = 16
    lr: float | None = None
    seed: int = 0
    vocab_size: int = 8000
    max_words: int | None = None
    log_every: int = 10
    progress: bool = True
    threads: int | None = None  # torch CPU threads; None leaves torch's default
    stop_at_cap: bool = False  # end normally (status stopped_at_cap) instead of raising at the cap


@dataclass
class TrainResult:
    run_dir: str
    status: str  # completed | stopped_at_cap
    track: str
    scale: str
    scaled: bool
    arch: str
    n_params: int
    data_words: int
    words_seen: int
    tokens_seen: int
    steps: int
    train_flops: float
    checkpoints: list[str]
    wall_time_s: float
    final_loss: float | None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PackedData:
    """Training sequences: input_ids [n, seq_len] (padded with pad_id), words and tokens per sequence."""

    input_ids: Any  # torch.LongTensor
    words: Any  # torch.LongTensor [n]
    tokens: Any  # torch.LongTensor [n]
    pad_id: int

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def to_dataset(self) -> Any:
        """A `datasets.Dataset` with input_ids, attention_mask, labels and the `words` column that
        `LedgerCallback` reads (pass remove_unused_columns=False and wrap the collator)."""
        from datasets import Dataset

        mask = (self.input_ids != self.pad_id).long()
        labels = self.input_ids.masked_fill(mask == 0, -100)
        return Dataset.from_dict({
            "input_ids": self.input_ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist(),
            "words": self.words.tolist(),
        })


# -- data ----------------------------------------------------------------------------------------
def resolve_data(paths: Sequence[str | Path]) -> list[Path]:
    """Files named, or every non-hidden file under a folder named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise BabyLMError(f"no files under {p}", hint="pass the folder that holds the training text")
            out.extend(found)
        else:
            raise BabyLMError(f"training data not found: {p}", hint="pass text files or folders with --data")
    if not out:
        raise BabyLMError("no training data given", hint="pass --data PATH (files or folders)")
    return out


def read_lines(files: Iterable[Path]) -> list[str]:
    """Non-empty lines of UTF-8 text files, in order."""
    lines: list[str] = []
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                lines.extend(line for line in fh if not line.isspace() and line)
        except UnicodeDecodeError as exc:
            raise BabyLMError(f"{f} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return lines


def take_words(lines: list[str], max_words: int) -> list[str]:
    """The first `max_words` words of `lines`, whole lines, the last one cut to fit exactly."""
    out: list[str] = []
    left = max_words
    for line in lines:
        if left <= 0:
            break
        words = line.split()
        if len(words) <= left:
            out.append(line)
            left -= len(words)
        else:
            out.append(" ".join(words[:left]) + "\n")
            left = 0
    return out


def encode_lines(tokenizer: Any, lines: Sequence[str], batch: int = 4096) -> tuple[Any, Any]:
    """(token ids, word-start flags) of the stream `<eos> line1 <eos> line2 ...` as numpy arrays."""
    import numpy as np

    backend = tokenizer.backend_tokenizer
    eos = tokenizer.eos_token_id
    id_chunks = []
    wid_chunks = []
    # numpy per batch of lines: a Python int list of a 10M-word corpus would take gigabytes
    for i in range(0, len(lines), batch):
        ids: list[int] = []
        wids: list[int] = []
        chunk = [line.split() for line in lines[i : i + batch]]
        for enc in backend.encode_batch(chunk, is_pretokenized=True, add_special_tokens=False):
            ids.append(eos)
            wids.append(-1)
            ids.extend(enc.ids)
            wids.extend(enc.word_ids)
        id_chunks.append(np.asarray(ids, dtype=np.int32))
        wid_chunks.append(np.asarray(wids, dtype=np.int32))
    all_ids = np.concatenate(id_chunks) if id_chunks else np.zeros(0, dtype=np.int32)
    w = np.concatenate(wid_chunks) if wid_chunks else np.zeros(0, dtype=np.int32)
    starts = np.empty(len(w), dtype=bool)
    if len(w):
        starts[0] = w[0] >= 0
        starts[1:] = (w[1:] >= 0) & (w[1:] != w[:-1])
    return all_ids.astype(np.int64), starts


def pack_sequences(ids: Any, starts: Any, seq_len: int, pad_id: int) -> PackedData:
    """Cut the stream into `seq_len` windows; each counts the words whose first token it holds."""
    import numpy as np
    import torch

    n = max(1, math.ceil(len(ids) / seq_len)) if len(ids) else 0
    total = n * seq_len
    grid = np.full(total, pad_id, dtype=np.int64)
    grid[: len(ids)] = ids
    flags = np.zeros(total, dtype=np.int64)
    flags[: len(starts)] = starts
    real = np.zeros(total, dtype=np.int64)
    real[: len(ids)] = 1
    return PackedData(
        input_ids=torch.from_numpy(grid.reshape(n, seq_len)),
        words=torch.from_numpy(flags.reshape(n, seq_len).sum(axis=1)),
        tokens=torch.from_numpy(real.reshape(n, seq_len).sum(axis=1)),
        pad_id=pad_id,
    )


# -- the run -------------------------------------------------------------------------------------
def parse_scale(text: str | Fraction | float) -> Fraction:
    try:
        s = Fraction(text) if not isinstance(text, float) else Fraction(text).limit_denominator(10**9)
    except (ValueError, ZeroDivisionError):
        raise BabyLMError(f"bad --scale {text!r}", hint="a fraction in (0, 1], e.g. 1/1000") from None
    if not 0 < s <= 1:
        raise BabyLMError(f"--scale must be in (0, 1], got {text}", hint="e.g. 1/1000")
    return s


def resolve_track(name: str, scale: Fraction) -> Track:
    from babylm.tracks.rules import UnknownTrackError

    try:
        track = get_track(name)
    except UnknownTrackError as exc:
        raise BabyLMError(str(exc), hint="`babylm tracks` lists them") from None
    return track.scaled(scale) if scale != 1 else track


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _write_manifest(files: list[Path], track: Track, out: Path, data_words: int) -> dict[str, Any]:
    """data_manifest.json of the training files, cross-checked against the trainer's own count."""
    from babylm.tracks.manifest import build_manifest, write_manifest

    manifest = build_manifest(files, track, root=out.parent)
    if manifest["total_words"] != data_words:
        raise BabyLMError(
            f"word counts disagree: manifest {manifest['total_words']:,}, trainer {data_words:,}",
            hint="this is a bug in babylm; please report it with the data",
        )
    write_manifest(manifest, out)
    return manifest


def _lr_lambda(total_steps: int, warmup: int):
    def f(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    return f


def train(opts: TrainOptions) -> TrainResult:
    """Run one budgeted training run into `opts.out` (raises ExposureCapError at the cap)."""
    import torch

    from babylm.tracks.model_configs import build_config, build_model, train_flops_per_token
    from babylm.tracks.tokenizer_train import train_tokenizer

    t_start = time.perf_counter()
    _quiet_transformers()
    if opts.threads:
        torch.set_num_threads(opts.threads)
    track = resolve_track(opts.track, opts.scale)
    if opts.epochs < 1 or opts.seq_len < 2 or opts.batch_size < 1:
        raise BabyLMError("--epochs and --batch-size must be >= 1 and --seq-len >= 2")
    out = Path(opts.out)
    if out.exists() and any(out.iterdir()):
        raise BabyLMError(f"output folder {out} is not empty", hint="pick a new --out folder")
    files = resolve_data(opts.data)
    lines = read_lines(files)
    if opts.max_words is not None:
        if opts.max_words < 1:
            raise BabyLMError("--max-words must be >= 1")
        lines = take_words(lines, opts.max_words)
    data_words = sum(len(line.split()) for line in lines)
    scaled_note = f" (SCALED x{track.scale})" if track.is_scaled else ""
    if data_words > track.word_budget:
        raise BabyLMError(
            f"the training data holds {data_words:,} words, over the {track.key} word budget of "
            f"{track.word_budget:,}{scaled_note}",
            hint="train on less data, or pass --max-words to use only the first N words",
        )
    if data_words == 0:
        raise BabyLMError("the training data holds no words", hint="pass non-empty UTF-8 text files")
    out.mkdir(parents=True, exist_ok=True)
    if opts.max_words is not None:
        # The manifest must describe what was trained on, so the subset is written out.
        subset = out / "data" / "train_subset.txt"
        subset.parent.mkdir(parents=True, exist_ok=True)
        subset.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
        files = [subset]
    manifest = _write_manifest(files, track, out / "data_manifest.json", data_words)

    torch.manual_seed(opts.seed)
    tokenizer = train_tokenizer(lines, vocab_size=opts.vocab_size)
    ids, starts = encode_lines(tokenizer, lines)
    packed = pack_sequences(ids, starts, opts.seq_len, tokenizer.pad_token_id)
    assert int(packed.words.sum()) == data_words, "word attribution must sum to the corpus count"
    config = build_config(
        opts.arch, vocab_size=len(tokenizer), seq_len=opts.seq_len, bos_id=tokenizer.bos_token_id,
        eos_id=tokenizer.eos_token_id, pad_id=tokenizer.pad_token_id,
    )
    model = build_model(config, opts.seed)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    flops_per_token, flops_method = train_flops_per_token(config, opts.seq_len)
    lr = opts.lr if opts.lr is not None else DEFAULT_LR.get(opts.arch, 1e-3)

    run_info: dict[str, Any] = {
        "format": RUN_FORMAT, "tool_version": __version__, "edition": track.edition, "track": track.name,
        "scale": str(track.scale), "scaled": track.is_scaled, "word_budget": track.word_budget,
        "exposure_cap": track.exposure_cap, "arch": opts.arch, "model_config": config.to_dict(),
        "n_params": n_params, "tokenizer": {"type": "byte-level-bpe", "vocab_size": len(tokenizer),
                                            "eos": tokenizer.eos_token, "pad": tokenizer.pad_token},
        "seed": opts.seed, "seq_len": opts.seq_len, "batch_size": opts.batch_size, "lr": lr,
        "epochs": opts.epochs, "max_words": opts.max_words, "data_words": data_words,
        "data_files": [str(Path(f).resolve()) for f in files], "sequences": len(packed), "tokens_per_epoch": int(packed.tokens.sum()),
        "flops_per_token": flops_per_token, "flops_method": flops_method, "status": "running", "created": _now(),
    }
    write_json_atomic(out / "run.json", run_info)

    ledger = Ledger(
        out, track, flops_per_token=flops_per_token, save_fn=_saver(model, tokenizer), log_every=opts.log_every,
        flops_method=flops_method,
        info={"arch": opts.arch, "n_params": n_params, "seq_len": opts.seq_len, "batch_size": opts.batch_size,
              "seed": opts.seed, "data_words": data_words, "data_manifest_total_words": manifest.get("total_words")},
    )
    optim, sched = _optimizer(model, lr, math.ceil(len(packed) / opts.batch_size) * opts.epochs)
    session = _Session(opts=opts, track=track, out=out, model=model, packed=packed, ledger=ledger, optim=optim,
                       sched=sched, run_info=run_info, data_words=data_words, n_params=n_params, t_start=t_start)
    return _loop(session)


@dataclass
class _Session:
    opts: TrainOptions
    track: Track
    out: Path
    model: Any
    packed: PackedData
    ledger: Ledger
    optim: Any
    sched: Any
    run_info: dict[str, Any]
    data_words: int
    n_params: int
    t_start: float
    start_epoch: int = 0
    start_batch: int = 0  # index into the epoch's order of the next sequence to train on


STATE_FILE = "train_state.pt"


def _saver(model: Any, tokenizer: Any):
    def save(name: str, folder: Path) -> None:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    return save


def _optimizer(model: Any, lr: float, total_steps: int) -> tuple[Any, Any]:
    import torch

    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(optim, _lr_lambda(total_steps, max(1, min(100, total_steps // 20))))
    return optim, sched


def _save_state(s: _Session, checkpoint: str, epoch: int, next_batch: int) -> None:
    """What resuming from `checkpoint` needs beyond its weights (atomic; outside the checkpoint
    folders, which are what gets submitted)."""
    import torch

    tmp = s.out / f".{STATE_FILE}.tmp"
    torch.save({"checkpoint": checkpoint, "epoch": epoch, "next_batch": next_batch,
                "optimizer": s.optim.state_dict(), "scheduler": s.sched.state_dict()}, tmp)
    os.replace(tmp, s.out / STATE_FILE)


def _loop(s: _Session) -> TrainResult:
    import torch

    opts, ledger, packed, model = s.opts, s.ledger, s.packed, s.model
    track, data_words = s.track, s.data_words
    planned = min(track.exposure_cap, data_words * opts.epochs)
    if data_words * opts.epochs > track.exposure_cap and opts.progress:
        from babylm.output import err_console

        scaled_note = f" (SCALED x{track.scale})" if track.is_scaled else ""
        err_console.print(
            f"[yellow]note:[/] {opts.epochs} epochs x {data_words:,} words exceed the exposure cap of "
            f"{track.exposure_cap:,}{scaled_note}: the run will stop with an error at the cap"
        )
    status, message, loss_val = "completed", "", None
    try:
        with _progress(opts.progress, track, planned) as bar:
            for epoch in range(s.start_epoch, opts.epochs):
                g = torch.Generator().manual_seed(opts.seed * 1000 + epoch)
                order = torch.randperm(len(packed), generator=g)
                first = s.start_batch if epoch == s.start_epoch else 0
                for b in range(first, len(order), opts.batch_size):
                    idx = order[b : b + opts.batch_size]
                    ledger.before_step(int(packed.words[idx].sum()), int(packed.tokens[idx].sum()))
                    x = packed.input_ids[idx]
                    mask = x != packed.pad_id
                    labels = x.masked_fill(~mask, -100)
                    loss = model(input_ids=x, attention_mask=mask.long(), labels=labels).loss
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    s.optim.step()
                    s.sched.step()
                    s.optim.zero_grad(set_to_none=True)
                    loss_val = float(loss.detach())
                    due = ledger.after_step(loss=loss_val)
                    if due:
                        _save_state(s, due[-1], epoch, b + opts.batch_size)
                    bar(ledger.words, loss_val, epoch)
    except BabyLMError as exc:
        from babylm.tracks.ledger import ExposureCapError

        status = "stopped_at_cap" if isinstance(exc, ExposureCapError) else "failed"
        message = str(exc)
        ledger.close(status=status if status != "failed" else f"failed: {type(exc).__name__}")
        _finish_run_json(s.out, s.run_info, status, ledger, loss_val, message)
        if not (opts.stop_at_cap and status == "stopped_at_cap"):
            raise
    except BaseException as exc:
        ledger.close(status=f"failed: {type(exc).__name__}")
        _finish_run_json(s.out, s.run_info, "failed", ledger, loss_val, repr(exc))
        raise
    if status == "completed":
        ledger.close()
        _finish_run_json(s.out, s.run_info, status, ledger, loss_val, message)
    return TrainResult(
        run_dir=str(s.out), status=status, track=track.key, scale=str(track.scale), scaled=track.is_scaled,
        arch=opts.arch, n_params=s.n_params, data_words=data_words, words_seen=ledger.words,
        tokens_seen=ledger.tokens, steps=ledger.steps, train_flops=ledger.flops,
        checkpoints=list(ledger.checkpoints), wall_time_s=round(time.perf_counter() - s.t_start, 3),
        final_loss=loss_val, message=message,
    )


def resume(run_dir: str | Path, *, progress: bool = True, threads: int | None = None,
           stop_at_cap: bool = False) -> TrainResult:
    """Continue a stopped run from its last checkpoint: same data, options and batch order.

    The model, tokenizer, optimizer and schedule come back as they were at that checkpoint; the
    ledger's counters go back to it too (a `resume` line records the discarded steps), so the
    words seen always describe the weights that are saved.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t_start = time.perf_counter()
    _quiet_transformers()
    if threads:
        torch.set_num_threads(threads)
    out = Path(run_dir)
    info = load_run_info(out)
    if info.get("status") in ("completed", "stopped_at_cap"):
        raise BabyLMError(f"{out} ended normally ({info['status']}); there is nothing to resume")
    state_path = out / STATE_FILE
    if not state_path.is_file():
        raise BabyLMError(f"cannot resume {out}: no {STATE_FILE} (the run saved no checkpoint yet)",
                          hint="start the run again in a new folder")
    state = torch.load(state_path, weights_only=True)
    name = state["checkpoint"]
    opts = TrainOptions(
        data=[Path(p) for p in info["data_files"]], out=out, track=info["track"], arch=info["arch"],
        scale=Fraction(info["scale"]), epochs=info["epochs"], seq_len=info["seq_len"],
        batch_size=info["batch_size"], lr=info["lr"], seed=info["seed"], max_words=info.get("max_words"),
        progress=progress, threads=threads, stop_at_cap=stop_at_cap,
    )
    track = resolve_track(f"{info['edition']}/{info['track']}", opts.scale)
    lines = read_lines(resolve_data(opts.data))
    if opts.max_words is not None:
        lines = take_words(lines, opts.max_words)
    data_words = sum(len(line.split()) for line in lines)
    if data_words != info["data_words"]:
        raise BabyLMError(f"cannot resume: the data now holds {data_words:,} words, the run had {info['data_words']:,}",
                          hint="the training files changed since the run started")
    tokenizer = AutoTokenizer.from_pretrained(out / name)
    model = AutoModelForCausalLM.from_pretrained(out / name)
    model.train()
    ids, starts = encode_lines(tokenizer, lines)
    packed = pack_sequences(ids, starts, opts.seq_len, tokenizer.pad_token_id)
    ledger = Ledger(out, track, flops_per_token=info["flops_per_token"], save_fn=_saver(model, tokenizer),
                    log_every=opts.log_every, flops_method=info["flops_method"], resume_from=name)
    optim, sched = _optimizer(model, opts.lr, math.ceil(len(packed) / opts.batch_size) * opts.epochs)
    optim.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    run_info = dict(info, status="running", resumed_from=[*info.get("resumed_from", []), name])
    write_json_atomic(out / "run.json", run_info)
    session = _Session(opts=opts, track=track, out=out, model=model, packed=packed, ledger=ledger, optim=optim,
                       sched=sched, run_info=run_info, data_words=data_words,
                       n_params=sum(p.numel() for p in model.parameters()), t_start=t_start,
                       start_epoch=state["epoch"], start_batch=state["next_batch"])
    return _loop(session)


def _quiet_transformers() -> None:
    """No per-checkpoint tqdm bars or config chatter from transformers: the ledger bar says it all."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _finish_run_json(out: Path, info: dict[str, Any], status: str, ledger: Ledger, loss: float | None,
                     message: str) -> None:
    info = dict(info, status=status, words_seen=ledger.words, tokens_seen=ledger.tokens, steps=ledger.steps,
                train_flops=ledger.flops, checkpoints=dict(ledger.checkpoints), final_loss=loss, message=message,
                finished=_now())
    write_json_atomic(out / "run.json", info)


class _progress:
    """A Rich progress bar of words seen against the planned total (on stderr; off when disabled)."""

    def __init__(self, enabled: bool, track: Track, planned: int) -> None:
        self.enabled = enabled and os.environ.get("BABYLM_NO_PROGRESS") is None
        self.track = track
        self.planned = planned
        self._p: Any = None
        self._last = 0.0

    def __enter__(self):
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


def load_run_info(run_dir: str | Path) -> dict[str, Any]:
    p = Path(run_dir) / "run.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BabyLMError(f"cannot read {p}: {exc}") from None
