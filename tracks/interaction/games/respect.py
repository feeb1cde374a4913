"""ReSpect games: seed demonstrations and batched deployment of a student listener.

A game: the partner (`ImplicitFeedbackSpeaker`) sees a context of objects with a target set and
describes one target at a time; each turn the student reads the object lines (with "selected"/"last"
state words) and the partner's latest utterance and toggles one object ("select C" / "deselect C").
The partner's next utterance is the only feedback. The game ends when the selection equals the target
set (success) or after `max_turns` actions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from babylm.tracks.interaction.games.partner import KIND_POLARITY, ImplicitFeedbackSpeaker
from babylm.tracks.interaction.games.world import DEFAULT_LEXICON, Context, Lexicon, sample_context
from babylm.tracks.interaction.students.refgame import Student


@dataclass
class RespectWorld:
    """World and partner settings (the same for every variant and round)."""

    n_objects: int = 10
    n_targets: tuple[int, int] = (2, 3)  # inclusive range
    max_turns: int = 6
    synonym_rate: float = 0.5  # the protocol default too
    noise: float = 0.1
    lexicon: Lexicon = field(default=DEFAULT_LEXICON)

    def context(self, rng: random.Random) -> Context:
        return sample_context(rng, self.lexicon, self.n_objects, rng.randint(*self.n_targets))

    def partner(self, ctx: Context, rng: random.Random, seed_only: bool = False) -> ImplicitFeedbackSpeaker:
        return ImplicitFeedbackSpeaker(ctx, self.lexicon, rng, synonym_rate=self.synonym_rate,
                                       noise=0.0 if seed_only else self.noise, max_turns=self.max_turns,
                                       seed_only=seed_only)


def window_text(action: str, next_utterance: str) -> str:
    """The text a retrospective decoder reads for one action: the action and the partner's reply."""
    return f"action: {action} . reply: {next_utterance}"


def _object_lines(ctx: Context, partner: ImplicitFeedbackSpeaker, last: int | None) -> list[str]:
    return [ctx.object_text(i, partner.selected, last) for i in range(len(ctx.objects))]


def _gold_action(ctx: Context, partner: ImplicitFeedbackSpeaker, last: int | None) -> int:
    wrong = [i for i in partner.selected if i not in ctx.targets]
    if wrong:
        return last if last in wrong else wrong[-1]
    if partner.current is None:  # cannot happen without a wrong selection; keep the type honest
        return last if last is not None else 0
    return partner.current


def seed_data(world: RespectWorld, n_games: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Seed demonstrations: (listener examples, annotated decoder examples).

    A demonstrator that errs 30 % of the time plays against the partner in seed mode (canonical words,
    seed phrasings, no noise); every visited state gets the gold action as a listener example, and every
    reply gets its annotation (the polarity of the reaction's kind) as a decoder example.
    """
    listener: list[dict] = []
    decoder: list[dict] = []
    for _ in range(n_games):
        ctx = world.context(rng)
        partner = world.partner(ctx, rng, seed_only=True)
        utt = partner.opening()
        last: int | None = None
        while not partner.done:
            objs = _object_lines(ctx, partner, last)
            gold = _gold_action(ctx, partner, last)
            listener.append({"utt": utt, "objs": objs, "action": gold, "mode": "nll", "r": 1.0, "logp_dep": None})
            u = rng.random()
            if u < 0.7:
                act = gold
            elif u < 0.8 and len(ctx.targets) > 1:
                act = rng.choice(ctx.targets)
            else:
                act = rng.randrange(len(ctx.objects))
            verb = "deselect" if act in partner.selected else "select"
            action = f"{verb} {ctx.letter(act)}"
            turn = partner.react(action)
            decoder.append({"window": window_text(action, turn.next_utterance), "label": KIND_POLARITY[turn.kind]})
            utt, last = turn.next_utterance, act
    return listener, decoder


@dataclass
class GameRecord:
    episode: int
    context: dict[str, Any]
    turns: list[dict[str, Any]] = field(default_factory=list)
    success: bool = False


def play(student: Student, world: RespectWorld, n_games: int, rng: random.Random,
         greedy: bool = False) -> list[GameRecord]:
    """Deploy the student's listener in `n_games` games, all advanced in lockstep (one batch per turn).

    Each turn dict: utterance, objs (the object lines the student saw), action_idx, action, logprob (under
    the deployed policy), next_utterance, true_label (simulator ground truth), kind.
    """
    import torch

    games = []
    for e in range(n_games):
        ctx = world.context(rng)
        p = world.partner(ctx, rng)
        games.append({"rec": GameRecord(e, ctx.to_json()), "ctx": ctx, "p": p, "utt": p.opening(), "last": None})
    gen = torch.Generator().manual_seed(rng.randrange(2**31))
    while True:
        live = [g for g in games if not g["p"].done]
        if not live:
            break
        objs = [_object_lines(g["ctx"], g["p"], g["last"]) for g in live]
        with torch.no_grad():
            logp = student.listener_logprobs([g["utt"] for g in live], objs)
        acts = logp.argmax(-1) if greedy else torch.multinomial(logp.exp(), 1, generator=gen).squeeze(1)
        for g, o, a, lp in zip(live, objs, acts.tolist(), logp, strict=True):
            ctx, p = g["ctx"], g["p"]
            verb = "deselect" if a in p.selected else "select"
            action = f"{verb} {ctx.letter(a)}"
            turn = p.react(action)
            g["rec"].turns.append({
                "utterance": g["utt"], "objs": o, "action_idx": a, "action": action, "logprob": float(lp[a]),
                "next_utterance": turn.next_utterance, "true_label": turn.true_label, "kind": turn.kind,
            })
            g["utt"], g["last"] = turn.next_utterance, a
            if p.done:
                g["rec"].success = p.success()
    return [g["rec"] for g in games]


REWARDS = {1: 1.0, 0: 0.0, -1: -0.1}


def training_examples(turns: list[dict[str, Any]], labels: list[int], learner: str) -> list[dict]:
    """Listener examples from deployed turns and their DECODED labels for SUP, RL or KTO."""
    out: list[dict] = []
    for t, lab in zip(turns, labels, strict=True):
        base = {"utt": t["utterance"], "objs": t["objs"], "action": t["action_idx"], "logp_dep": t["logprob"]}
        if learner == "sup":
            if lab == 1:
                out.append(base | {"mode": "nll", "r": 1.0})
        elif learner == "rl":
            out.append(base | {"mode": "rl", "r": REWARDS[lab]})
        elif learner == "kto":
            if lab != 0:
                out.append(base | {"mode": "kto", "r": float(lab)})
        else:
            raise ValueError(f"unknown learner {learner!r}")
    return out
