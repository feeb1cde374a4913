"""The budgeted baseline trainer behind `babylm model train` / `babylm model resume`.

Modules: options (the job and its result, as dataclasses), data (files -> packed sequences with words
per sequence), state (run.json and train_state.pt models), loop (the training loop under a Ledger),
run (`train`, `resume`).
"""

from babylm.tracks.train.data import (
    PackedData,
    encode_lines,
    pack_sequences,
    read_lines,
    resolve_data,
    take_words,
)
from babylm.tracks.train.options import TrainOptions, TrainResult
from babylm.tracks.train.run import DEFAULT_LR, load_run_info, resume, train
from babylm.tracks.train.state import RUN_FORMAT, STATE_FILE, RunInfo, TrainState

__all__ = [
    "DEFAULT_LR", "RUN_FORMAT", "STATE_FILE", "PackedData", "RunInfo", "TrainOptions", "TrainResult", "TrainState",
    "encode_lines", "load_run_info", "pack_sequences", "read_lines", "resolve_data", "resume", "take_words", "train",
]
