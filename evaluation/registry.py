"""The registries: tasks and scoring backends, each the single source of truth.

Built-in tasks are the modules of `babylm.evaluation.tasks` (each registers its TaskSpecs on import),
built-in backends are `babylm.evaluation.scorers.backends`; third-party packages add tasks through the
`babylm.tasks` entry-point group and backends through `babylm.backends`. An entry point's object is a
spec, a list of specs, or a zero-argument callable returning either. Validation, scoring, aggregation
and the leaderboard ask this module, never a list of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from babylm.errors import BabyLMError

if TYPE_CHECKING:  # pragma: no cover
    from babylm.evaluation.api import BackendSpec, TaskSpec
    from babylm.tracks.rules import TaskSets, Track

TASK_GROUP = "babylm.tasks"
BACKEND_GROUP = "babylm.backends"
DEMO_TASKS = ("demo",)  # kept for callers: the spec's `on_demand` and `needs_data` say it per task
# Official predictions keys of tasks babylm does not score itself (GLUE is fine-tuned apart; DevBench
# is not implemented yet).
UNSCORED_OFFICIAL_KEYS = ("glue", "devbench")
_loaded: set[str] = set()  # the groups whose built-ins and entry points are registered


def import_task_modules() -> None:
    """Import every module of babylm.evaluation.tasks so each registers its TaskSpecs."""
    import importlib
    import pkgutil

    import babylm.evaluation.tasks as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"babylm.evaluation.tasks.{mod.name}")


def tasks() -> dict[str, TaskSpec]:
    """Every registered task by name: the built-in modules, then entry points (`babylm.tasks`)."""
    from babylm.evaluation.api import TASKS, TaskSpec, register_task

    if TASK_GROUP not in _loaded:
        import_task_modules()
        _load_group(TASK_GROUP, TaskSpec, register_task)
    return TASKS


def get_task(name: str) -> TaskSpec:
    """The task called `name`; a user error naming the known tasks otherwise."""
    known = tasks()
    if name not in known:
        raise BabyLMError(f"unknown task {name!r}", hint=f"known: {', '.join(sorted(known))} (`babylm tasks list`)")
    return known[name]


def backends() -> dict[str, BackendSpec]:
    """Every scoring backend by name: the built-ins, then entry points (`babylm.backends`)."""
    import babylm.evaluation.scorers.backends  # noqa: F401  registers the built-ins
    from babylm.evaluation.api import BACKENDS, BackendSpec, register_backend

    if BACKEND_GROUP not in _loaded:
        _load_group(BACKEND_GROUP, BackendSpec, register_backend)
    return BACKENDS


def backend_names() -> tuple[str, ...]:
    """The scoring backends' names (cheap: imports no model code)."""
    return tuple(backends())


def get_backend(name: str) -> BackendSpec:
    """The backend called `name`; a user error naming the known backends otherwise."""
    known = backends()
    if name not in known:
        raise BabyLMError(f"unknown backend {name!r}", hint=f"choose one of {', '.join(known)}")
    return known[name]


def task_sets(track: Track) -> TaskSets:
    """The tasks of a track's board: the required and optional ones the track declares, plus, as
    optional, every registered task whose `boards` names the track (never required: a plugin cannot
    make an entry incomplete)."""
    from dataclasses import replace

    declared = track.tasks
    joined = [s.name for s in tasks().values()
              if (track.key in s.boards or track.name in s.boards) and s.name not in declared.all]
    return replace(declared, optional=declared.optional + tuple(joined)) if joined else declared


def official_keys() -> tuple[str, ...]:
    """Every top-level task key of the official predictions file: the registered tasks' keys, then
    `UNSCORED_OFFICIAL_KEYS`."""
    keys = [s.official_key for s in tasks().values() if s.official_key]
    return tuple(dict.fromkeys([*keys, *UNSCORED_OFFICIAL_KEYS]))



def _load_group(group: str, kind: type, register: Callable[[Any], Any]) -> None:
    """Register every spec the group's entry points give; a broken one is a user error naming it."""
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        where = f"entry point {ep.name!r} ({ep.value}) in group {group} of distribution " \
                f"{getattr(ep.dist, 'name', None) or 'unknown'}"
        for spec in _specs(ep, kind, where):
            try:
                register(spec)
            except ValueError as exc:
                raise BabyLMError(f"{where}: {exc}", hint="rename the plugin's task or backend") from exc
    _loaded.add(group)


def _specs(ep: Any, kind: type, where: str) -> list[Any]:
    try:
        obj = ep.load()
        if callable(obj) and not isinstance(obj, kind):
            obj = obj()
    except Exception as exc:  # a plugin's own bug: name the plugin, not our traceback
        raise BabyLMError(f"{where} failed to load: {type(exc).__name__}: {exc}",
                          hint="fix or uninstall that package") from exc
    specs = list(obj) if isinstance(obj, list | tuple) else [obj]
    bad = [type(s).__name__ for s in specs if not isinstance(s, kind)]
    if bad:
        raise BabyLMError(f"{where} gave {', '.join(bad)}, not a {kind.__name__}",
                          hint=f"the object must be a {kind.__name__}, a list of them, or a function returning either")
    return specs


def reset_entry_points() -> None:
    """Forget which entry points were read, so the next call reads them again (tests, after sys.path
    changes); specs already registered stay registered."""
    _loaded.clear()
