"""Choice types of the tracks part's own options (`Literal`s from the registries, shown in --help)."""

from __future__ import annotations

from typing import Literal

from babylm.cli_options import literal
from babylm.tracks.model_configs import ARCHS
from babylm.tracks.words import ERRORS_MODES

Arch = literal(ARCHS)
Attn = Literal["sdpa", "eager"]
ErrorsMode = literal(ERRORS_MODES)
