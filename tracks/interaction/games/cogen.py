"""CoGen games: one-target reference games in two roles, played by one student with shared parameters.

- speaker role: the student describes the target (a sampled utterance, or with joint inference the best
  of `n_candidates` samples by its own listener's log P_L(target | utterance)); the partner picks.
- listener role: the partner describes the target (synonyms included); the student picks, from P_L alone
  or, with joint inference, from P(t|u) ∝ exp(l * log P_L(t|u) + (1 - l) * log P_S(u|t)).
Reward +1 when the pick is the target, else -1 (explicit outcome).

Seed data: listener demonstrations (canonical partner descriptions with their target) and speaker
demonstrations from a careless human-like speaker (half of its descriptions name one random attribute,
which may not single out the target), so the seed speaker starts around chance-plus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from babylm.tracks.interaction.games.partner import ReferencePartner
from babylm.tracks.interaction.games.world import (
    ATTRIBUTES,
    DEFAULT_LEXICON,
    Context,
    Lexicon,
    describe,
    render_description,
    sample_context,
)
from babylm.tracks.interaction.students.refgame import Student


@dataclass
class CogenWorld:
    n_objects: int = 10
    synonym_rate: float = 0.5
    noise: float = 0.05
    careless_rate: float = 0.5  # seed speaker: share of one-attribute descriptions
    n_candidates: int = 10  # joint inference: utterances sampled before reranking
    listener_weight: float = 0.5  # joint inference: l
    sample_picks: bool = False  # listener role: sample the pick instead of taking the most probable object
    lexicon: Lexicon = field(default=DEFAULT_LEXICON)

    def context(self, rng: random.Random) -> Context:
        return sample_context(rng, self.lexicon, self.n_objects, 1)

    def partner(self, rng: random.Random) -> ReferencePartner:
        return ReferencePartner(self.lexicon, rng, synonym_rate=self.synonym_rate, noise=self.noise)


def plain_lines(ctx: Context) -> list[str]:
    return [ctx.object_text(i) for i in range(len(ctx.objects))]


def seed_data(world: CogenWorld, n: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """(listener examples, speaker examples), `n` of each, all mode "nll"."""
    listener, speaker = [], []
    partner = world.partner(rng)
    for _ in range(n):
        ctx = world.context(rng)
        t = ctx.targets[0]
        listener.append({"utt": partner.speak(ctx, t, seed_only=True), "objs": plain_lines(ctx), "action": t,
                         "mode": "nll", "r": 1.0, "logp_dep": None})
        ctx = world.context(rng)
        t = ctx.targets[0]
        if rng.random() < world.careless_rate:
            a = rng.choice(ATTRIBUTES)
            utt = render_description({a: ctx.objects[t].attr(a)})
        else:
            utt = describe(ctx, t, world.lexicon, rng, 0.0)[0]
        speaker.append({"utt": utt, "objs": plain_lines(ctx), "target": t, "mode": "nll", "r": 1.0,
                        "logp_dep": None})
    return listener, speaker


def play_speaker(student: Student, world: CogenWorld, n: int, rng: random.Random,
                 joint_inference: bool) -> list[dict[str, Any]]:
    """The student speaks in `n` games; returns per game: objs, target, utt, logprob (log P_S), pick, reward,
    candidates (joint inference)."""
    import torch

    gen = torch.Generator().manual_seed(rng.randrange(2**31))
    ctxs = [world.context(rng) for _ in range(n)]
    lines = [plain_lines(c) for c in ctxs]
    targets = [c.targets[0] for c in ctxs]
    k = world.n_candidates if joint_inference else 1
    rep_lines = [ls for ls in lines for _ in range(k)]
    rep_t = [t for t in targets for _ in range(k)]
    with torch.no_grad():
        cands = student.speaker_sample(rep_t, rep_lines, generator=gen)
        if joint_inference:
            lp_l = student.listener_logprobs(cands, rep_lines)[torch.arange(len(cands)), rep_t].view(n, k)
            best = lp_l.argmax(1).tolist()
        else:
            best = [0] * n
        chosen = [cands[i * k + b] for i, b in enumerate(best)]
        lp_s = student.speaker_logprobs(targets, lines, chosen).tolist()
    partner = world.partner(rng)
    out = []
    for i, (ctx, utt) in enumerate(zip(ctxs, chosen, strict=True)):
        pick = partner.listen(ctx, utt)
        out.append({"objs": lines[i], "target": targets[i], "utt": utt, "logprob": lp_s[i], "pick": pick,
                    "reward": 1 if pick == targets[i] else -1,
                    "candidates": cands[i * k : (i + 1) * k] if joint_inference else None})
    return out


def joint_listener_logprobs(student: Student, utts: list[str], lines: list[list[str]], weight: float):
    """log P(t|u) ∝ l * log P_L(t|u) + (1 - l) * log P_S(u|t), normalised over each context: [B, N]."""
    import torch

    lp_l = student.listener_logprobs(utts, lines)
    n_obj = lp_l.shape[1]
    rep_lines = [ls for ls in lines for _ in range(n_obj)]
    rep_t = [j for _ in lines for j in range(n_obj)]
    rep_u = [u for u in utts for _ in range(n_obj)]
    lp_s = student.speaker_logprobs(rep_t, rep_lines, rep_u).view(len(utts), n_obj)
    return torch.log_softmax(weight * lp_l + (1 - weight) * lp_s, -1)


def play_listener(student: Student, world: CogenWorld, n: int, rng: random.Random,
                  joint_inference: bool) -> list[dict[str, Any]]:
    """The partner speaks, the student picks the most probable object (or samples one, `sample_picks`).

    Argmax by default: the joint distribution multiplies two experts with weight 0.5 each, which also
    flattens it, so sampling would penalise joint inference for its temperature rather than its ranking.
    The log-prob of the pick under the deployed distribution is logged either way (importance weights).
    """
    import torch

    gen = torch.Generator().manual_seed(rng.randrange(2**31))
    partner = world.partner(rng)
    ctxs = [world.context(rng) for _ in range(n)]
    lines = [plain_lines(c) for c in ctxs]
    utts = [partner.speak(c, c.targets[0]) for c in ctxs]
    with torch.no_grad():
        if joint_inference:
            logp = joint_listener_logprobs(student, utts, lines, world.listener_weight)
        else:
            logp = student.listener_logprobs(utts, lines)
        if world.sample_picks:
            picks = torch.multinomial(logp.exp(), 1, generator=gen).squeeze(1).tolist()
        else:
            picks = logp.argmax(1).tolist()
    return [{"objs": lines[i], "target": c.targets[0], "utt": utts[i], "pick": picks[i],
             "logprob": float(logp[i, picks[i]]), "reward": 1 if picks[i] == c.targets[0] else -1}
            for i, c in enumerate(ctxs)]


def training_examples(speaker_games: list[dict], listener_games: list[dict],
                      data_sharing: bool) -> tuple[list[dict], list[dict]]:
    """(listener examples, speaker examples) with CoGen's loss; data sharing adds successful turns of
    each role to the other role's data (negatives are not shared)."""
    lis: list[dict] = []
    spk: list[dict] = []
    for games, own, other, own_key, other_key, picked in ((speaker_games, spk, lis, "target", "action", "target"),
                                                          (listener_games, lis, spk, "action", "target", "pick")):
        for g in games:
            base = {"utt": g["utt"], "objs": g["objs"]}
            own.append(base | {own_key: g[picked], "mode": "cogen", "r": float(g["reward"]), "logp_dep": g["logprob"]})
            if data_sharing and g["reward"] > 0:
                other.append(base | {other_key: g[picked], "mode": "cogen", "r": 1.0, "logp_dep": None})
    return lis, spk
