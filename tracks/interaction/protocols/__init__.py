"""Interaction protocols (simpo, reinforce, respect, cogen) and the round driver.

A protocol is a module of this package that registers itself with `driver.register_protocol` on import;
`protocol_modules()` lists them without importing anything (the CLI's --protocol choices).
"""

from __future__ import annotations

from pathlib import Path

# Modules of this package that are machinery, not protocols.
NOT_PROTOCOLS = frozenset({"__init__", "driver", "lm_student", "options", "refgame_base"})


def protocol_modules() -> list[str]:
    """The protocol modules of this package, by name."""
    return sorted({p.stem for p in Path(__file__).parent.glob("*.py")} - NOT_PROTOCOLS)
