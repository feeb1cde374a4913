"""`cogen`: coupled comprehension and generation (Gul & Artzi, 2024), on the text world.

One student (shared parameters) plays both roles each round (`games` games per role):
- deploy: the policy of round r-1 (seed policy in round 0) speaks and listens (see cogen_games); every
  turn is logged with its log-prob under the deployed policy and its explicit outcome (+1/-1). Ledger:
  context lines and partner utterances "teacher_visible", the student's utterances (all sampled
  candidates under joint inference) and picks "student_generated", the outcome word "reward"; the seed
  demonstrations are charged once as "corpus" and logged as one turn with role "corpus".
- aggregate: all rounds' turns as training data with the loss -c * r * log pi, c = 1 for positives and
  min(pi / pi_deployed, 5) for negatives; with data sharing, successful speaker turns become listener
  data and the partner's successful descriptions become speaker data.
- train: from the base model on the seed data plus the aggregate.
- evaluate: deployment accuracy per role ("generation", "comprehension").

Variants (treatments): full (joint inference + data sharing), no-ds, no-ji, baseline; "default" = full.
The summary reports "<treatment>/generation" and "<treatment>/comprehension" per round. Options: games,
seed_examples, epochs, lr, synonym_rate, noise, careless_rate, n_candidates, n_objects, sample_picks
(listener role: sample instead of argmax), dim, hidden.
Defaults fit the scaled demo budget; bench/cogen_table.py runs the full-size setting over seeds.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from babylm.errors import BabyLMError
from babylm.tracks.interaction.games.cogen import (
    CogenWorld,
    play_listener,
    play_speaker,
    seed_data,
    training_examples,
)
from babylm.tracks.interaction.games.world import LETTERS
from babylm.tracks.interaction.protocols.driver import RunContext
from babylm.tracks.interaction.protocols.options import RefGameOptions
from babylm.tracks.interaction.protocols.refgame_base import RefGameProtocol
from babylm.tracks.interaction.students.learning import fit, words_in

TREATMENTS: dict[str, tuple[bool, bool]] = {  # name -> (joint inference, data sharing)
    "full": (True, True),
    "no-ds": (True, False),
    "no-ji": (False, True),
    "baseline": (False, False),
}


def parse_variant(variant: str) -> str:
    name = "full" if variant == "default" else variant
    if name not in TREATMENTS:
        raise BabyLMError(f"unknown cogen variant {variant!r}", hint=f"use one of: {', '.join(TREATMENTS)}")
    return name


class CogenOptions(RefGameOptions):
    seed_examples: int = Field(20, ge=1, description="Demonstrations per role the seed policy is trained on.")
    noise: float = Field(0.05, ge=0, le=1)
    careless_rate: float = Field(0.5, ge=0, le=1)
    n_candidates: int = Field(10, ge=1, description="Utterances sampled under joint inference.")
    sample_picks: bool = Field(False, description="Listener role: sample instead of argmax.")


class CogenProtocol(RefGameProtocol, protocol="cogen", metric="generation", options=CogenOptions):
    opts: CogenOptions

    def __init__(self, run: RunContext, **options: Any) -> None:
        super().__init__(run, **options)
        self.treatment = parse_variant(run.variant)
        self.joint_inference, self.data_sharing = TREATMENTS[self.treatment]
        o = self.opts
        self.world = CogenWorld(n_objects=o.n_objects, synonym_rate=o.synonym_rate, noise=o.noise,
                                careless_rate=o.careless_rate, n_candidates=o.n_candidates,
                                sample_picks=o.sample_picks)

    def _seed(self) -> tuple[list[dict], list[dict]]:
        return seed_data(self.world, self.opts.seed_examples, self.rng("seed"))

    def _train(self, listener: list[dict], speaker: list[dict], round_: int) -> None:
        seed_l, seed_s = self._seed()
        student = self.fresh_student()
        fit(student, seed_l + listener, speaker=seed_s + speaker, cfg=self.fit_cfg)
        self.save_policy(student, round_)
        self.run.ledger.seen(self.fit_cfg.epochs * words_in(seed_l + listener + seed_s + speaker))

    def deploy(self, round_: int) -> list[Any]:
        if round_ == 0:  # seed corpus + seed policy (redone in full if this step is resumed)
            seed_l, seed_s = self._seed()
            corpus = [e["utt"] for e in seed_l + seed_s] + ["\n".join(e["objs"]) for e in seed_l + seed_s]
            self.charge_seed_corpus(corpus)
            self._train([], [], -1)
        student = self.load_policy(round_ - 1)
        pid = self.policy_id(round_ - 1)
        speaks = play_speaker(student, self.world, self.opts.games, self.rng("speak", round_), self.joint_inference)
        listens = play_listener(student, self.world, self.opts.games, self.rng("listen", round_), self.joint_inference)
        episodes = []
        for i, g in enumerate(speaks):
            ep = f"r{round_}-s{i}"
            deltas = self.run.ledger.charge_turn({
                "teacher_visible": "\n".join(g["objs"]),
                "student_generated": g["candidates"] or [g["utt"]],
                "reward": "correct" if g["reward"] > 0 else "wrong",
            }, episode=ep)
            self.run.log.append({
                "round": round_, "episode": ep, "turn": 0, "role": "speaker",
                "inputs": {"context": g["objs"], "target": LETTERS[g["target"]]}, "outputs": g["utt"],
                "logprob": g["logprob"], "policy_id": pid, "partner": f"select {LETTERS[g['pick']]}",
                "outcome": {"reward": g["reward"], "pick": g["pick"]}, "ledger": deltas, "seed": self.run.seed,
                "extra": {"target_idx": g["target"], "candidates": g["candidates"], "treatment": self.treatment},
            })
            episodes.append(ep)
        for i, g in enumerate(listens):
            ep = f"r{round_}-l{i}"
            action = f"select {LETTERS[g['pick']]}"
            deltas = self.run.ledger.charge_turn({
                "teacher_visible": ["\n".join(g["objs"]), g["utt"]],
                "student_generated": action,
                "reward": "correct" if g["reward"] > 0 else "wrong",
            }, episode=ep)
            self.run.log.append({
                "round": round_, "episode": ep, "turn": 0, "role": "listener",
                "inputs": {"context": g["objs"], "utterance": g["utt"]}, "outputs": action,
                "logprob": g["logprob"], "policy_id": pid, "partner": g["utt"],
                "outcome": {"reward": g["reward"], "pick": g["pick"]}, "ledger": deltas, "seed": self.run.seed,
                "extra": {"target_idx": g["target"], "treatment": self.treatment},
            })
            episodes.append(ep)
        return episodes

    @staticmethod
    def _game(t: dict[str, Any]) -> dict[str, Any]:
        utt = t["outputs"] if t["role"] == "speaker" else t["inputs"]["utterance"]
        return {"objs": t["inputs"]["context"], "target": t["extra"]["target_idx"], "utt": utt,
                "pick": t["outcome"]["pick"], "reward": t["outcome"]["reward"], "logprob": t["logprob"]}

    def aggregate(self, round_: int) -> Any:
        turns = self.logged_turns(range(round_ + 1))
        speaks = [self._game(t) for t in turns if t["role"] == "speaker"]
        listens = [self._game(t) for t in turns if t["role"] == "listener"]
        lis, spk = training_examples(speaks, listens, self.data_sharing)
        return {"listener": lis, "speaker": spk}

    def train(self, round_: int, data: Any) -> None:
        self._train(list(data["listener"]), list(data["speaker"]), round_)

    def evaluate(self, round_: int) -> dict[str, Any]:
        turns = self.logged_turns([round_])

        def acc(role: str) -> float | None:
            rs = [t["outcome"]["reward"] for t in turns if t["role"] == role]
            return sum(r > 0 for r in rs) / len(rs) if rs else None

        gen, comp = acc("speaker"), acc("listener")
        metrics = {
            "generation": gen,
            "comprehension": comp,
            "treatment": self.treatment,
            "games_per_role": self.opts.games,
            "variants": {f"{self.treatment}/generation": gen, f"{self.treatment}/comprehension": comp},
        }
        self.plot_progress(round_, metrics, {"generation": "generation accuracy per round",
                                             "comprehension": "comprehension accuracy per round"})
        return metrics
