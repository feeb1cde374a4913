"""The round driver: deploy -> decode -> aggregate -> train -> evaluate, resumable at every step.

Contract (protocols and the GAMES helper build on it):

- `RunContext`: what a protocol gets: `run_dir`, `run_id`, `track`, `teacher` (or None), `seed`,
  `variant`, `options`, `n_rounds`, `device`, `ledger` (InteractionLedger), `log` (EpisodeLog).
- `InteractionProtocol` (ABC), built by a factory `factory(run: RunContext, **options)`:
    - `deploy(round) -> list`: play episodes with the current policy, log every turn to `run.log` and
      charge every string the student sees to `run.ledger` (returns the episodes, or their ids);
    - `decode(round) -> None`: retrospective decoding of feedback (default: nothing);
    - `aggregate(round) -> JSON-able data`: training data from all rounds up to this one; the driver
      writes it to RUN/rounds/<r>/data.json so `train` can resume from it;
    - `train(round, data) -> None`: update the policy; it must persist the policy before returning
      (`policy_dir(round)` is the place) and call `run.ledger.seen(words)` for words trained on;
    - `evaluate(round) -> dict`: metrics; `metrics[primary_metric]` goes to summary.json under
      `variant`, or return {"variants": {variant: value}} to report several variants at once;
    - `on_resume(round, step)`: reload the policy after a restart (`step` is the last completed step
      of `round`, or None when the run starts fresh);
    - `save_checkpoint(name, words_seen)`: called by the ledger at schedule milestones (optional);
    - optional hooks: `checkpoint_state() -> dict` (saved in state.json at every step boundary),
      `restore_state(dict | None)` (called before `on_resume` with what was saved at the boundary the
      run resumes from), `on_finish(status)` (end of an invocation: "completed" or
      "stopped_at_<cap>"); lm_student.py uses them to keep a resumable training ledger.
- `open_run(run_dir, protocol=..., track=..., teacher=..., ...)` creates the folder, writes (or checks
  against) RUN/interaction.json, checks the teacher against the track's allow-list, and opens ledger and
  log. Every charge must be logged in a turn line with its ledger deltas, so that the log's per-source
  sums equal the ledger (`babylm interact verify RUN` checks this).
- `RoundDriver(protocol, run_dir, n_rounds).run()` persists RUN/state.json atomically after each step:
  the last completed (round, step), the episode log's size and a ledger snapshot. A crash in any step
  resumes at that step: the episode log is cut back and the ledger rolled back to the last boundary.
  A `BudgetExceededError` stops the run cleanly (log flushed, checkpoints kept, state marked stopped).
- Each round's metrics go to RUN/metrics.jsonl; RUN/summary.json holds {"variants": {variant: [metric
  per round]}} for plots and the leaderboard (format in docs/formats.md).
- `class P(InteractionProtocol, protocol="p", metric="m", options=POptions)` registers P on import (or
  `register_protocol(name, factory)`); `get_protocol(name)` imports
  `babylm.tracks.interaction.protocols.<name>` lazily. Options are checked by `options_model` (options.py).
- Rounds are numbered from 0.
"""

from __future__ import annotations

import importlib
import json
import math
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import atomic_write_text, dump_json, read_json
from babylm.tracks.interaction.accounting.episodes import EpisodeLog
from babylm.tracks.interaction.accounting.formats import (
    InteractionRun,
    InteractionSummary,
    read_format,
    write_private_json,
)
from babylm.tracks.interaction.accounting.word_ledger import BudgetExceededError, InteractionLedger
from babylm.tracks.interaction.protocols import protocol_modules
from babylm.tracks.interaction.teachers import Teacher, check_teacher_allowed
from babylm.tracks.rules import Track

STEPS: tuple[str, ...] = ("deploy", "decode", "aggregate", "train", "evaluate")
STATE_FORMAT = "babylm.interaction_state/1"
RUN_FILE = "interaction.json"  # run.json is left to the training-run format (babylm.run/1)
EPISODES_FILE = "episodes.jsonl"


