"""LedgerCallback: the ledger inside a transformers Trainer (counting, checkpoints, the cap)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from ledger_support import TRACK

from babylm.errors import BabyLMError
from babylm.tracks.ledger import (
    ExposureCapError,
    Ledger,
    verify_ledger,
)
from babylm.tracks.rules import get_track


def _tiny_trainer(tmp_path: Path, ledger: Ledger, n_examples: int = 24, epochs: float = 1.0):
    import torch
    from datasets import Dataset
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments
    from transformers.utils import logging as hf_logging

    from babylm.tracks.ledger import LedgerCallback

    hf_logging.disable_progress_bar()
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_layer=1, n_head=2, n_embd=16))
    rows = {"input_ids": [[(i * 7 + j) % 50 for j in range(16)] for i in range(n_examples)],
            "words": [10 + i % 3 for i in range(n_examples)]}
    ds = Dataset.from_dict(rows)

    def collate(feats):
        ids = torch.tensor([f["input_ids"] for f in feats])
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}

    cb = LedgerCallback(ledger)
    args = TrainingArguments(
        output_dir=str(tmp_path / "hf"), per_device_train_batch_size=4, gradient_accumulation_steps=2,
        num_train_epochs=epochs, remove_unused_columns=False, dataloader_num_workers=0, report_to=[],
        save_strategy="no", logging_strategy="no", use_cpu=True, disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=ds, data_collator=cb.wrap_collator(collate),
                      callbacks=[cb])
    return trainer, sum(rows["words"])


def test_trainer_callback_counts_every_batch_and_saves_loadable_checkpoints(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    ledger = Ledger(tmp_path / "run", TRACK, flops_per_token=10.0)
    trainer, words = _tiny_trainer(tmp_path, ledger, n_examples=26, epochs=2)
    trainer.train()
    assert ledger.words == 2 * words  # 26 examples, batch 4, accumulation 2: the uneven tail is counted too
    assert ledger.tokens == 2 * 26 * 16 and ledger.steps == trainer.state.global_step
    rep = verify_ledger(tmp_path / "run")
    assert rep.ok and rep.complete and rep.words == 2 * words
    assert "chck_5M" in rep.checkpoints
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "chck_1M")
    assert model.config.n_embd == 16


def test_trainer_callback_stops_at_the_cap(tmp_path: Path) -> None:
    small = get_track("strict-small").scaled(Fraction(3, 1_000_000))  # cap 300 words
    ledger = Ledger(tmp_path / "run", small, flops_per_token=1.0)
    trainer, _ = _tiny_trainer(tmp_path, ledger, epochs=3)
    with pytest.raises(ExposureCapError, match="300"):
        trainer.train()
    rep = verify_ledger(tmp_path / "run")
    assert rep.ok and rep.stopped_at_cap and rep.words <= 300


def test_trainer_callback_needs_the_words_column(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "run", TRACK, flops_per_token=1.0)
    trainer, _ = _tiny_trainer(tmp_path, ledger)
    trainer.train_dataset = trainer.train_dataset.remove_columns("words")
    with pytest.raises(BabyLMError, match="words"):
        trainer.train()
