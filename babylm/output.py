"""Shared printing helpers: Rich for people, `--json` for scripts (one JSON document on stdout)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

console = Console(stderr=False)
err_console = Console(stderr=True)


def emit(data: Any, as_json: bool, render: Callable[[Console], None] | None = None) -> None:
    """Print `data` as JSON when `as_json`, else call `render(console)` (or pretty-print `data`)."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str, sort_keys=False) + "\n")
        sys.stdout.flush()
    elif render is not None:
        render(console)
    else:
        console.print(data)


def scaled_banner(scale: Any) -> str:
    """The line every scaled run prints, so nobody mistakes a demo for real rules."""
    return f"[bold yellow]SCALED RUN x{scale}: budgets and schedule shrunk for a demo/test; not a valid entry[/]"


# Terminal escape sequences and control characters: what a stored or bundled string must never bring
# to a terminal (screen clears, hyperlinks, titles) or to a page.
CONTROL = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (hyperlinks, titles), BEL or ST ended
                     r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI (colours, screen clear, cursor moves)
                     r"|\x1b[@-_]?"  # other escapes
                     r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0/C1 controls but tab and newline
# Bidirectional overrides and isolates, which reorder what a reader sees.
BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])


def strip_control(text: object) -> str:
    """`text` as a string without terminal escape sequences, control characters (tab and newline kept)
    and bidi overrides."""
    return CONTROL.sub("", str(text)).translate(BIDI)


def inert(text: object) -> str:
    """Untrusted text for a Rich console: one line, no escapes or control characters, Rich markup escaped."""
    from rich.markup import escape

    return escape(strip_control(text).replace("\t", " ").replace("\n", " "))
