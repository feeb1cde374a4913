"""The training ledger: words seen, tokens, steps and FLOPs; checkpoints at the track's schedule.

One `Ledger` per run folder. The training loop tells it, before each batch, how many words and tokens
the batch holds (`before_step`): the ledger refuses a batch that would take words seen (repeats
counted) past the track's exposure cap by raising `ExposureCapError`, before the batch is trained on.
After the step (`after_step`) it updates the counters and saves every checkpoint now due through
`save_fn(name, folder)`, then adds `babylm_checkpoint.json` and moves the folder into place
(`RUN/chck_{N}M`), so a crash never leaves a half-written checkpoint under its final name.

Every event is one line of `ledger.jsonl`, chained to the previous line by its hash (format in
docs/formats.md); `verify_ledger` recomputes the chain. The chain makes an edit of one line
detectable; it is not a signature: whoever rewrites every later hash too can forge a ledger.

`LedgerCallback` wraps a Ledger for a transformers `Trainer` (see its docstring for the `words` column).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from babylm import __version__
from babylm.errors import BabyLMError
from babylm.tracks.rules import Track

FORMAT = "babylm.ledger/1"
CHECKPOINT_FORMAT = "babylm.checkpoint/1"
LEDGER_FILE = "ledger.jsonl"
CHECKPOINT_META = "babylm_checkpoint.json"
ZERO_HASH = "0" * 64

SaveFn = Callable[[str, Path], None]


class ExposureCapError(BabyLMError):
    """The next batch would take words seen past the track's exposure cap; nothing was trained on it."""

    def __init__(self, message: str, hint: str | None, *, cap: int, words_seen: int, next_words: int) -> None:
        super().__init__(message, hint)
        self.cap = cap
        self.words_seen = words_seen
        self.next_words = next_words


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def line_hash(obj: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a ledger line without its `hash` field."""
    body = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def scale_str(track: Track) -> str:
    return str(track.scale)


def _scaled_note(track: Track) -> str:
    return f" (SCALED x{track.scale})" if track.is_scaled else ""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_json_atomic(
    path: Path,
    data: Any,
    *,
    indent: int = 2,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = str,
    trailing_newline: bool = True,
    fsync: bool = True,
    mode: int = 0o666,
) -> None:
    """Write JSON through a temporary file in the same folder and a rename, so readers never see half a
    file; the temporary file is removed if writing fails. `default` serialises what JSON cannot (None:
    such data raises TypeError); `mode`: the file's permissions before the umask (0o600: private)."""
    import secrets

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=indent, sort_keys=sort_keys, default=default)
            if trailing_newline:
                f.write("\n")
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
    flops method, ...).
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
        self._t0 = time.perf_counter()
        if resume_from is not None:
            self._resume(resume_from, info or {})
            return
        self._file = open(self.path, "x", encoding="utf-8")  # noqa: SIM115 - held for the run
        self._write(
            "start",
            format=FORMAT,
            tool_version=__version__,
            edition=track.edition,
            track=track.name,
            scale=scale_str(track),
            scaled=track.is_scaled,
            word_budget=track.word_budget,
            exposure_cap=track.exposure_cap,
            schedule=dict(self._milestones),
            flops_per_token=self.flops_per_token,
            flops_method=flops_method,
            log_every=self.log_every,
            **(info or {}),
        )

    def _resume(self, name: str, info: dict[str, Any]) -> None:
        """Continue a ledger from its last checkpoint: counters go back to that checkpoint (the
        model restarts from its weights), and a `resume` line records what was discarded."""
        rep = verify_ledger(self.path)
        if not rep.ok:
            raise BabyLMError(f"cannot resume: the ledger does not verify ({rep.errors[0]})")
        if (rep.edition, rep.track, rep.scale) != (self.track.edition, self.track.name, scale_str(self.track)):
            raise BabyLMError(
                f"cannot resume: the ledger is for {rep.edition}/{rep.track} x{rep.scale}, not {self.track.key} "
                f"x{scale_str(self.track)}"
            )
        last_ckpt: dict[str, Any] | None = None
        last: dict[str, Any] = {}
        with open(self.path, encoding="utf-8") as f:
            for raw in f:
                last = json.loads(raw)
                if last["event"] == "checkpoint":
                    last_ckpt = last
        if last_ckpt is None or last_ckpt["name"] != name:
            have = last_ckpt["name"] if last_ckpt else "none"
            raise BabyLMError(f"cannot resume from {name}: the ledger's last checkpoint is {have}")
        self.words, self.tokens = last_ckpt["words_seen"], last_ckpt["tokens"]
        self.steps, self.flops = last_ckpt["steps"], float(last_ckpt["flops"])
        self.checkpoints = dict(rep.checkpoints)
        self._next = [n for n, _ in self._milestones].index(name) + 1
        self._logged = (self.words, self.tokens, self.steps)
        self._seq = last["seq"] + 1
        self._prev = last["hash"]
        self._t0 = time.perf_counter() - float(last_ckpt.get("wall_time_s", 0.0))
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held for the run
        self._write(
            "resume",
            from_checkpoint=name,
            **self._totals(),
            discarded_words=rep.words - self.words,
            discarded_steps=rep.steps - self.steps,
            **info,
        )

    # -- writing -------------------------------------------------------------------------------
    def _write(self, event: str, **fields: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {"seq": self._seq, "event": event, "time": _now(), "prev": self._prev}
        obj.update(fields)
        obj["hash"] = line_hash(obj)
        self._file.write(json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n")
        self._file.flush()
        self._seq += 1
        self._prev = obj["hash"]
        return obj

    def _totals(self) -> dict[str, Any]:
        """The running counters as ledger-line fields (resume, step and end lines carry them)."""
        return {"words": self.words, "tokens": self.tokens, "steps": self.steps, "flops": self.flops}

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
            **self._step_extra,
        )
        self._logged = (self.words, self.tokens, self.steps)

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
    def before_step(self, words: int, tokens: int) -> None:
        """Announce the next batch; raises ExposureCapError (and closes the ledger) if it would cross the cap."""
        if self._closed:
            raise RuntimeError("ledger is closed")
        words, tokens = int(words), int(tokens)
        if words < 0 or tokens < 0:
            raise ValueError("words and tokens must be >= 0")
        cap = self.track.exposure_cap
        if self.words + words > cap:
            self._write_step()
            self._write("cap", cap=cap, words_seen=self.words, next_batch_words=words)
            self.close(status="stopped_at_cap")
            raise ExposureCapError(
                f"exposure cap of {cap:,} words{_scaled_note(self.track)} on {self.track.key} reached: "
                f"{self.words:,} words seen, the next batch holds {words:,} more",
                hint=f"train fewer epochs; the ledger ({self.path}) and the {len(self.checkpoints)} "
                "checkpoints written so far are intact",
                cap=cap,
                words_seen=self.words,
                next_words=words,
            )
        self._pending = (words, tokens)

    def after_step(
        self,
        words: int | None = None,
        tokens: int | None = None,
        *,
        flops: float | None = None,
        loss: float | None = None,
    ) -> list[str]:
        """Count the step announced by before_step (or, without it, `words`/`tokens` now, cap checked).

        Saves every checkpoint due and returns their names (usually none, sometimes one).
        """
        if self._pending is None:
            if words is None or tokens is None:
                raise ValueError("after_step without before_step needs words and tokens")
            self.before_step(words, tokens)
        assert self._pending is not None
        w, t = self._pending
        self._pending = None
        self.words += w
        self.tokens += t
        self.steps += 1
        self.flops += self.flops_per_token * t if flops is None else float(flops)
        self._step_extra = {} if loss is None else {"loss": round(float(loss), 6)}
        due: list[tuple[str, int]] = []
        while self._next < len(self._milestones) and self.words >= self._milestones[self._next][1]:
            due.append(self._milestones[self._next])
            self._next += 1
        if due:
            self._write_step()
            for name, milestone in due:
                self._save_checkpoint(name, milestone)
        elif self.steps % self.log_every == 0:
            self._write_step()
        return [name for name, _ in due]

    def _save_checkpoint(self, name: str, nominal_scaled: int) -> None:
        final = self.run_dir / name
        if final.exists():
            raise BabyLMError(f"checkpoint folder {final} already exists", hint="train into a new --out folder")
        tmp = self.run_dir / f".{name}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        if self.save_fn is not None:
            self.save_fn(name, tmp)
        files = {p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        from babylm.tracks.rules import parse_checkpoint_name

        event = self._write(
            "checkpoint",
            name=name,
            words_seen=self.words,
            milestone=nominal_scaled,
            tokens=self.tokens,
            steps=self.steps,
            flops=self.flops,
            wall_time_s=round(self.wall_time_s, 3),
            path=name,
            files=files,
        )
        self._sync()
        meta = {
            "format": CHECKPOINT_FORMAT,
            "name": name,
            "edition": self.track.edition,
            "track": self.track.name,
            "scale": scale_str(self.track),
            "scaled": self.track.is_scaled,
            "nominal_words": parse_checkpoint_name(name),
            "milestone_words": nominal_scaled,
            "words_seen": self.words,
            "tokens_seen": self.tokens,
            "steps": self.steps,
            "train_flops": self.flops,
            "flops_method": self.flops_method,
            "wall_time_s": round(self.wall_time_s, 3),
            "ledger_seq": event["seq"],
            "ledger_hash": event["hash"],
        }
        write_json_atomic(tmp / CHECKPOINT_META, meta)
        os.replace(tmp, final)
        self.checkpoints[name] = self.words

    def close(self, status: str = "completed") -> None:
        """Write the `end` line (final counters) and close the file. Idempotent."""
        if self._closed:
            return
        self._write_step()
        self._write(
            "end",
            status=status,
            **self._totals(),
            checkpoints=dict(self.checkpoints),
            wall_time_s=round(self.wall_time_s, 3),
        )
        self._sync()
        self._file.close()
        self._closed = True

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close(status="completed" if exc_type is None else f"failed: {exc_type.__name__}")


# -- verification ------------------------------------------------------------------------------
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _resolve_ledger_path(path: str | Path) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / LEDGER_FILE
    if not p.is_file():
        raise BabyLMError(f"no ledger at {path}", hint=f"pass a run folder or its {LEDGER_FILE}")
    return p


def verify_ledger(
    path: str | Path, check_checkpoints: bool = True, checkpoint_root: str | Path | None = None
) -> LedgerReport:
    """Recompute the hash chain and the counters of a ledger.jsonl (or a run folder holding one).

    With `check_checkpoints`, each checkpoint folder found (under `checkpoint_root`, by default the
    ledger's folder) must carry metadata that matches its ledger line and files whose sha256 match;
    a missing folder is a warning only.
    """
    p = _resolve_ledger_path(path)
    rep = LedgerReport(path=str(p))
    prev = ZERO_HASH
    schedule: dict[str, int] = {}
    cum = {"words": 0, "tokens": 0, "steps": 0}
    ckpt_lines: list[dict[str, Any]] = []
    ckpt_state: dict[str, dict[str, Any]] = {}

    def fail(n: int, msg: str) -> LedgerReport:
        rep.ok = False
        rep.errors.append(f"line {n}: {msg}")
        return rep

    with open(p, encoding="utf-8") as f:
        for n, raw in enumerate(f, start=1):
            if not raw.strip():
                return fail(n, "empty line")
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                return fail(n, f"not valid JSON ({exc.msg})")
            if not isinstance(obj, dict):
                return fail(n, "not a JSON object")
            if rep.complete and obj.get("event") != "resume":
                return fail(n, "line after the `end` line (only a `resume` line may follow it)")
            if obj.get("seq") != n - 1:
                return fail(n, f"seq is {obj.get('seq')!r}, expected {n - 1}")
            if obj.get("prev") != prev:
                return fail(n, "prev does not match the hash of the line before (a line was changed, added or removed)")
            if obj.get("hash") != line_hash(obj):
                return fail(n, "hash does not match the line's content (the line was edited)")
            prev = obj["hash"]
            rep.lines = n
            ev = obj.get("event")
            if n == 1:
                if ev != "start":
                    return fail(n, "the first line must be the `start` event")
                if obj.get("format") != FORMAT:
                    return fail(n, f"unknown format {obj.get('format')!r} (this tool reads {FORMAT})")
                rep.track = str(obj.get("track", ""))
                rep.edition = obj.get("edition")
                rep.scale = str(obj.get("scale", ""))
                rep.exposure_cap = obj.get("exposure_cap")
                rep.word_budget = obj.get("word_budget")
                schedule = dict(obj.get("schedule") or {})
                continue
            if ev == "step":
                for k in ("words", "tokens", "steps"):
                    d = obj.get(f"d_{k}", 0)
                    if not isinstance(d, int) or d < 0:
                        return fail(n, f"d_{k} must be a count >= 0, got {d!r}")
                    if obj.get(k) != cum[k] + d:
                        return fail(n, f"{k} {obj.get(k)} != previous {cum[k]} + d_{k} {obj.get(f'd_{k}')}")
                    cum[k] = obj[k]
                rep.words, rep.tokens, rep.steps = cum["words"], cum["tokens"], cum["steps"]
                flops = float(obj.get("flops", 0.0))
                if flops < rep.flops:
                    return fail(n, f"flops went down from {rep.flops:g} to {flops:g}")
                rep.flops = flops
            elif ev == "checkpoint":
                name = obj.get("name")
                if name not in schedule:
                    return fail(n, f"checkpoint {name!r} is not in the schedule")
                if name in rep.checkpoints:
                    return fail(n, f"checkpoint {name} recorded twice")
                if obj.get("words_seen") != cum["words"]:
                    return fail(n, f"checkpoint {name} words_seen {obj.get('words_seen')} != counted {cum['words']}")
                if cum["words"] < schedule[name]:
                    return fail(n, f"checkpoint {name} saved at {cum['words']:,} words, before its milestone {schedule[name]:,}")
                rep.checkpoints[name] = cum["words"]
                ckpt_lines.append(obj)
                ckpt_state[name] = {**cum, "flops": float(obj.get("flops", 0.0))}
            elif ev == "resume":
                name = obj.get("from_checkpoint")
                last_name = ckpt_lines[-1]["name"] if ckpt_lines else None
                if name is None or name != last_name:
                    return fail(n, f"resume from {name!r}, but the last checkpoint is {last_name!r}")
                state = ckpt_state[name]
                for k in ("words", "tokens", "steps"):
                    if obj.get(k) != state[k]:
                        return fail(n, f"resume {k} {obj.get(k)} != checkpoint {name}'s {state[k]}")
                cum = {k: state[k] for k in ("words", "tokens", "steps")}
                rep.words, rep.tokens, rep.steps, rep.flops = cum["words"], cum["tokens"], cum["steps"], state["flops"]
                rep.complete, rep.stopped_at_cap, rep.status = False, False, ""
                rep.resumes += 1
            elif ev == "cap":
                rep.stopped_at_cap = True
            elif ev == "end":
                for k in ("words", "tokens", "steps"):
                    if obj.get(k) != cum[k]:
                        return fail(n, f"end {k} {obj.get(k)} != counted {cum[k]}")
                rep.complete = True
                rep.status = str(obj.get("status", ""))
            else:
                return fail(n, f"unknown event {ev!r}")
    if rep.lines == 0:
        rep.ok = False
        rep.errors.append(f"{p} is empty")
        return rep
    if rep.exposure_cap is not None and rep.words > rep.exposure_cap:
        rep.cap_exceeded = True
    if not rep.complete:
        rep.warnings.append("no `end` line: the run is still going or crashed")
    if check_checkpoints:
        root = Path(checkpoint_root) if checkpoint_root is not None else p.parent
        for obj in ckpt_lines:
            _check_checkpoint_folder(root, obj, rep)
    return rep


def _check_checkpoint_folder(run_dir: Path, line: dict[str, Any], rep: LedgerReport) -> None:
    name = line["name"]
    folder = run_dir / str(line.get("path", name))
    if not folder.is_dir():
        rep.warnings.append(f"checkpoint folder {folder} not found (not checked)")
        return
    meta_path = folder / CHECKPOINT_META
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        rep.ok = False
        rep.errors.append(f"{meta_path}: unreadable ({exc})")
        return
    if meta.get("ledger_hash") != line["hash"] or meta.get("words_seen") != line["words_seen"]:
        rep.ok = False
        rep.errors.append(f"{meta_path}: words_seen/ledger_hash do not match ledger line {line['seq'] + 1}")
    for fname, digest in (line.get("files") or {}).items():
        fp = folder / fname
        if not fp.is_file():
            rep.ok = False
            rep.errors.append(f"{fp}: listed in the ledger but missing")
        elif file_sha256(fp) != digest:
            rep.ok = False
            rep.errors.append(f"{fp}: sha256 differs from the ledger (file changed after the checkpoint)")


# -- transformers Trainer ----------------------------------------------------------------------
def _trainer_callback_base() -> type:
    from transformers import TrainerCallback

    return TrainerCallback


def __getattr__(name: str) -> Any:  # PEP 562: build LedgerCallback on first use
    if name == "LedgerCallback":
        cls = _make_callback_class()
        globals()["LedgerCallback"] = cls
        return cls
    raise AttributeError(name)


def _make_callback_class() -> type:
    base = _trainer_callback_base()

    class LedgerCallback(base):  # type: ignore[misc, valid-type]
        """Runs a Ledger inside a transformers `Trainer`.

        Words per batch come from a `words` column: give every training example an integer `words`
        (the words whose first token it holds: `babylm.tracks.train.pack_sequences(...).to_dataset()`
        builds such a dataset), pass
        `TrainingArguments(remove_unused_columns=False, dataloader_num_workers=0)`, and wrap the data
        collator with `callback.wrap_collator(collator)`. The wrapper removes `words` from each example
        before collating and queues the batch's words and tokens (non-padding positions); the callback
        announces each optimizer step's micro-batches to the ledger in `on_step_begin` (so a batch that
        would cross the exposure cap raises ExposureCapError before it is trained on) and counts them in
        `on_step_end`, saving due checkpoints with the Trainer's model and tokenizer.
        """

        def __init__(self, ledger: Ledger) -> None:
            self.ledger = ledger
            self._queue: deque[tuple[int, int]] = deque()
            self._step: tuple[int, int] | None = None
            self._model: Any = None
            self._tokenizer: Any = None
            if ledger.save_fn is None:
                ledger.save_fn = self._save

        def wrap_collator(self, collator: Callable[[list[dict[str, Any]]], Any]) -> Callable[[list[dict[str, Any]]], Any]:
            def collate(features: list[dict[str, Any]]) -> Any:
                words = 0
                stripped = []
                for feat in features:
                    if "words" not in feat:
                        raise BabyLMError(
                            "a training example has no `words` column",
                            hint="give every example its word count and set remove_unused_columns=False",
                        )
                    feat = dict(feat)
                    words += int(feat.pop("words"))
                    stripped.append(feat)
                batch = collator(stripped)
                mask = batch.get("attention_mask") if hasattr(batch, "get") else None
                tokens = int(mask.sum()) if mask is not None else int(batch["input_ids"].numel())
                self._queue.append((words, tokens))
                return batch

            return collate

        def _save(self, name: str, folder: Path) -> None:
            if self._model is None:
                raise RuntimeError("LedgerCallback has no model to save")
            self._model.save_pretrained(folder)
            if self._tokenizer is not None:
                self._tokenizer.save_pretrained(folder)

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if getattr(args, "dataloader_num_workers", 0):
                raise BabyLMError(
                    "LedgerCallback needs dataloader_num_workers=0",
                    hint="batches are counted in the collator, which must run in the training process",
                )
            self._model = kwargs.get("model")
            self._tokenizer = kwargs.get("processing_class") or kwargs.get("tokenizer")

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            # The Trainer fetches a step's micro-batches before on_step_begin; the loader may have
            # prefetched one more, which exists only when this step is a full one.
            n = min(args.gradient_accumulation_steps, len(self._queue))
            words = tokens = 0
            for _ in range(n):
                w, t = self._queue.popleft()
                words += w
                tokens += t
            self._step = (words, tokens)
            self.ledger.before_step(words, tokens)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._model = kwargs.get("model", self._model)
            self.ledger.after_step()

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.ledger.close()

    return LedgerCallback