@dataclass
class RunContext:
    run_dir: Path
    run_id: str
    track: Track
    teacher: Teacher | None
    seed: int
    ledger: InteractionLedger
    log: EpisodeLog
    variant: str = "default"
    options: dict[str, Any] = field(default_factory=dict)
    n_rounds: int = 1  # rounds asked for in this invocation (protocols slice their corpus by it)
    device: str = "cpu"  # where the student runs; not part of the run's identity (resume elsewhere is fine)

    def policy_dir(self, round_: int) -> Path:
        """Where the policy trained in `round_` lives (RUN/rounds/<r>/policy)."""
        return self.run_dir / "rounds" / str(round_) / "policy"


class InteractionProtocol(ABC):
    """One interaction protocol; see the module docstring for the contract."""

    name: str = "protocol"
    primary_metric: str = "success"

    def __init_subclass__(cls, *, protocol: str | None = None, metric: str | None = None,
                          options: type | None = None, **kwargs: Any) -> None:
        """`class P(Base, protocol="p", metric="m", options=POptions)` names, describes and registers P."""
        super().__init_subclass__(**kwargs)
        if metric is not None:
            cls.primary_metric = metric
        if options is not None:
            cls.options_model = options  # type: ignore[attr-defined]
        if protocol is not None:
            cls.name = protocol
            register_protocol(protocol, cls)

    def __init__(self, run: RunContext) -> None:
        self.run = run

    @property
    def variant(self) -> str:
        return self.run.variant

    @abstractmethod
    def deploy(self, round_: int) -> list[Any]: ...

    def decode(self, round_: int) -> None:  # noqa: B027 - optional step
        """Retrospective decoding of this round's feedback (default: nothing to decode)."""

    @abstractmethod
    def aggregate(self, round_: int) -> Any: ...

    @abstractmethod
    def train(self, round_: int, data: Any) -> None: ...

    @abstractmethod
    def evaluate(self, round_: int) -> dict[str, Any]: ...

    def on_resume(self, round_: int, step: str | None) -> None:  # noqa: B027 - optional hook
        """Reload state after a restart; `step` = last completed step of `round_` (None: fresh run)."""


ProtocolFactory = Callable[..., InteractionProtocol]
_PROTOCOLS: dict[str, ProtocolFactory] = {}


def register_protocol(name: str, factory: ProtocolFactory) -> ProtocolFactory:
    """Register `factory(run: RunContext, **options) -> InteractionProtocol` under `name` (usually the
    protocol class; its `options_model` then lists the options)."""
    _PROTOCOLS[name] = factory
    return factory


def known_protocols() -> list[str]:
    """Registered names plus the protocol modules of this package."""
    return sorted(set(_PROTOCOLS) | set(protocol_modules()))


def get_protocol(name: str) -> ProtocolFactory:
    """The factory for `name`, importing babylm.tracks.interaction.protocols.<name> on first use."""
    if name not in _PROTOCOLS:
        mod = f"babylm.tracks.interaction.protocols.{name}"
        if name in protocol_modules():  # a file check, so an ImportError inside a protocol is not hidden
            importlib.import_module(mod)
        if name not in _PROTOCOLS:
            raise BabyLMError(
                f"unknown interaction protocol {name!r}", hint=f"known: {', '.join(known_protocols()) or 'none'}"
            )
    return _PROTOCOLS[name]


