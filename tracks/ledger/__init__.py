"""The training ledger: words seen, tokens, steps and FLOPs; checkpoints at the track's schedule.

One `Ledger` per run folder. The training loop tells it, before each batch, how many words and tokens
the batch holds (`before_step`): the ledger refuses a batch that would take words seen (repeats
counted) past the track's exposure cap by raising `ExposureCapError`, before the batch is trained on.
After the step (`after_step`) it updates the counters and saves every checkpoint now due through
`save_fn(name, folder)`, then adds `babylm_checkpoint.json` and moves the folder into place
(`RUN/chck_{N}M`), so a crash never leaves a half-written checkpoint under its final name.

Every event is one line of `ledger.jsonl`, chained to the previous line by its hash (format in
docs/formats.md); `verify_ledger` recomputes the chain. The chain makes an edit of one line
detectable; it is not a signature: whoever rewrites every later hash too can forge a ledger.

Modules: formats (the line and checkpoint-metadata models), writer (`Ledger`), checkpoints (saving
and checking checkpoint folders), verify (`verify_ledger`), callback (`LedgerCallback` for a
transformers `Trainer`, built on first use).
"""

from __future__ import annotations

from typing import Any

from babylm.tracks.ledger.checkpoints import SaveFn, file_sha256
from babylm.tracks.ledger.formats import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_META,
    FORMAT,
    LEDGER_FILE,
    ZERO_HASH,
    CheckpointMeta,
    LedgerLine,
    line_hash,
)
from babylm.tracks.ledger.verify import LedgerReport, verify_ledger
from babylm.tracks.ledger.writer import ExposureCapError, Ledger, scale_str

__all__ = [
    "CHECKPOINT_FORMAT", "CHECKPOINT_META", "FORMAT", "LEDGER_FILE", "ZERO_HASH", "CheckpointMeta",
    "ExposureCapError", "Ledger", "LedgerCallback", "LedgerLine", "LedgerReport", "SaveFn", "file_sha256",
    "line_hash", "scale_str", "verify_ledger",
]


def __getattr__(name: str) -> Any:  # PEP 562: build LedgerCallback on first use (imports transformers)
    if name == "LedgerCallback":
        from babylm.tracks.ledger.callback import make_callback_class

        cls = make_callback_class()
        globals()["LedgerCallback"] = cls
        return cls
    raise AttributeError(name)
