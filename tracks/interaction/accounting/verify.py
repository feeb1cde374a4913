"""Check an interaction run folder: the episode log, the word ledger and its chain agree and stay in budget.

`verify_run(run_dir)` returns a report with one entry per check; `ok` is True when every check passed.
Checks: the episode log reads; the sum of its per-turn ledger deltas equals word_ledger.json's counts; the
hash chain of word_ledger.jsonl is intact; the chain's last line carries the same counters; when the run
has a training ledger (ledger.jsonl, simpo/reinforce) it verifies (tracks.ledger.verify_ledger, checkpoint
folders included) and its words seen equal the word ledger's; the input words stay within the budget and
the student's words within the generation cap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.interaction.accounting.episodes import read_episodes, recount
from babylm.tracks.interaction.accounting.formats import ChainLine, WordLedgerState
from babylm.tracks.interaction.accounting.word_ledger import CHAIN_FILE, LEDGER_FILE, SOURCES, verify_chain


@dataclass
class RunCheck:
    name: str
    ok: bool
    detail: str


@dataclass
class RunReport:
    run_dir: str
    ok: bool = True
    checks: list[RunCheck] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    turns: int = 0

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(RunCheck(name, ok, detail))
        self.ok = self.ok and ok

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_run(run_dir: str | Path) -> RunReport:
    """Run every check on `run_dir` (see the module docstring)."""
    run_dir = Path(run_dir)
    led_path = run_dir / LEDGER_FILE
    if not led_path.is_file():
        raise BabyLMError(f"no {LEDGER_FILE} in {run_dir}", hint="pass the --out folder of `babylm interact run`")
    rep = RunReport(str(run_dir))
    ledger = WordLedgerState.read(led_path)
    counts = {s: ledger.counts.get(s, 0) for s in SOURCES}
    rep.counts = counts
    try:
        turns = read_episodes(run_dir / "episodes.jsonl")
        rep.turns = len(turns)
        rep.add("episode log", True, f"{len(turns)} turns")
    except BabyLMError as exc:
        rep.add("episode log", False, str(exc))
        turns = []
    logged = recount(turns)
    diff = {s: (logged.get(s, 0), counts[s]) for s in SOURCES if logged.get(s, 0) != counts[s]}
    rep.add(
        "log = ledger",
        not diff,
        "per-source sums of the logged deltas equal word_ledger.json"
        if not diff
        else "; ".join(f"{s}: log {a:,} vs ledger {b:,}" for s, (a, b) in diff.items()),
    )
    chain = run_dir / CHAIN_FILE
    if chain.is_file():
        ok, msg = verify_chain(chain)
        rep.add("chain", ok, msg)
        rep.add("chain head = ledger", *_chain_head(chain, ledger))
    else:
        rep.add("chain", False, f"no {CHAIN_FILE}")
    tl = run_dir / "ledger.jsonl"
    if tl.is_file():
        from babylm.tracks.ledger import verify_ledger

        trep = verify_ledger(tl)
        rep.add("training ledger", trep.ok, "; ".join(trep.errors) if not trep.ok else
                f"{trep.lines} lines, {len(trep.checkpoints)} checkpoints, status {trep.status or 'open'}")
        same_seen = trep.words == ledger.words_seen
        rep.add("words seen agree", same_seen, f"training ledger {trep.words:,} vs word ledger "
                f"{ledger.words_seen:,}")
    budget_srcs = ["corpus"] + (["teacher_visible"] if ledger.teacher_words_count else []) + (
        ["reward"] if ledger.rewards_as_words else [])
    used = sum(counts[s] for s in budget_srcs)
    rep.add("input budget", used <= ledger.word_budget, f"{used:,} / {ledger.word_budget:,} words")
    cap = ledger.generation_cap
    gen = counts["student_generated"]
    rep.add("generation cap", cap is None or gen <= cap, f"{gen:,} / {'-' if cap is None else f'{cap:,}'} words")
    return rep


def _chain_head(chain: Path, ledger: WordLedgerState) -> tuple[bool, str]:
    """Whether the chain's last line carries the ledger's counters, and what to say."""
    lines = chain.read_bytes().splitlines()
    if not lines:
        return False, f"{chain} is empty"
    try:
        last = ChainLine.parse(lines[-1], f"{chain} line {len(lines)}")
    except BabyLMError as exc:
        return False, str(exc)
    same = last.counts == ledger.counts and last.words_seen == ledger.words_seen
    return same, ("the last chain line carries the ledger's counters" if same
                  else f"last chain line ({last.event}) differs from word_ledger.json")