def open_run(
    run_dir: str | Path,
    *,
    protocol: str,
    track: Track,
    teacher: Teacher | None,
    seed: int = 0,
    variant: str = "default",
    rewards_as_words: bool = False,
    options: dict[str, Any] | None = None,
    n_rounds: int = 1,
    device: str = "cpu",
) -> RunContext:
    """Create (or reopen, checking it matches) an interaction run folder and its ledger and log."""
    run_dir = Path(run_dir)
    options = dict(options or {})
    if teacher is not None:
        check_teacher_allowed(teacher.model_id, track, teacher.n_params)
    ident = {
        "protocol": protocol,
        "track": track.key,
        "scale": str(track.scale),
        "teacher": None if teacher is None else teacher.model_id,
        "seed": seed,
        "variant": variant,
        "rewards_as_words": rewards_as_words,
        "options": options,
    }
    run_json = run_dir / RUN_FILE
    if run_json.is_file():
        old = InteractionRun.read(run_json)
        before = old.identity()
        diff = [k for k, v in ident.items() if dump_json(before.get(k), sort_keys=True) != dump_json(v, sort_keys=True)]
        if diff:
            raise BabyLMError(
                f"{run_dir} holds a different interaction run ({', '.join(diff)} differ)",
                hint="resume with the same settings or pass a new --out folder",
            )
        run_id = old.run_id
    else:
        if run_dir.is_dir() and any(run_dir.iterdir()):
            # never start over inside someone else's folder (a training run's ledger and checkpoints)
            raise BabyLMError(f"{run_dir} is not empty and holds no interaction run",
                              hint="pass a new or empty --out folder")
        run_dir.mkdir(parents=True, exist_ok=True)
        run_id = f"{protocol}-{secrets.token_hex(4)}"
        InteractionRun(run_id=run_id, **ident).write(run_json)
    ledger = InteractionLedger(track, run_dir, rewards_as_words=rewards_as_words)
    log = EpisodeLog(run_dir / EPISODES_FILE, run=run_id)
    return RunContext(run_dir, run_id, track, teacher, seed, ledger, log, variant, options, n_rounds, device)


