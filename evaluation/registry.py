"""The registries: tasks and scoring backends, each the single source of truth.

Built-in tasks are the modules of `babylm.evaluation.tasks` (each registers its TaskSpecs on import);
third-party packages add tasks through the `babylm.tasks` entry-point group and backends through
`babylm.backends`. Validation, scoring, aggregation and the leaderboard ask this module, never a list
of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from babylm.errors import BabyLMError

if TYPE_CHECKING:  # pragma: no cover
    from babylm.evaluation.api import TaskSpec
    from babylm.tracks.rules import TaskSets, Track

_LOADED = False


def tasks() -> dict[str, TaskSpec]:
    """Every registered task by name: the built-in modules, then entry points (`babylm.tasks`)."""
    global _LOADED
    from babylm.evaluation.api import TASKS

    if not _LOADED:
        from babylm.evaluation.runner import import_task_modules

        import_task_modules()
        _LOADED = True
    return TASKS


def get_task(name: str) -> TaskSpec:
    """The task called `name`; a user error naming the known tasks otherwise."""
    known = tasks()
    if name not in known:
        raise BabyLMError(f"unknown task {name!r}", hint=f"known: {', '.join(sorted(known))} (`babylm tasks list`)")
    return known[name]


def backend_names() -> tuple[str, ...]:
    """The scoring backends' names (cheap: imports no model code)."""
    from babylm.evaluation.scorers.load import BACKENDS

    return tuple(BACKENDS)


def task_sets(track: Track) -> TaskSets:
    """The tasks of a track's board (required and optional), as the track declares them."""
    return track.tasks
