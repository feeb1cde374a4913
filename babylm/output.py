"""Shared printing helpers: Rich for people, `--json` for scripts (one JSON document on stdout)."""

from __future__ import annotations

import json
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