class RoundDriver:
    """Runs `n_rounds` rounds of a protocol, persisting progress after every step."""

    def __init__(self, protocol: InteractionProtocol, run_dir: str | Path, n_rounds: int, *, progress: bool = True) -> None:
        if n_rounds < 1:
            raise BabyLMError(f"--rounds must be at least 1, got {n_rounds}")
        self.protocol = protocol
        self.ctx = protocol.run
        self.run_dir = Path(run_dir)
        self.n_rounds = n_rounds
        self.progress = progress
        self.state_path = self.run_dir / "state.json"
        saver = getattr(protocol, "save_checkpoint", None)
        if saver is not None:
            self.ctx.ledger.on_checkpoint = saver

    # ------------------------------------------------------------------ state
    def _load_state(self) -> dict[str, Any]:
        if not self.state_path.is_file():
            return {"format": STATE_FORMAT, "protocol": self.protocol.name, "last": None, "log_size": 0,
                    "ledger": None, "metrics": [], "stopped": None}
        return read_format(self.state_path, STATE_FORMAT, "interaction state")

    def _save_state(self, state: dict[str, Any], event: str = "step") -> None:
        self.ctx.log.flush()
        hook = getattr(self.protocol, "checkpoint_state", None)
        if hook is not None:
            state["protocol_state"] = hook()
        last = state.get("last") or [None, None]
        self.ctx.ledger.mark(event, round=last[0], step=last[1], stopped=state.get("stopped"))
        self.ctx.ledger.save(fsync=True)
        state["log_size"] = self.ctx.log.size()
        state["ledger"] = self.ctx.ledger.snapshot()
        write_private_json(self.state_path, state)

    def _write_outputs(self, state: dict[str, Any]) -> None:
        lines = "".join(json.dumps(m, sort_keys=True, allow_nan=False) + "\n" for m in state["metrics"])
        atomic_write_text(self.run_dir / "metrics.jsonl", lines)
        variants: dict[str, list[float | None]] = {}
        for m in state["metrics"]:
            per = m.get("variants") or {self.protocol.variant: m.get(self.protocol.primary_metric)}
            for v, val in per.items():
                variants.setdefault(v, []).append(val)
        InteractionSummary(
            protocol=self.protocol.name, run_id=self.ctx.run_id, track=self.ctx.track.key,
            metric=self.protocol.primary_metric, rounds=len(state["metrics"]), variants=variants,
            ledger=self.ctx.ledger.totals(),
        ).write(self.run_dir / "summary.json")

    # ------------------------------------------------------------------ run
    def _todo(self, last: tuple[int, str] | None) -> list[tuple[int, str]]:
        todo = [(r, s) for r in range(self.n_rounds) for s in STEPS]
        if last is None:
            return todo
        return todo[todo.index(tuple(last)) + 1 :] if tuple(last) in todo else []

    def run(self) -> dict[str, Any]:
        """Run (or resume) all rounds; returns the summary. Raises BudgetExceededError on a budget stop."""
        state = self._load_state()
        if state.get("stopped"):
            st = state["stopped"]
            raise BabyLMError(
                f"this run stopped at round {st['round']} ({st['step']}): {st['reason']}",
                hint="start a new run in another --out folder",
            )
        last = tuple(state["last"]) if state["last"] else None
        if state["ledger"] is not None:  # roll back whatever a crashed step did
            self.ctx.log.truncate(state["log_size"])
            self.ctx.ledger.restore(state["ledger"])
        elif self.ctx.log.size() or any(self.ctx.ledger.counts.values()):
            self.ctx.log.truncate(0)  # crashed inside the very first step
            self.ctx.ledger.reset()
        if last is not None:
            self.ctx.ledger.mark("resume", round=last[0], step=last[1])
        restore = getattr(self.protocol, "restore_state", None)
        if restore is not None:
            restore(state.get("protocol_state"))
        self.protocol.on_resume(last[0] if last else 0, last[1] if last else None)
        todo = self._todo(last)
        finish = getattr(self.protocol, "on_finish", None)
        try:
            self._run_steps(todo, state)
        except BudgetExceededError as exc:
            if finish is not None:
                finish(f"stopped_at_{exc.cap_name}")
            raise
        finally:
            self.ctx.log.flush()
        if finish is not None:
            finish("completed")
        self._write_outputs(state)
        return InteractionSummary.read(self.run_dir / "summary.json").to_dict()

    def _run_steps(self, todo: list[tuple[int, str]], state: dict[str, Any]) -> None:
        from rich.progress import Progress

        from babylm.output import err_console

        # A transient bar on a non-terminal would leave only blank lines behind.
        live = self.progress and err_console.is_terminal
        with Progress(disable=not live, transient=True, console=err_console) as bar:
            task = bar.add_task(f"{self.protocol.name}", total=len(todo))
            for round_, step in todo:
                bar.update(task, description=f"{self.protocol.name} round {round_}: {step}")
                try:
                    self._step(round_, step, state)
                except BudgetExceededError as exc:
                    state["stopped"] = {"round": round_, "step": step, "reason": str(exc), "cap": exc.cap_name}
                    self._save_state(state, event="stop")
                    self._write_outputs(state)
                    raise
                state["last"] = [round_, step]
                self._save_state(state)
                bar.advance(task)

    def _step(self, round_: int, step: str, state: dict[str, Any]) -> None:
        p = self.protocol
        round_dir = self.run_dir / "rounds" / str(round_)
        if step == "deploy":
            episodes = p.deploy(round_)
            state.setdefault("episodes", {})[str(round_)] = len(episodes)
        elif step == "decode":
            p.decode(round_)
        elif step == "aggregate":
            data = p.aggregate(round_)
            write_private_json(round_dir / "data.json", {"round": round_, "data": data})
        elif step == "train":
            data = read_json(round_dir / "data.json", what="round data")["data"]
            p.train(round_, data)
        elif step == "evaluate":
            metrics = _finite(dict(p.evaluate(round_)))
            metrics = {"round": round_} | metrics | {"ledger": self.ctx.ledger.totals()}
            state["metrics"] = [m for m in state["metrics"] if m["round"] != round_] + [metrics]
            self._write_outputs(state)


def _finite(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics with NaN/inf values as None: the run's files are strict JSON (e.g. a held-out log-prob
    over no windows is NaN)."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in metrics.items()}
