"""`reinforce`: rubric reward from the teacher, policy-gradient update (the community PPO variant, simplified).

Per round:
1. prompts = the first `prompt_tokens` tokens of this round's corpus windows (story prompts);
2. the student continues each prompt with up to `gen_tokens` tokens (community: <= 90), sampling
   (top-p `top_p`), logging the continuation's log-prob under the deployed policy;
3. the teacher scores the continuation with a rubric (readability, narrative, creativity, 0-3 each);
   reward = sum / 9 (+ `length_bonus` * min(1, words / `target_words`), off by default);
   A SCORE THAT DOES NOT PARSE IS AN EXPLICIT EVENT: the turn's outcome is
   {"reward": null, "parse_error": "..."} and the episode is skipped by the update (the community code
   silently used 0.5);
4. REINFORCE with a baseline: loss = -(R - b) * log pi(continuation | prompt) averaged over the scored
   episodes, b = the mean reward of the round's scored episodes (or a fixed `baseline` if given).
   This is vanilla on-policy policy gradient, not PPO (no clipping, no value head): one update epoch per
   round (`epochs`) on the data just collected.

Words charged: "corpus" = the prompt (once per episode), "student_generated" = the continuation,
"hidden_prompt" = the scoring prompt the teacher sees, "reward" = the teacher's raw score text (counted
against the input budget only with `rewards_as_words`, an explicit run setting: the community accounting
counts teacher output words, which is rewards_as_words=True). Words seen = prompt + continuation words per
update epoch.
Metrics per round: mean_reward (primary; deployment reward of the scored episodes), n_scored,
parse_failures, heldout_logprob.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from babylm.tracks.interaction.accounting.episodes import Turn, read_episodes
from babylm.tracks.interaction.accounting.word_ledger import count_words
from babylm.tracks.interaction.protocols.driver import RunContext
from babylm.tracks.interaction.protocols.lm_student import StudentProtocol
from babylm.tracks.interaction.protocols.options import StudentOptions
from babylm.tracks.interaction.students.policy import completion_logprobs, sample
from babylm.tracks.interaction.teachers import DEFAULT_RUBRIC, RUBRIC_MAX, SCORE_PROMPT, ScriptedTeacher


def reinforce_loss(logps: Any, rewards: Any, baseline: float) -> Any:
    """-(R - b) * log pi, averaged: raises log pi of above-baseline samples, lowers the rest."""
    return -((rewards - baseline) * logps).mean()


class ReinforceOptions(StudentOptions):
    prompt_tokens: int = Field(8, ge=1, description="Prompt length (corpus tokens).")
    gen_tokens: int = Field(16, ge=1, description="Tokens the student generates per episode.")
    episodes_per_round: int = Field(8, ge=1)
    epochs: int = Field(1, ge=1)
    baseline: float | None = Field(None, description="Reward baseline (default: the batch mean).")
    length_bonus: float = 0.0
    target_words: int = Field(10, ge=1)
    rubric: tuple[str, ...] = DEFAULT_RUBRIC


class ReinforceProtocol(StudentProtocol, protocol="reinforce", metric="mean_reward", options=ReinforceOptions):
    opts: ReinforceOptions

    def __init__(self, run: RunContext, **options: Any) -> None:
        super().__init__(run, **options)
        self.flops_seq_len = self.opts.prompt_tokens + self.opts.gen_tokens
        self.teacher = run.teacher or ScriptedTeacher()

    def deploy(self, round_: int) -> list[Any]:
        import torch

        tok = self.tokenizer
        gen = torch.Generator().manual_seed(self.run.seed * 1000 + round_)
        wins = self.windows(round_, self.run.n_rounds, self.opts.prompt_tokens, self.opts.episodes_per_round)
        for e, prompt_ids in enumerate(wins):
            prompt = tok.decode(prompt_ids)
            out_ids, logp = sample(self.model, prompt_ids, self.opts.gen_tokens, top_p=self.opts.top_p, generator=gen)
            text = tok.decode(out_ids)
            res = self.teacher.score(prompt, text, self.opts.rubric)
            reward = None
            if res.value is not None:
                bonus = self.opts.length_bonus * min(1.0, count_words(text) / max(1, self.opts.target_words))
                reward = res.value + bonus
            hidden = SCORE_PROMPT.format(max=RUBRIC_MAX, criteria=", ".join(self.opts.rubric), context=prompt, student=text)
            deltas = self.run.ledger.charge_turn(
                {"corpus": prompt, "student_generated": text, "hidden_prompt": hidden, "reward": res.raw},
                episode=(round_, e),
            )
            outcome: dict[str, Any] = {"reward": reward, "score": res.value}
            if res.parse_error is not None:
                outcome["parse_error"] = res.parse_error
            self.run.log.append(Turn(
                run=self.run.run_id, round=round_, episode=e, turn=0, role="student",
                inputs={"prompt": prompt}, outputs=text, logprob=logp, policy_id=self.policy_id,
                teacher=res.raw, outcome=outcome, ledger=deltas, seed=self.run.seed,
                extra={"teacher_model": self.teacher.model_id, "rubric": list(self.opts.rubric)},
            ))
        return list(range(len(wins)))

    def _round_turns(self, round_: int) -> list[dict[str, Any]]:
        self.run.log.flush()
        return [t for t in read_episodes(self.run.log.path) if t["round"] == round_ and t["role"] == "student"]

    def aggregate(self, round_: int) -> list[dict[str, Any]]:
        """This round's scored episodes (parse failures are skipped, not guessed)."""
        return [
            {"prompt": t["inputs"]["prompt"], "text": t["outputs"], "reward": t["outcome"]["reward"]}
            for t in self._round_turns(round_)
            if t["outcome"]["reward"] is not None
        ]

    def train(self, round_: int, data: list[dict[str, Any]]) -> None:
        import torch

        if data:
            tok = self.tokenizer
            prompts = [tok(d["prompt"]).input_ids for d in data]
            outs = [tok(d["text"]).input_ids for d in data]
            keep = [i for i, o in enumerate(outs) if o]
            rewards = torch.tensor([float(data[i]["reward"]) for i in keep], device=self.model.device)
            base = float(rewards.mean()) if self.opts.baseline is None else self.opts.baseline
            opt = torch.optim.AdamW(self.model.parameters(), lr=self.opts.lr)
            words = sum(count_words(data[i]["prompt"]) + count_words(data[i]["text"]) for i in keep)
            self.model.train()
            for _ in range(self.opts.epochs):
                if not keep:
                    break
                self.before_step(words, sum(len(prompts[i]) + len(outs[i]) for i in keep))
                lp, _ = completion_logprobs(
                    self.model, [prompts[i] for i in keep], [outs[i] for i in keep], tok.pad_token_id
                )
                loss = reinforce_loss(lp, rewards, base)
                self.optimizer_step(opt, loss, words)
        self.finish_train(round_)

    def evaluate(self, round_: int) -> dict[str, Any]:
        turns = self._round_turns(round_)
        rewards = [t["outcome"]["reward"] for t in turns if t["outcome"]["reward"] is not None]
        return {
            "mean_reward": sum(rewards) / len(rewards) if rewards else None,
            "n_scored": len(rewards),
            "parse_failures": sum(1 for t in turns if "parse_error" in t["outcome"]),
            "heldout_logprob": self.heldout_logprob(),
            "policy_id": self.policy_id,
        }
