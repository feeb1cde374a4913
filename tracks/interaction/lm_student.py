"""A base for protocols whose student is a causal LM trained on a corpus in rounds (simpo, reinforce).

It owns the student's life cycle across the round driver's steps: build a tiny GPT-2 and its tokenizer
(trained locally on the run's corpus) at round 0, persist the policy after every `train`, reload the
right policy in `on_resume`, cut the corpus into per-round slices of token windows, and save scheduled
checkpoints (RUN/chck_XM) when the word ledger says a milestone was reached.
Options shared by these protocols: corpus (a text file; default the generated demo corpus),
corpus_words, n_layer, n_embd, n_head, n_positions, vocab_size (the locally trained BPE tokenizer),
student (a saved HF folder to start from instead of a fresh GPT-2),
threads (torch CPU threads; default 1: tiny models run ~10x faster single-threaded on a busy machine).
The student runs on `run.device` ("cpu" or "cuda", from `babylm interact --device`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.interaction.driver import InteractionProtocol, RunContext
from babylm.tracks.interaction.policy import (
    corpus_text,
    load_policy,
    save_policy,
    tiny_gpt2,
    train_tokenizer,
    write_checkpoint,
)


class StudentProtocol(InteractionProtocol):
    """Shared student handling; subclasses implement deploy/aggregate/train/evaluate."""

    def __init__(
        self,
        run: RunContext,
        *,
        corpus: str | None = None,
        corpus_words: int = 4000,
        student: str | None = None,
        n_layer: int = 2,
        n_embd: int = 64,
        n_head: int = 2,
        n_positions: int = 128,
        vocab_size: int = 400,
        threads: int | None = 1,
    ) -> None:
        super().__init__(run)
        self.corpus_path = corpus
        self.corpus_words = corpus_words
        self.student_path = student
        self.n_layer = n_layer
        self.n_embd = n_embd
        self.n_head = n_head
        self.n_positions = n_positions
        self.vocab_size = vocab_size
        self.threads = threads
        self.model: Any = None
        self.tokenizer: Any = None
        self.policy_id = "init"
        self.tokens_seen = 0
        self.train_steps = 0
        self._t0 = time.time()
        self._text: str | None = None

    # ------------------------------------------------------------------ corpus
    @property
    def text(self) -> str:
        if self._text is None:
            if self.corpus_path:
                p = Path(self.corpus_path)
                if not p.is_file():
                    raise BabyLMError(f"corpus file {p} not found")
                self._text = p.read_text(encoding="utf-8")
            else:
                self._text = corpus_text(self.corpus_words, self.run.seed)
        return self._text

    def windows(self, round_: int, n_rounds_hint: int, width: int, limit: int) -> list[list[int]]:
        """Token windows of `width` from round `round_`'s slice (1/n of the corpus; the last 10% is held out).

        Each window starts at a word's first token (byte-level BPE "Ġ" or sentencepiece "▁" marks), so
        contexts do not begin with the tail of a word.
        """
        ids = self.corpus_ids()
        starts = self._word_starts()
        train_end = int(len(ids) * 0.9)
        per = max(width, train_end // max(1, n_rounds_hint))
        pos = (round_ * per) % max(1, train_end - width)
        end = min(pos + per, train_end)
        out: list[list[int]] = []
        while len(out) < limit:
            while pos < end and not starts[pos]:
                pos += 1
            if pos + width > end:
                break
            out.append(ids[pos : pos + width])
            pos += width
        return out

    def _word_starts(self) -> list[bool]:
        if not hasattr(self, "_starts"):
            toks = self.tokenizer.convert_ids_to_tokens(self.corpus_ids())
            marks = [t.startswith(("\u0120", "\u2581")) for t in toks]
            self._starts = marks if any(marks) else [True] * len(toks)
        return self._starts

    def heldout_ids(self) -> list[int]:
        ids = self.corpus_ids()
        return ids[int(len(ids) * 0.9) :]

    def corpus_ids(self) -> list[int]:
        if not hasattr(self, "_ids"):
            self._ids = self.tokenizer(self.text.replace("\n", " ")).input_ids
        return self._ids

    # ------------------------------------------------------------------ policy life cycle
    @property
    def init_dir(self) -> Path:
        return self.run.run_dir / "rounds" / "init" / "policy"

    def _fresh(self) -> None:
        if self.student_path:
            self.model, self.tokenizer = load_policy(self.student_path)
        else:
            self.tokenizer = train_tokenizer(self.text, vocab_size=self.vocab_size)
            self.model = tiny_gpt2(self.tokenizer, n_layer=self.n_layer, n_embd=self.n_embd, n_head=self.n_head,
                                   n_positions=self.n_positions, seed=self.run.seed)
        self.model.to(self.run.device)
        save_policy(self.model, self.tokenizer, self.init_dir)
        self.policy_id = "init"

    def on_resume(self, round_: int, step: str | None) -> None:
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)
        torch.manual_seed(self.run.seed)
        if step is None:
            self._fresh()
            return
        trained = step in ("train", "evaluate")
        latest = round_ if trained else round_ - 1
        path = self.run.policy_dir(latest) if latest >= 0 else self.init_dir
        self.model, self.tokenizer = load_policy(path)
        self.model.to(self.run.device)
        self.policy_id = f"round{latest}" if latest >= 0 else "init"

    def finish_train(self, round_: int) -> None:
        """Persist the policy trained in `round_` (call at the end of `train`)."""
        self.model.eval()
        save_policy(self.model, self.tokenizer, self.run.policy_dir(round_))
        self.policy_id = f"round{round_}"

    def save_checkpoint(self, name: str, words_seen: int) -> None:
        """Word-ledger callback: save RUN/<name> with babylm_checkpoint.json."""
        write_checkpoint(
            self.model, self.tokenizer, self.run.run_dir, name, track=self.run.track, words_seen=words_seen,
            tokens_seen=self.tokens_seen, steps=self.train_steps, started=self._t0,
        )

    def heldout_logprob(self, width: int = 32, limit: int = 16) -> float:
        """Mean per-token log-prob of held-out corpus windows (higher is better)."""
        import torch

        ids = self.heldout_ids()
        wins = [ids[i : i + width] for i in range(0, len(ids) - width + 1, width)][:limit]
        if not wins:
            return float("nan")
        self.model.eval()
        with torch.no_grad():
            x = torch.tensor(wins, device=self.model.device)
            loss = self.model(input_ids=x, labels=x).loss
        return -float(loss)
