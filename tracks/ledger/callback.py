"""`LedgerCallback`: a Ledger inside a transformers `Trainer` (built on first use: transformers is heavy)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.tracks.ledger.writer import Ledger

Collator = Callable[[list[dict[str, Any]]], Any]


def _batch_tokens(batch: Any) -> int:
    """Non-padding positions of a collated batch (all positions without an attention mask)."""
    mask = batch.get("attention_mask") if hasattr(batch, "get") else None
    return int(mask.sum()) if mask is not None else int(batch["input_ids"].numel())


def _strip_words(features: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The examples without their `words` column, and the words they hold."""
    words = 0
    stripped = []
    for feat in features:
        if "words" not in feat:
            raise BabyLMError(
                "a training example has no `words` column",
                hint="give every example its word count and set remove_unused_columns=False",
            )
        feat = dict(feat)
        words += int(feat.pop("words"))
        stripped.append(feat)
    return stripped, words


def make_callback_class() -> type:
    from transformers import TrainerCallback

    class LedgerCallback(TrainerCallback):  # type: ignore[misc, valid-type]
        """Runs a Ledger inside a transformers `Trainer`.

        Words per batch come from a `words` column: give every training example an integer `words`
        (the words whose first token it holds: `babylm.tracks.train.pack_sequences(...).to_dataset()`
        builds such a dataset), pass
        `TrainingArguments(remove_unused_columns=False, dataloader_num_workers=0)`, and wrap the data
        collator with `callback.wrap_collator(collator)`. The wrapper removes `words` from each example
        before collating and queues the batch's words and tokens (non-padding positions); the callback
        announces each optimizer step's micro-batches to the ledger in `on_step_begin` (so a batch that
        would cross the exposure cap raises ExposureCapError before it is trained on) and counts them in
        `on_step_end`, saving due checkpoints with the Trainer's model and tokenizer.
        """

        def __init__(self, ledger: Ledger) -> None:
            self.ledger = ledger
            self._queue: deque[tuple[int, int]] = deque()
            self._step: tuple[int, int] | None = None
            self._model: Any = None
            self._tokenizer: Any = None
            if ledger.save_fn is None:
                ledger.save_fn = self._save

        def wrap_collator(self, collator: Collator) -> Collator:
            def collate(features: list[dict[str, Any]]) -> Any:
                stripped, words = _strip_words(features)
                batch = collator(stripped)
                self._queue.append((words, _batch_tokens(batch)))
                return batch

            return collate

        def _save(self, name: str, folder: Path) -> None:
            if self._model is None:
                raise RuntimeError("LedgerCallback has no model to save")
            self._model.save_pretrained(folder)
            if self._tokenizer is not None:
                self._tokenizer.save_pretrained(folder)

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if getattr(args, "dataloader_num_workers", 0):
                raise BabyLMError(
                    "LedgerCallback needs dataloader_num_workers=0",
                    hint="batches are counted in the collator, which must run in the training process",
                )
            self._model = kwargs.get("model")
            self._tokenizer = kwargs.get("processing_class") or kwargs.get("tokenizer")

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            # The Trainer fetches a step's micro-batches before on_step_begin; the loader may have
            # prefetched one more, which exists only when this step is a full one.
            n = min(args.gradient_accumulation_steps, len(self._queue))
            words = tokens = 0
            for _ in range(n):
                w, t = self._queue.popleft()
                words += w
                tokens += t
            self._step = (words, tokens)
            self.ledger.before_step(words, tokens)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._model = kwargs.get("model", self._model)
            self.ledger.after_step()

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.ledger.close()

    return LedgerCallback
