"""Safe handling of untrusted submissions: guarded archive extraction and checkpoint loading.

Nothing from a bundle is ever imported or unpickled. Checkpoints are checked statically first
(file kinds, config JSON, safetensors headers, sizes); only then is a model built, with
`use_safetensors=True` and `trust_remote_code=False`, in a child process with a deadline per checkpoint.

Modules: limits (size limits, the bounded JSON reader), archive (extraction, the link check of a tree),
checkpoint (static checks), child (real loading in a child process).
"""

from __future__ import annotations

from babylm.submissions.safe_load.archive import check_tree, extract_archive
from babylm.submissions.safe_load.checkpoint import (
    CODE_SUFFIXES,
    CONVERT_HINT,
    PICKLE_SUFFIXES,
    check_checkpoint_static,
    check_config,
    count_params,
    known_model_types,
    read_safetensors_header,
)
from babylm.submissions.safe_load.child import load_checkpoints, load_findings, warn_hub
from babylm.submissions.safe_load.limits import DEFAULT_LIMITS, Limits, read_json_file

__all__ = [
    "CODE_SUFFIXES", "CONVERT_HINT", "DEFAULT_LIMITS", "PICKLE_SUFFIXES", "Limits", "check_checkpoint_static",
    "check_config", "check_tree", "count_params", "extract_archive", "known_model_types", "load_checkpoints",
    "load_findings", "read_json_file", "read_safetensors_header", "warn_hub",
]
