"""What the two reference-game protocols (respect, cogen) share: policy files, ledger charges, log reads.

Layout inside the run folder (besides the driver's files):
  rounds/seed/policy/       the round-0 policy, trained on the seed demonstrations only
  rounds/<r>/policy/        the policy trained at the end of round r (deployed in round r + 1)
  rounds/<r>/decoded.json   retrospective labels of round r (respect)
  checkpoints/<name>/       the policy when the word ledger crossed a schedule milestone
Policies are `refgame_student.Student` folders (model.safetensors + student.json).
The seed demonstrations are logged once, in round 0, as a turn with role "corpus" (`charge_seed_corpus`).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from babylm.tracks.interaction.games.world import DEFAULT_LEXICON
from babylm.tracks.interaction.protocols.driver import InteractionProtocol, RunContext
from babylm.tracks.interaction.protocols.options import RefGameOptions, parse_options
from babylm.tracks.interaction.students.learning import FitConfig
from babylm.tracks.interaction.students.refgame import Student, Vocab


class RefGameProtocol(InteractionProtocol):
    """Base for respect/cogen: seeded RNGs, the seed policy, policy load/save, episode-log access."""

    options_model: type[RefGameOptions] = RefGameOptions

    def __init__(self, run: RunContext, **options: Any) -> None:
        super().__init__(run)
        self.opts = parse_options(self.options_model, self.name, options)
        self.fit_cfg = FitConfig(epochs=self.opts.epochs, lr=self.opts.lr, seed=run.seed)
        self.vocab = Vocab.for_world(DEFAULT_LEXICON)
        self._cache: dict[str, Student] = {}

    # ------------------------------------------------------------------ randomness
    def rng(self, *parts: object) -> random.Random:
        """A RNG determined by the run seed and `parts`, so a resumed step replays exactly."""
        return random.Random(f"{self.run.seed}:{':'.join(map(str, parts))}")

    # ------------------------------------------------------------------ policies
    def fresh_student(self) -> Student:
        """The base model (same init every round: each round retrains from it)."""
        return Student.fresh(self.vocab, seed=self.run.seed, dim=self.opts.dim, hidden=self.opts.hidden)

    def seed_dir(self) -> Path:
        return self.run.run_dir / "rounds" / "seed" / "policy"

    def policy_path(self, round_: int) -> Path:
        """The policy trained at the end of `round_`; round -1 is the seed policy."""
        return self.seed_dir() if round_ < 0 else self.run.policy_dir(round_)

    def policy_id(self, round_: int) -> str:
        return f"{self.run.run_id}/{'seed' if round_ < 0 else f'round{round_}'}"

    def load_policy(self, round_: int) -> Student:
        key = str(self.policy_path(round_))
        if key not in self._cache:
            self._cache[key] = Student.load(self.policy_path(round_))
        return self._cache[key]

    def save_policy(self, student: Student, round_: int) -> None:
        student.save(self.policy_path(round_))
        self._cache[str(self.policy_path(round_))] = student
        self._latest = student

    def save_checkpoint(self, name: str, words_seen: int) -> None:
        """Ledger milestone: keep the policy just trained under checkpoints/<name>."""
        latest = getattr(self, "_latest", None)
        if latest is not None:
            latest.save(self.run.run_dir / "checkpoints" / name)

    def on_resume(self, round_: int, step: str | None) -> None:
        self._cache.clear()  # policies are re-read from disk; files are the only state

    # ------------------------------------------------------------------ plots
    def plot_progress(self, round_: int, current: dict[str, Any], keys: dict[str, str]) -> None:
        """RUN/plots/<key>.png: metric `key` per round so far (this round's value from `current`)."""
        from babylm.tracks.interaction.plots import plot_series, read_metrics

        rows = {row["round"]: row for row in read_metrics(self.run.run_dir)}
        rows[round_] = current
        order = [rows[r] for r in sorted(rows) if r <= round_]
        for key, title in keys.items():
            plot_series({self.run.variant: [r.get(key) for r in order]}, self.run.run_dir / "plots" / f"{key}.png",
                        title=f"{self.name}: {title}", ylabel=key.replace("_", " "))

    # ------------------------------------------------------------------ episode log
    def charge_seed_corpus(self, texts: list[str]) -> None:
        """Charge the seed demonstrations as "corpus" and log them as one turn (role "corpus", round 0), so
        the episode log's per-source sums equal the word ledger (`babylm interact verify`)."""
        deltas = self.run.ledger.charge_turn({"corpus": texts}, episode="seed")
        self.run.log.append({
            "round": 0, "episode": "seed", "turn": 0, "role": "corpus", "inputs": texts,
            "ledger": deltas, "seed": self.run.seed, "extra": {"what": "seed demonstrations"},
        })

    def logged_turns(self, rounds: range | list[int], role: str | None = None) -> list[dict[str, Any]]:
        from babylm.tracks.interaction.accounting.episodes import read_episodes

        self.run.log.flush()
        if not self.run.log.path.is_file() or self.run.log.path.stat().st_size == 0:
            return []
        want = set(rounds)
        return [t for t in read_episodes(self.run.log.path)
                if t["round"] in want and (role is None or t["role"] == role)]
