"""`respect`: retrospective learning from implicit feedback (Chen, Artzi et al., 2024), on the text world.

Per round r (the driver's steps):
- deploy: the policy of round r-1 (the seed policy in round 0) plays `games` multi-turn reference games
  against `ImplicitFeedbackSpeaker`; every turn is logged (context lines, state, utterance, action, its
  log-prob under the deployed policy, policy id, the partner's next utterance, the simulator's ground
  truth in `outcome`) and its text charged to the ledger: the object lines (every turn, as they are shown
  again with new state words) and the partner utterance as "teacher_visible", the student's action as
  "student_generated"; the seed demonstrations are charged once as "corpus" and logged as one turn with
  role "corpus".
- decode: the deployed policy itself (decoder=student) or the run's teacher (decoder=teacher) reads each
  action and its follow-up utterance and gives a binary or ternary label; one "decoder" line per
  decoded turn is appended to the episode log and the labels go to rounds/<r>/decoded.json.
- aggregate: listener examples from all rounds up to r with their DECODED labels (SUP: positives; RL:
  rewards {1, 0, -0.1} with clipped importance weights; KTO: desirable/undesirable, beta 0.5, deployed
  policy as reference).
- train: from the base model, on the seed demonstrations plus the aggregate (the decoder head keeps
  training on the seed annotations only).
- evaluate: the round's deployment success (games whose final selection equals the target set) and the
  decoder's accuracy against the simulator's ground truth (never used for training).

Variants: "<labels>-<learner>" with labels in {binary, ternary} and learner in {sup, rl, kto};
"default" is binary-sup. Options (``--option KEY=VALUE``): games, seed_games, epochs, lr, decoder,
synonym_rate, noise, max_turns, n_objects, dim, hidden. The defaults are small enough for the scaled
demo budget; bench/respect_curves.py runs the full-size setting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from babylm.errors import BabyLMError
from babylm.io import read_json
from babylm.tracks.interaction.accounting.formats import write_private_json
from babylm.tracks.interaction.games.decoding import StudentDecoder, TeacherDecoder, decoder_accuracy
from babylm.tracks.interaction.games.respect import (
    RespectWorld,
    play,
    seed_data,
    training_examples,
    window_text,
)
from babylm.tracks.interaction.protocols.driver import RunContext
from babylm.tracks.interaction.protocols.options import RefGameOptions
from babylm.tracks.interaction.protocols.refgame_base import RefGameProtocol
from babylm.tracks.interaction.students.learning import fit, words_in

LABEL_MODES = ("binary", "ternary")
LEARNERS = ("sup", "rl", "kto")
VARIANTS = tuple(f"{m}-{learner}" for m in LABEL_MODES for learner in LEARNERS)


def parse_variant(variant: str) -> tuple[str, str]:
    """'binary-sup' -> ('binary', 'sup'); 'default' is binary-sup."""
    if variant == "default":
        return "binary", "sup"
    mode, _, learner = variant.partition("-")
    if mode not in LABEL_MODES or learner not in LEARNERS:
        raise BabyLMError(f"unknown respect variant {variant!r}", hint=f"use one of: {', '.join(VARIANTS)}")
    return mode, learner


class RespectOptions(RefGameOptions):
    seed_games: int = Field(12, ge=1, description="Demonstration games the seed policy is trained on.")
    decoder: Literal["student", "teacher"] = Field("student", description="Who decodes the feedback.")
    noise: float = Field(0.1, ge=0, le=1)
    max_turns: int = Field(6, ge=1)


class RespectProtocol(RefGameProtocol, protocol="respect", metric="success", options=RespectOptions):
    opts: RespectOptions

    def __init__(self, run: RunContext, **options: Any) -> None:
        super().__init__(run, **options)
        self.mode, self.learner = parse_variant(run.variant)
        if self.opts.decoder == "teacher" and run.teacher is None:
            raise BabyLMError("decoder=teacher needs a teacher", hint="pass --teacher")
        o = self.opts
        self.world = RespectWorld(n_objects=o.n_objects, max_turns=o.max_turns, synonym_rate=o.synonym_rate,
                                  noise=o.noise)

    # ------------------------------------------------------------------ seed
    def seed_examples(self) -> tuple[list[dict], list[dict]]:
        return seed_data(self.world, self.opts.seed_games, self.rng("seed"))

    def _train(self, listener: list[dict], round_: int) -> None:
        seed_l, seed_d = self.seed_examples()
        student = self.fresh_student()
        fit(student, seed_l + listener, decoder=seed_d, cfg=self.fit_cfg)
        self.save_policy(student, round_)
        self.run.ledger.seen(self.fit_cfg.epochs * words_in(seed_l + listener + seed_d))

    def _seed_policy(self) -> None:
        """Round 0: read the seed corpus and train the seed policy (deterministic, so a resumed deploy
        simply redoes both after the driver rolled the ledger back)."""
        seed_l, seed_d = self.seed_examples()
        corpus = [e["utt"] for e in seed_l] + [e["window"] for e in seed_d]
        corpus += ["\n".join(e["objs"]) for e in seed_l]
        self.charge_seed_corpus(corpus)
        self._train([], -1)

    # ------------------------------------------------------------------ steps
    def deploy(self, round_: int) -> list[Any]:
        if round_ == 0:
            self._seed_policy()
        student = self.load_policy(round_ - 1)
        records = play(student, self.world, self.opts.games, self.rng("deploy", round_))
        pid = self.policy_id(round_ - 1)
        for rec in records:
            ep = f"r{round_}-g{rec.episode}"
            for i, t in enumerate(rec.turns):
                # the object lines are shown again every turn (their state words change): charged each time
                deltas = self.run.ledger.charge_turn(
                    {"teacher_visible": ["\n".join(t["objs"]), t["utterance"]], "student_generated": t["action"]},
                    episode=ep)
                last = i == len(rec.turns) - 1
                self.run.log.append({
                    "round": round_, "episode": ep, "turn": i, "role": "listener",
                    "inputs": {"context": t["objs"], "utterance": t["utterance"]},
                    "outputs": t["action"], "logprob": t["logprob"], "policy_id": pid,
                    "partner": t["next_utterance"],
                    "outcome": {"true_label": t["true_label"], "reaction": t["kind"],
                                "success": rec.success if last else None},
                    "ledger": deltas, "seed": self.run.seed,
                    "extra": {"action_idx": t["action_idx"], "targets": rec.context["targets"]},
                })
        return [rec.episode for rec in records]

    def _decoder(self, round_: int) -> StudentDecoder | TeacherDecoder:
        if self.opts.decoder == "teacher":
            return TeacherDecoder(self.run.teacher)
        return StudentDecoder(self.load_policy(round_ - 1))  # the deployed policy decodes its own round

    def decode(self, round_: int) -> None:
        turns = self.logged_turns([round_], "listener")
        windows = [window_text(t["outputs"], t["partner"]) for t in turns]
        dec = self._decoder(round_)
        decoded = dec.decode(windows, self.mode)
        labels = {}
        for t, w, d in zip(turns, windows, decoded, strict=True):
            ledger: dict[str, int] = {}
            if isinstance(dec, TeacherDecoder):  # the prompt is hidden; the answer acts as a reward signal
                ledger = self.run.ledger.charge_turn({"hidden_prompt": dec.prompt(w, self.mode), "reward": d.raw},
                                                     episode=t["episode"])
            self.run.log.append({
                "round": round_, "episode": t["episode"], "turn": t["turn"], "role": "decoder",
                "inputs": w, "feedback": {"decoder": dec.name, "mode": self.mode, "label": d.label, "raw": d.raw},
                "ledger": ledger, "seed": self.run.seed,
            })
            labels[f"{t['episode']}/{t['turn']}"] = d.label
        write_private_json(self.run.run_dir / "rounds" / str(round_) / "decoded.json",
                          {"mode": self.mode, "decoder": dec.name, "labels": labels})

    def _decoded(self, round_: int) -> dict[str, int | None]:
        path = self.run.run_dir / "rounds" / str(round_) / "decoded.json"
        return read_json(path, what="decoded labels")["labels"]

    def aggregate(self, round_: int) -> Any:
        examples: list[dict] = []
        logged = self.logged_turns(range(round_ + 1), "listener")  # one read of the log
        for r in range(round_ + 1):
            labels = self._decoded(r)
            turns, labs = [], []
            for t in (t for t in logged if t["round"] == r):
                lab = labels.get(f"{t['episode']}/{t['turn']}")
                if lab is None:  # a teacher answer that did not parse: no training signal
                    continue
                turns.append({"utterance": t["inputs"]["utterance"], "objs": t["inputs"]["context"],
                              "action_idx": t["extra"]["action_idx"], "logprob": t["logprob"]})
                labs.append(lab)
            examples += training_examples(turns, labs, self.learner)
        return examples

    def train(self, round_: int, data: Any) -> None:
        self._train(list(data), round_)

    def evaluate(self, round_: int) -> dict[str, Any]:
        turns = self.logged_turns([round_], "listener")
        ends = [t for t in turns if t["outcome"]["success"] is not None]
        labels = self._decoded(round_)
        decoded = [labels.get(f"{t['episode']}/{t['turn']}") for t in turns]
        truth = [t["outcome"]["true_label"] for t in turns]
        metrics = {
            "success": sum(bool(t["outcome"]["success"]) for t in ends) / max(1, len(ends)),
            "decoder_accuracy": decoder_accuracy(decoded, truth, self.mode),
            "decoder": self.opts.decoder,
            "labels": self.mode,
            "learner": self.learner,
            "games": len(ends),
            "turns": len(turns),
            "positive_rate_true": sum(x == 1 for x in truth) / max(1, len(truth)),
            "positive_rate_decoded": sum(x == 1 for x in decoded) / max(1, len(decoded)),
            # how trustworthy each decoded polarity is (what SUP keeps vs what RL/KTO also use)
            "precision_decoded_positive": _share([t == 1 for t, d in zip(truth, decoded, strict=True) if d == 1]),
            "precision_decoded_negative": _share([t == -1 for t, d in zip(truth, decoded, strict=True) if d == -1]),
        }
        self.plot_progress(round_, metrics, {"success": "task success per round",
                                             "decoder_accuracy": "decoder accuracy vs simulator truth"})
        return metrics


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None
