"""Training data for the baseline trainer: files -> lines -> token ids with word starts -> packed windows.

Words per sequence: every line is split with `str.split()` (the canonical word rule) and tokenized as
pre-split words, so each token knows its word; lines are joined with `<|endoftext|>` before each one
and cut into `seq_len` windows (the last one padded). A window holds the words whose FIRST token lies
in it, so a word cut across two windows counts once, and one epoch sums to the corpus word count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError


@dataclass
class PackedData:
    """Training sequences: input_ids [n, seq_len] (padded with pad_id), words and tokens per sequence."""

    input_ids: Any  # torch.LongTensor
    words: Any  # torch.LongTensor [n]
    tokens: Any  # torch.LongTensor [n]
    pad_id: int
    # Byte-budget tracks: UTF-8 bytes per language per sequence ({lang: torch.LongTensor [n]}).
    lang_bytes: dict[str, Any] | None = None

    def batch_bytes(self, idx: Any) -> dict[str, int] | None:
        """{lang: UTF-8 bytes} of the sequences `idx` (None on a word track)."""
        if self.lang_bytes is None:
            return None
        return {lang: int(t[idx].sum()) for lang, t in self.lang_bytes.items()}

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def to_dataset(self) -> Any:
        """A `datasets.Dataset` with input_ids, attention_mask, labels and the `words` column that
        `LedgerCallback` reads (pass remove_unused_columns=False and wrap the collator)."""
        from datasets import Dataset

        mask = (self.input_ids != self.pad_id).long()
        labels = self.input_ids.masked_fill(mask == 0, -100)
        return Dataset.from_dict({
            "input_ids": self.input_ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist(),
            "words": self.words.tolist(),
        })



def resolve_data(paths: Sequence[str | Path]) -> list[Path]:
    """Files named, or every non-hidden file under a folder named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise BabyLMError(f"no files under {p}", hint="pass the folder that holds the training text")
            out.extend(found)
        else:
            raise BabyLMError(f"training data not found: {p}", hint="pass text files or folders with --corpus")
    if not out:
        raise BabyLMError("no training data given", hint="pass --corpus PATH (files or folders)")
    return out


def read_lines(files: Iterable[Path]) -> list[str]:
    """Non-empty lines of UTF-8 text files, in order."""
    lines: list[str] = []
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                lines.extend(line for line in fh if not line.isspace() and line)
        except UnicodeDecodeError as exc:
            raise BabyLMError(f"{f} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return lines


def read_file_lines(files: Iterable[Path]) -> list[tuple[Path, list[str]]]:
    """`read_lines` per file: (file, its non-empty lines)."""
    return [(f, read_lines([f])) for f in files]


def line_bytes_per_sequence(ids: Any, eos_id: int, lines: Sequence[str], langs: Sequence[str], seq_len: int,
                            n_seq: int) -> dict[str, Any]:
    """UTF-8 bytes per language per packed sequence: a line's bytes (newline included) go to the
    sequence that holds the `<eos>` token opening it, so one epoch sums to the bytes of the lines read."""
    import numpy as np
    import torch

    starts = np.flatnonzero(np.asarray(ids) == eos_id)
    if len(starts) != len(lines):
        raise BabyLMError(f"cannot attribute bytes: {len(starts)} line starts for {len(lines)} lines "
                          "(the text holds the end-of-text token itself?)", hint="remove '<|endoftext|>' from the data")
    window = starts // seq_len
    out: dict[str, Any] = {}
    nbytes = np.asarray([len(line.encode("utf-8")) for line in lines], dtype=np.int64)
    lang_arr = np.asarray(langs)
    for lang in dict.fromkeys(langs):
        per = np.zeros(n_seq, dtype=np.int64)
        sel = lang_arr == lang
        np.add.at(per, window[sel], nbytes[sel])
        out[lang] = torch.from_numpy(per)
    return out


def take_words(lines: list[str], max_words: int) -> list[str]:
    """The first `max_words` words of `lines`, whole lines, the last one cut to fit exactly."""
    out: list[str] = []
    left = max_words
    for line in lines:
        if left <= 0:
            break
        words = line.split()
        if len(words) <= left:
            out.append(line)
            left -= len(words)
        else:
            out.append(" ".join(words[:left]) + "\n")
            left = 0
    return out


def encode_lines(tokenizer: Any, lines: Sequence[str], batch: int = 4096) -> tuple[Any, Any]:
    """(token ids, word-start flags) of the stream `<eos> line1 <eos> line2 ...` as numpy arrays."""
    import numpy as np

    backend = tokenizer.backend_tokenizer
    eos = tokenizer.eos_token_id
    id_chunks = []
    wid_chunks = []
    # numpy per batch of lines: a Python int list of a 10M-word corpus would take gigabytes
    for i in range(0, len(lines), batch):
        ids: list[int] = []
        wids: list[int] = []
        chunk = [line.split() for line in lines[i : i + batch]]
        for enc in backend.encode_batch(chunk, is_pretokenized=True, add_special_tokens=False):
            ids.append(eos)
            wids.append(-1)
            ids.extend(enc.ids)
            wids.extend(enc.word_ids)
        id_chunks.append(np.asarray(ids, dtype=np.int32))
        wid_chunks.append(np.asarray(wids, dtype=np.int32))
    all_ids = np.concatenate(id_chunks) if id_chunks else np.zeros(0, dtype=np.int32)
    w = np.concatenate(wid_chunks) if wid_chunks else np.zeros(0, dtype=np.int32)
    starts = np.empty(len(w), dtype=bool)
    if len(w):
        starts[0] = w[0] >= 0
        starts[1:] = (w[1:] >= 0) & (w[1:] != w[:-1])
    return all_ids.astype(np.int64), starts


def pack_sequences(ids: Any, starts: Any, seq_len: int, pad_id: int) -> PackedData:
    """Cut the stream into `seq_len` windows; each counts the words whose first token it holds."""
    import numpy as np
    import torch

    n = max(1, math.ceil(len(ids) / seq_len)) if len(ids) else 0
    total = n * seq_len
    grid = np.full(total, pad_id, dtype=np.int64)
    grid[: len(ids)] = ids
    flags = np.zeros(total, dtype=np.int64)
    flags[: len(starts)] = starts
    real = np.zeros(total, dtype=np.int64)
    real[: len(ids)] = 1
    return PackedData(
        input_ids=torch.from_numpy(grid.reshape(n, seq_len)),
        words=torch.from_numpy(flags.reshape(n, seq_len).sum(axis=1)),
        tokens=torch.from_numpy(real.reshape(n, seq_len).sum(axis=1)),
        pad_id=pad_id,
    )

