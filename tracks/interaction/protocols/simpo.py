"""`simpo`: the official BabyLM 2025 interaction baseline, scaled down.

Per round (rounds over corpus slices):
1. take this round's slice of the corpus, cut into windows of `window` tokens; the first `context`
   tokens are the context (official: 512-token windows, 256-token context);
2. the student samples a continuation of `window - context` tokens (top-p 0.8): the LOSER;
3. the teacher corrects it (`Teacher.correct`), truncated to the student's length in student tokens:
   the WINNER;
4. train `lm_epochs` epochs of LM loss on context + winner (official 8), then `simpo_epochs` epochs of
   SimPO + `lm_weight` * LM (official 2 and 0.2).

SimPO: r(y) = beta * mean_t log pi(y_t | x, y_<t) over completion tokens;
loss = -log sigmoid(r_w - r_l - gamma). The official "gamma ratio 0.5" is SimPO's gamma_beta_ratio
(princeton-nlp/SimPO computes -logsigmoid(beta * (mean_logp_w - mean_logp_l - ratio))), so
gamma = ratio * beta = 1.0 with beta 2.

Official sizes: --option window=512 --option context=256 --option lm_epochs=8 --option simpo_epochs=2
--option lr=5e-5 --option n_layer=12 --option n_embd=768 --option n_head=12 (GPT-2 124M shape; the
tokenizer is still trained locally, --option vocab_size=...), 20 rounds, teacher Llama-3.1-8B-Instruct
behind an OpenAI-compatible server. The defaults are the CPU test/demo scale.

Words charged per episode (word ledger): "corpus" = the context text, "student_generated" = the loser,
"teacher_visible" = the winner; the correction prompt the teacher sees is a "hidden_prompt" (0 words).
Words seen (the checkpoint schedule) = words of every training text per epoch: context + winner for LM
epochs, context + winner + loser for SimPO epochs.
Variants: "default" (= "simpo"), and "no-feedback": the control, which reads the same corpus contexts
and trains LM epochs on them alone (no student continuation, no teacher, no SimPO).

Metrics per round: heldout_token_prob (primary, in [0, 1] like the leaderboard's per-round plot: the
geometric-mean per-token probability of held-out corpus windows, exp(heldout_logprob)), heldout_logprob,
pref_acc (share of this round's teacher-corrected pairs where the trained student's r_w > r_l: a check
that the preference was learned, on training pairs), n_pairs.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, model_validator

from babylm.tracks.interaction.accounting.episodes import Turn, read_episodes
from babylm.tracks.interaction.accounting.word_ledger import count_words
from babylm.tracks.interaction.protocols.driver import RunContext
from babylm.tracks.interaction.protocols.lm_student import StudentProtocol
from babylm.tracks.interaction.protocols.options import StudentOptions
from babylm.tracks.interaction.students.policy import completion_logprobs, sample
from babylm.tracks.interaction.teachers import CORRECT_PROMPT, ScriptedTeacher

VARIANTS = ("default", "simpo", "no-feedback")


def simpo_loss(mean_logp_w: Any, mean_logp_l: Any, beta: float = 2.0, gamma: float = 1.0) -> Any:
    """-log sigmoid(beta * mean_logp_w - beta * mean_logp_l - gamma), averaged over the batch."""
    import torch.nn.functional as F

    return -F.logsigmoid(beta * mean_logp_w - beta * mean_logp_l - gamma).mean()


class SimPOOptions(StudentOptions):
    window: int = Field(32, ge=2, description="Tokens per episode window (context + completion).")
    context: int = Field(16, ge=1, description="Context tokens; the rest of the window is the completion.")
    windows_per_round: int = Field(8, ge=1)
    lm_epochs: int = Field(2, ge=0)
    simpo_epochs: int = Field(1, ge=0)
    beta: float = Field(2.0, gt=0)
    gamma_ratio: float = Field(0.5, ge=0, description="SimPO margin gamma as a fraction of beta.")
    lm_weight: float = Field(0.2, ge=0)
    top_p: float = Field(0.8, gt=0, le=1)
    batch: int = Field(8, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _positions_fit_window(cls, data: Any) -> Any:
        if isinstance(data, dict) and "n_positions" not in data:
            data = {**data, "n_positions": max(128, int(data.get("window", 32)))}
        return data

    @model_validator(mode="after")
    def _context_inside_window(self) -> SimPOOptions:
        if not 0 < self.context < self.window:
            raise ValueError(f"context ({self.context}) must be between 0 and window ({self.window}) tokens")
        return self


class SimPOProtocol(StudentProtocol, protocol="simpo", metric="heldout_token_prob", options=SimPOOptions):
    opts: SimPOOptions

    def __init__(self, run: RunContext, **options: Any) -> None:
        super().__init__(run, **options)
        self.flops_seq_len = self.opts.window
        self.gamma = self.opts.gamma_ratio * self.opts.beta
        self.teacher = run.teacher or ScriptedTeacher()
        if run.variant not in VARIANTS:
            from babylm.errors import BabyLMError

            raise BabyLMError(f"unknown simpo variant {run.variant!r}", hint=f"use one of: {', '.join(VARIANTS)}")
        self.feedback = run.variant != "no-feedback"

    # ------------------------------------------------------------------ steps
    def deploy(self, round_: int) -> list[Any]:
        import torch

        tok = self.tokenizer
        gen = torch.Generator().manual_seed(self.run.seed * 1000 + round_)
        episodes = []
        for e, win in enumerate(self.windows(round_, self.run.n_rounds, self.opts.window, self.opts.windows_per_round)):
            ctx_ids = win[: self.opts.context]
            ctx_text = tok.decode(ctx_ids)
            if not self.feedback:  # the control: the same corpus contexts, no student turn, no teacher
                deltas = self.run.ledger.charge_turn({"corpus": ctx_text}, episode=(round_, e))
                self.run.log.append(Turn(
                    run=self.run.run_id, round=round_, episode=e, turn=0, role="student",
                    inputs={"context": ctx_text}, outputs="", policy_id=self.policy_id, teacher="",
                    outcome={"pair": "context-only"}, ledger=deltas, seed=self.run.seed,
                ))
                episodes.append(e)
                continue
            loser_ids, logp = sample(self.model, ctx_ids, self.opts.window - self.opts.context, top_p=self.opts.top_p, generator=gen)
            loser = tok.decode(loser_ids)
            full = self.teacher.correct(ctx_text, loser)
            winner_ids = tok(full).input_ids[: len(loser_ids)]  # truncated to the student's length
            winner = tok.decode(winner_ids)
            deltas = self.run.ledger.charge_turn(
                {"corpus": ctx_text, "student_generated": loser, "teacher_visible": winner,
                 "hidden_prompt": CORRECT_PROMPT.format(context=ctx_text, student=loser)},
                episode=(round_, e),
            )
            keep = bool(winner.strip()) and winner.strip() != loser.strip()
            self.run.log.append(Turn(
                run=self.run.run_id, round=round_, episode=e, turn=0, role="student",
                inputs={"context": ctx_text}, outputs=loser, logprob=logp, policy_id=self.policy_id,
                teacher=winner, outcome={"pair": "kept" if keep else "dropped"}, ledger=deltas,
                seed=self.run.seed, extra={"teacher_full": full, "teacher_model": self.teacher.model_id},
            ))
            episodes.append(e)
        return episodes

    def aggregate(self, round_: int) -> list[dict[str, str]]:
        """This round's kept (context, winner, loser) pairs, read back from the episode log."""
        self.run.log.flush()
        return [
            {"context": t["inputs"]["context"], "winner": t["teacher"], "loser": t["outputs"]}
            for t in read_episodes(self.run.log.path)
            if t["round"] == round_ and t["role"] == "student"
            and (t.get("outcome") or {}).get("pair") in ("kept", "context-only")
        ]

    def _encode(self, data: list[dict[str, str]]) -> list[tuple[list[int], list[int], list[int]]]:
        tok = self.tokenizer
        return [(tok(d["context"]).input_ids, tok(d["winner"]).input_ids, tok(d["loser"]).input_ids) for d in data]

    def train(self, round_: int, data: list[dict[str, str]]) -> None:
        import torch

        self.model.train()
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.opts.lr)
        enc = self._encode(data)
        pad = self.tokenizer.pad_token_id
        schedule = ["lm"] * self.opts.lm_epochs + ["simpo" if self.feedback else "lm"] * self.opts.simpo_epochs
        for kind in schedule:
            for b in range(0, len(enc), self.opts.batch):
                part, texts = enc[b : b + self.opts.batch], data[b : b + self.opts.batch]
                ctx = [c for c, _, _ in part]
                lp_w, n_w = completion_logprobs(self.model, ctx, [w for _, w, _ in part], pad)
                # LM loss on context + winner: every token after the first
                full = [c + w for c, w, _ in part]
                lp_full, n_full = completion_logprobs(self.model, [f[:1] for f in full], [f[1:] for f in full], pad)
                lm = -(lp_full.sum() / n_full.sum().clamp(min=1))
                words = sum(count_words(d["context"]) + count_words(d["winner"]) for d in texts)
                tokens = sum(len(f) for f in full)
                if kind == "simpo":
                    lp_l, n_l = completion_logprobs(self.model, ctx, [lo for _, _, lo in part], pad)
                    pref = simpo_loss(lp_w / n_w.clamp(min=1), lp_l / n_l.clamp(min=1), self.opts.beta, self.gamma)
                    loss = pref + self.opts.lm_weight * lm
                    words += sum(count_words(d["loser"]) for d in texts)
                    tokens += sum(len(lo) for _, _, lo in part)
                else:
                    loss = lm
                # exposure cap checked before the step; milestones fire after it (the model that reached them)
                self.before_step(words, tokens)
                self.optimizer_step(opt, loss, words)
        self.finish_train(round_)

    def evaluate(self, round_: int) -> dict[str, Any]:
        import torch

        data = self.aggregate(round_)
        pref_acc = None
        if data and self.feedback:
            enc = self._encode(data)
            pad = self.tokenizer.pad_token_id
            with torch.no_grad():
                ctx = [c for c, _, _ in enc]
                lp_w, n_w = completion_logprobs(self.model, ctx, [w for _, w, _ in enc], pad)
                lp_l, n_l = completion_logprobs(self.model, ctx, [lo for _, _, lo in enc], pad)
                pref_acc = float(((lp_w / n_w.clamp(min=1)) > (lp_l / n_l.clamp(min=1))).float().mean())
        held = self.heldout_logprob()
        return {"heldout_token_prob": math.exp(held), "heldout_logprob": held, "pref_acc": pref_acc,
                "n_pairs": len(data), "policy_id": self.policy_id}
