"""The fixed value sets of the evaluation commands, as Literal types so --help shows them as {a|b|c}.

Backends come from the registry (built-ins and `babylm.backends` entry points). A broken backend plugin
must not stop the whole command tree from building: the choices then fall back to the built-ins, and
the registry reports the plugin's error when a command uses it.
"""

from typing import Literal

from babylm.errors import BabyLMError
from babylm.evaluation.api import COMPATS, SPLITS


def _backend_names() -> tuple[str, ...]:
    from babylm.evaluation import registry

    try:
        return registry.backend_names()
    except BabyLMError:
        from babylm.evaluation.scorers.backends import BUILTIN

        return tuple(b.name for b in BUILTIN)


def _engines() -> tuple[str, ...]:
    from babylm.evaluation.scorers.load import ENGINES

    return ENGINES


BackendChoice = Literal[_backend_names()]  # type: ignore[valid-type]
CompatChoice = Literal[COMPATS]  # type: ignore[valid-type]
SplitChoice = Literal[SPLITS]  # type: ignore[valid-type]
EngineChoice = Literal[_engines()]  # type: ignore[valid-type]
