"""A base for protocols whose student is a causal LM trained on a corpus in rounds (simpo, reinforce).

It owns the student's life cycle across the round driver's steps: build a tiny GPT-2 and its tokenizer
(trained locally on the run's corpus) at round 0, persist the policy after every `train`, reload the
right policy in `on_resume`, cut the corpus into per-round slices of token windows, and keep the
training ledger: RUN/ledger.jsonl in the `babylm.ledger/1` format of tracks/ledger.py (made resumable by
train_ledger.py), which saves the scheduled checkpoints RUN/chck_XM with their babylm_checkpoint.json,
so an interaction run folder verifies with `babylm ledger verify` like any training run. Subclasses
wrap each optimizer step in `before_step(words, tokens)` / `after_step(words, loss)`, which charge the
word ledger's words seen and the training ledger alike.
Options shared by these protocols: `StudentOptions` (protocols/options.py).
The student runs on `run.device` ("cpu" or "cuda", from `babylm interact run --device`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.io import atomic_write_text
from babylm.tracks.interaction.protocols.driver import InteractionProtocol, RunContext
from babylm.tracks.interaction.protocols.options import StudentOptions, parse_options
from babylm.tracks.interaction.students.policy import (
    corpus_text,
    load_policy,
    save_policy,
    tiny_gpt2,
    train_tokenizer,
)


class StudentProtocol(InteractionProtocol):
    """Shared student handling; subclasses implement deploy/aggregate/train/evaluate."""

    options_model: type[StudentOptions] = StudentOptions

    def __init__(self, run: RunContext, **options: Any) -> None:
        super().__init__(run)
        self.opts = parse_options(self.options_model, self.name, options)
        self.model: Any = None
        self.tokenizer: Any = None
        self.policy_id = "init"
        self.flops_seq_len = self.opts.n_positions  # context length for the analytic FLOPs per token
        self.tledger: Any = None
        self._tledger_size: int | None = None
        self._text: str | None = None

    # ------------------------------------------------------------------ corpus
    @property
    def text(self) -> str:
        if self._text is None:
            if self.opts.corpus:
                p = Path(self.opts.corpus)
                if not p.is_file():
                    raise BabyLMError(f"corpus file {p} not found")
                self._text = p.read_text(encoding="utf-8")
            else:
                self._text = corpus_text(self.opts.corpus_words, self.run.seed)
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
        if self.opts.student:
            self.model, self.tokenizer = load_policy(self.opts.student)
        else:
            self.tokenizer = train_tokenizer(self.text, vocab_size=self.opts.vocab_size)
            o = self.opts
            self.model = tiny_gpt2(self.tokenizer, n_layer=o.n_layer, n_embd=o.n_embd, n_head=o.n_head,
                                   n_positions=o.n_positions, seed=self.run.seed)
        self.model.to(self.run.device)
        save_policy(self.model, self.tokenizer, self.init_dir)
        self.policy_id = "init"
        self._write_data_manifest()
        self._open_training_ledger(None)

    def on_resume(self, round_: int, step: str | None) -> None:
        import torch

        if self.opts.threads:
            torch.set_num_threads(self.opts.threads)
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
        self._open_training_ledger(self._tledger_size)

    # ------------------------------------------------------------------ the training ledger
    def _open_training_ledger(self, size: int | None) -> None:
        from babylm.tracks.compute import train_flops_per_token
        from babylm.tracks.interaction.accounting.train_ledger import open_training_ledger

        if self.tledger is not None:
            self.tledger.close(status="reopened")
        self.tledger = open_training_ledger(
            self.run.run_dir, self.run.track, size=size, save_fn=self._save_into,
            flops_per_token=train_flops_per_token(self.model.config, self.flops_seq_len),
            info={"arch": self.model.config.model_type, "interaction_protocol": self.name,
                  "n_params": sum(p.numel() for p in self.model.parameters())},
        )

    def _save_into(self, name: str, folder: Path) -> None:
        self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)

    def checkpoint_state(self) -> dict[str, Any]:
        """Driver hook: the training ledger's size at this step boundary (the resume point); run.json."""
        self._write_run_json("running")
        path = self.run.run_dir / "ledger.jsonl"
        return {"train_ledger_size": path.stat().st_size if path.is_file() else 0}

    def _write_data_manifest(self) -> None:
        """RUN/data_manifest.json for the corpus the student reads from (written into RUN/corpus/ if generated)."""
        from babylm.tracks.manifest import build_manifest, write_manifest

        if self.opts.corpus:
            src = Path(self.opts.corpus)
        else:
            src = self.run.run_dir / "corpus" / "corpus.txt"
            src.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(src, self.text)
        manifest = build_manifest([src], self.run.track, root=self.run.run_dir, workers=1)
        write_manifest(manifest, self.run.run_dir / "data_manifest.json")

    def _write_run_json(self, status: str) -> None:
        """RUN/run.json in the training-run shape (babylm.run/1 fields) plus the teacher and the protocol."""
        from babylm import __version__
        from babylm.tracks.interaction.accounting.formats import InteractionRunInfo

        tr, led, tl, cfg = self.run.track, self.run.ledger, self.tledger, self.model.config
        teacher = self.run.teacher
        info = {
            "format": "babylm.run/1", "tool_version": __version__, "edition": tr.edition, "track": tr.name,
            "scale": str(tr.scale), "scaled": tr.is_scaled, "word_budget": tr.word_budget,
            "exposure_cap": tr.exposure_cap, "arch": cfg.model_type, "model_config": cfg.to_dict(),
            "n_params": sum(p.numel() for p in self.model.parameters()),
            "tokenizer": {"type": "byte-level-bpe", "vocab_size": len(self.tokenizer)},
            "seed": self.run.seed, "seq_len": self.flops_seq_len, "status": status,
            "interaction": {"protocol": self.name, "run_id": self.run.run_id, "variant": self.run.variant},
            "teacher": None if teacher is None else {
                "model_id": teacher.model_id, "n_params": teacher.n_params, "words": led.counts["teacher_visible"]},
            "words_seen": led.words_seen,
        }
        if tl is not None:
            info |= {"tokens_seen": tl.tokens, "steps": tl.steps, "train_flops": tl.flops,
                     "flops_per_token": tl.flops_per_token, "checkpoints": dict(tl.checkpoints)}
        InteractionRunInfo.model_validate(info).write(self.run.run_dir)

    def restore_state(self, state: dict[str, Any] | None) -> None:
        """Driver hook, before on_resume: where the training ledger is cut back to."""
        self._tledger_size = (state or {}).get("train_ledger_size")

    def on_finish(self, status: str) -> None:
        """Driver hook at the end of an invocation: close the training ledger (its `end` line)."""
        if self.tledger is not None:
            self.tledger.close(status=status)
            self._write_run_json(status)
            self.tledger = None

    def before_step(self, words: int, tokens: int) -> None:
        """Check the exposure cap before an optimizer step (word ledger first, then training ledger)."""
        self.run.ledger.check_seen(words)
        self.tledger.before_step(words, tokens)

    def after_step(self, words: int, loss: float | None = None) -> None:
        """Count the step: the training ledger saves due checkpoints, the word ledger advances words seen."""
        self.tledger.after_step(loss=loss)
        self.run.ledger.seen(words)

    def optimizer_step(self, opt: Any, loss: Any, words: int) -> None:
        """One optimizer step on `loss`, then `after_step` (call `before_step` first)."""
        opt.zero_grad()
        loss.backward()
        opt.step()
        self.after_step(words, float(loss.detach()))

    def finish_train(self, round_: int) -> None:
        """Persist the policy trained in `round_` (call at the end of `train`)."""
        self.model.eval()
        save_policy(self.model, self.tokenizer, self.run.policy_dir(round_))
        self.policy_id = f"round{round_}"

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
