"""The interaction word ledger: every string shown to the student is charged here, by source.

Contract:

- `InteractionLedger(track, run_dir, rewards_as_words=False, on_checkpoint=None)`.
- `charge(text, source, *, episode=None) -> int` counts words with `str.split()` and charges them:
    - "corpus": corpus text the student reads; counts toward `track.word_budget`.
    - "teacher_visible": teacher text the student reads; counts toward the budget when
      `track.teacher_words_count` (the 2025 interaction track, the 2026 strict tracks).
    - "student_generated": words the student itself generates; own cap `track.student_generation_cap`
      (no cap when the track has none). Not part of the input budget.
    - "hidden_prompt": prompts only the teacher or partner sees; logged (`uncharged` counter), never
      charged.
    - "reward": reward text (e.g. the teacher's raw score); charged to the input budget only when
      `rewards_as_words=True`, else logged like a hidden prompt. It is an explicit run setting.
  `charge_turn({source: text})` checks every source of a turn first and then charges them all, so a
  turn is either fully charged or not at all. Both raise `BudgetExceededError` BEFORE a charge would
  cross a cap; nothing is charged then.
- `seen(n_words)`: words the student trains on, repeats counted (the training ledger's "words seen").
  THIS counter drives the checkpoint schedule (`track.schedule`, names `track.names`) and the exposure
  cap; `on_checkpoint(name, words_seen)` fires once per milestone, at the first call that reaches it.
  Reading text (charge) does not advance it: training does.
- `totals()`: {source: words, "input": words against the budget, "words_seen", budgets}.
- State is persisted atomically (temp + rename) to RUN/word_ledger.json after every change so a run can
  resume; `snapshot()`/`restore()` let the round driver roll back to a step boundary.
- `mark(event, **fields)` appends a line to RUN/word_ledger.jsonl, hash-chained like the training
  ledger (tracks/ledger.py's `line_hash`: seq, event, time, prev, hash): the round driver marks every
  step boundary with the totals, resumes, budget stops; `seen` marks each checkpoint.
  `verify_chain(path)` recomputes the chain. Per-turn charges live in the episode log, not here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import JSONReadError, parse_json
from babylm.tracks.interaction.accounting.formats import LEDGER_FORMAT, ChainLine, WordLedgerState
from babylm.tracks.ledger import ZERO_HASH, line_hash
from babylm.tracks.rules import Track
from babylm.tracks.words import count_text

FORMAT = LEDGER_FORMAT
SOURCES: tuple[str, ...] = ("corpus", "teacher_visible", "student_generated", "hidden_prompt", "reward")
LEDGER_FILE = "word_ledger.json"
CHAIN_FILE = "word_ledger.jsonl"


class BudgetExceededError(BabyLMError):
    """The next charge would cross a cap; nothing was charged."""

    def __init__(self, message: str, *, cap_name: str, cap: int, used: int, requested: int) -> None:
        super().__init__(message, hint="the run stopped cleanly; its episode log and checkpoints are intact")
        self.cap_name = cap_name
        self.cap = cap
        self.used = used
        self.requested = requested


def count_words(text: str) -> int:
    """The canonical word count (tracks/words.py's rule: Python str.split())."""
    return count_text(text)


class InteractionLedger:
    """Charges words by source, enforces the input budget, generation cap and exposure cap."""

    def __init__(
        self,
        track: Track,
        run_dir: str | Path,
        rewards_as_words: bool = False,
        on_checkpoint: Callable[[str, int], None] | None = None,
    ) -> None:
        self.track = track
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LEDGER_FILE
        self.rewards_as_words = rewards_as_words
        self.on_checkpoint = on_checkpoint
        self.counts: dict[str, int] = dict.fromkeys(SOURCES, 0)
        self.uncharged: dict[str, int] = {"hidden_prompt": 0, "reward": 0}  # logged words, not charged
        self.words_seen = 0
        self.fired: list[str] = []
        self.events = 0
        self.chain_path = self.run_dir / CHAIN_FILE
        self._seq, self._prev = _chain_tail(self.chain_path)
        if self.path.is_file():
            self._load()
        else:
            self.save()
            if self._seq == 0:
                self.mark("start", track=track.key, scale=str(track.scale), word_budget=track.word_budget,
                          generation_cap=track.student_generation_cap, exposure_cap=track.exposure_cap,
                          teacher_words_count=track.teacher_words_count, rewards_as_words=rewards_as_words,
                          schedule=dict(zip(track.names, track.schedule, strict=True)))

    # ------------------------------------------------------------------ persistence
    def _load(self) -> None:
        data = WordLedgerState.read(self.path)
        if data.track != self.track.key or data.word_budget != self.track.word_budget:
            raise BabyLMError(
                f"{self.path} belongs to track {data.track} (budget {data.word_budget}), "
                f"not {self.track.key} (budget {self.track.word_budget})",
                hint="resume with the same --track and --scale, or use a new --out folder",
            )
        if data.rewards_as_words != self.rewards_as_words:
            raise BabyLMError(f"{self.path} was written with rewards_as_words={data.rewards_as_words}")
        self.restore(data.model_dump())

    def state(self) -> WordLedgerState:
        """The ledger's full state (what RUN/word_ledger.json holds)."""
        return WordLedgerState(
            track=self.track.key, scale=str(self.track.scale), word_budget=self.track.word_budget,
            generation_cap=self.track.student_generation_cap, exposure_cap=self.track.exposure_cap,
            teacher_words_count=self.track.teacher_words_count, rewards_as_words=self.rewards_as_words,
            counts=dict(self.counts), uncharged=dict(self.uncharged), words_seen=self.words_seen,
            checkpoints_fired=list(self.fired), events=self.events,
        )

    def snapshot(self) -> dict[str, Any]:
        """The ledger's full state as a JSON-able dict."""
        return self.state().model_dump()

    def restore(self, data: dict[str, Any]) -> None:
        """Return to a state from `snapshot()` (the round driver's roll back after a crash)."""
        self.counts = dict.fromkeys(SOURCES, 0) | {k: int(v) for k, v in data["counts"].items()}
        self.uncharged = {"hidden_prompt": 0, "reward": 0} | {k: int(v) for k, v in data.get("uncharged", {}).items()}
        self.words_seen = int(data["words_seen"])
        self.fired = list(data["checkpoints_fired"])
        self.events = int(data.get("events", 0))
        self.save()

    def reset(self) -> None:
        """Back to zero (a run that crashed inside its very first step)."""
        self.restore({"counts": {}, "words_seen": 0, "checkpoints_fired": [], "events": 0})

    def save(self, *, fsync: bool = False) -> None:
        """Persist atomically (rename); the round driver asks for fsync at step boundaries."""
        self.state().write(self.path, fsync=fsync)

    # ------------------------------------------------------------------ budget arithmetic
    def _budget_sources(self) -> tuple[str, ...]:
        srcs = ["corpus"]
        if self.track.teacher_words_count:
            srcs.append("teacher_visible")
        if self.rewards_as_words:
            srcs.append("reward")
        return tuple(srcs)

    @property
    def input_words(self) -> int:
        """Words charged against the track's input budget."""
        return sum(self.counts[s] for s in self._budget_sources())

    def remaining(self, source: str) -> int | None:
        """Words still chargeable to `source` before its cap (None = no cap)."""
        if source in self._budget_sources():
            return self.track.word_budget - self.input_words
        if source == "student_generated" and self.track.student_generation_cap is not None:
            return self.track.student_generation_cap - self.counts["student_generated"]
        return None

    def check(self, words: dict[str, int]) -> None:
        """Raise BudgetExceededError if charging all of `words` ({source: n}) would cross a cap."""
        for src in words:
            if src not in SOURCES:
                raise ValueError(f"unknown ledger source {src!r}; known: {', '.join(SOURCES)}")
        budget_req = sum(n for s, n in words.items() if s in self._budget_sources())
        if budget_req and self.input_words + budget_req > self.track.word_budget:
            raise BudgetExceededError(
                f"input budget: {self.input_words:,} words charged + {budget_req:,} more would cross "
                f"the {self.track.key} budget of {self.track.word_budget:,} words",
                cap_name="input_budget", cap=self.track.word_budget, used=self.input_words, requested=budget_req,
            )
        gen = words.get("student_generated", 0)
        cap = self.track.student_generation_cap
        if gen and cap is not None and self.counts["student_generated"] + gen > cap:
            raise BudgetExceededError(
                f"generation cap: the student generated {self.counts['student_generated']:,} words; "
                f"{gen:,} more would cross the cap of {cap:,}",
                cap_name="generation_cap", cap=cap, used=self.counts["student_generated"], requested=gen,
            )

    def _charged(self, source: str, n: int) -> int:
        """Words of `n` that land in the counters (hidden prompts and non-word rewards: logged as 0)."""
        if source == "hidden_prompt" or (source == "reward" and not self.rewards_as_words):
            return 0
        return n

    # ------------------------------------------------------------------ charging
    def charge(self, text: str, source: str, *, episode: Any = None) -> int:
        """Charge `text` to `source`; returns the words charged (0 for hidden prompts)."""
        return self.charge_turn({source: text}, episode=episode).get(source, 0)

    def charge_turn(self, texts: dict[str, str | list[str]], *, episode: Any = None) -> dict[str, int]:
        """Charge several sources at once, all or nothing. Values may be a text or a list of texts.

        Returns the ledger deltas {source: words charged} to log with the turn (hidden prompts: 0).
        """
        words = {
            s: sum(count_words(t) for t in ([v] if isinstance(v, str) else v)) for s, v in texts.items()
        }
        deltas = {s: self._charged(s, n) for s, n in words.items()}
        self.check(deltas)
        for s, n in deltas.items():
            self.counts[s] += n
            if n != words[s]:
                self.uncharged[s] += words[s]
        self.events += 1
        self.last_episode = episode
        self.save()
        return deltas

    def check_seen(self, n_words: int) -> None:
        """Raise BudgetExceededError if training on `n_words` more would cross the exposure cap."""
        if n_words < 0:
            raise ValueError("n_words must be >= 0")
        if self.words_seen + n_words > self.track.exposure_cap:
            raise BudgetExceededError(
                f"exposure cap: {self.words_seen:,} words seen + {n_words:,} more would cross the cap of "
                f"{self.track.exposure_cap:,}",
                cap_name="exposure_cap", cap=self.track.exposure_cap, used=self.words_seen, requested=n_words,
            )

    def seen(self, n_words: int) -> list[str]:
        """Advance words seen in training (repeats counted); fire due checkpoints; return their names.

        Raises BudgetExceededError before crossing the track's exposure cap.
        """
        self.check_seen(n_words)
        self.words_seen += n_words
        due = [
            name
            for name, milestone in zip(self.track.names, self.track.schedule, strict=True)
            if milestone <= self.words_seen and name not in self.fired
        ]
        for name in due:
            if self.on_checkpoint is not None:
                self.on_checkpoint(name, self.words_seen)
            self.fired.append(name)
            self.save()
            self.mark("checkpoint", name=name, words_seen=self.words_seen)
        if not due:
            self.save()
        return due

    def mark(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append a hash-chained event line (with the current counters) to RUN/word_ledger.jsonl."""
        obj: dict[str, Any] = {"seq": self._seq, "event": event, "time": _now(), "prev": self._prev}
        obj.update(fields)
        obj.update({"counts": dict(self.counts), "words_seen": self.words_seen})
        obj["hash"] = line_hash(obj)
        line = ChainLine.model_validate(obj)
        with open(self.chain_path, "a", encoding="utf-8") as fh:
            fh.write(line.text())
            fh.flush()
            os.fsync(fh.fileno())
        self._seq += 1
        self._prev = obj["hash"]
        return obj

    def totals(self) -> dict[str, Any]:
        """Counters by source, the input total against the budget, words seen and the caps."""
        return dict(self.counts) | {
            "uncharged": dict(self.uncharged),
            "input": self.input_words,
            "word_budget": self.track.word_budget,
            "generation_cap": self.track.student_generation_cap,
            "words_seen": self.words_seen,
            "exposure_cap": self.track.exposure_cap,
            "checkpoints": list(self.fired),
        }


def _now() -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _chain_tail(path: Path) -> tuple[int, str]:
    """(next seq, hash of the last line) of a chain file; a torn last line (crash mid-write) is cut off."""
    if not path.is_file():
        return 0, ZERO_HASH
    raw = path.read_bytes()
    good = raw[: raw.rfind(b"\n") + 1]
    if len(good) != len(raw):
        path.write_bytes(good)
    lines = good.splitlines()
    if not lines:
        return 0, ZERO_HASH
    last = ChainLine.parse(lines[-1], f"{path} line {len(lines)}")
    return last.seq + 1, last.hash


def verify_chain(path: str | Path) -> tuple[bool, str]:
    """Recompute the word-ledger chain: (ok, message naming the first broken line if any)."""
    path = Path(path)
    prev = ZERO_HASH
    n = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            obj = parse_json(line, where=f"{path} line {n}")
        except JSONReadError:
            return False, f"{path}: line {n} is not valid JSON"
        if not isinstance(obj, dict):
            return False, f"{path}: line {n} is not a JSON object"
        if obj.get("seq") != n - 1 or obj.get("prev") != prev or obj.get("hash") != line_hash(obj):
            return False, f"{path}: chain broken at line {n} (seq {obj.get('seq')})"
        prev = obj["hash"]
    return True, f"{path}: {n} lines, chain intact"
