"""Train a byte-level BPE tokenizer on the training data (the `tokenizers` library), GPT-2 style.

One special token `<|endoftext|>` serves as BOS, EOS and UNK (GPT-2's convention); `<|pad|>` pads.
A space is added before the first word (`add_prefix_space`), so a word is the same tokens at the
start of a text as inside it: pre-split words (`is_split_into_words`) and plain text then agree,
which the trainer relies on to know where each word starts. No BOS is added automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

EOS = "<|endoftext|>"
PAD = "<|pad|>"


def train_tokenizer(
    lines: Iterable[str],
    vocab_size: int = 8000,
    min_frequency: int = 2,
    *,
    add_prefix_space: bool = True,
    pad_token: str | None = PAD,
    model_max_length: int | None = 1_000_000,
) -> Any:
    """A `transformers.PreTrainedTokenizerFast` trained on `lines` (deterministic for the same input).

    The defaults are the training harness's (module docstring). `add_prefix_space=False` (with no
    offset post-processor), `pad_token=None` (EOS also pads; no separate pad token) and
    `model_max_length=None` (transformers' default) give the interaction students' tokenizer.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
    tok.decoder = decoders.ByteLevel()
    if add_prefix_space:
        tok.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[EOS] if pad_token is None else [EOS, pad_token],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer=trainer)
    extra: dict[str, Any] = {"add_prefix_space": True} if add_prefix_space else {}
    if model_max_length is not None:
        extra["model_max_length"] = model_max_length
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=EOS,
        eos_token=EOS,
        unk_token=EOS,
        pad_token=pad_token or EOS,
        **extra,
    )
