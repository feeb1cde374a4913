"""Which tasks a board ranks and how each one counts, asked of the registries (no list of its own).

- The tasks: the track's `TaskSets` (`babylm.tracks.rules`); a board whose (edition, track) no
  registered track has falls back to the text tracks' set.
- The factor onto the board's common scale: the task spec's `board_scale` (reading's delta-R^2 x 100 is
  0.01); a task no registry knows (e.g. one stored before it was implemented) counts as it is (1.0).
- The metric that counts when a task has rows for several: the task spec's `metric`; for an unknown
  task none is preferred (aggregate then takes a plain metric, else the first by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from babylm.evaluation.api import TaskSpec
    from babylm.tracks.rules import TaskSets


def tasks_for(edition: int, track: str) -> TaskSets:
    """The board's tasks: the track's task sets, else (no such track) the text tracks' set."""
    from babylm.errors import BabyLMError
    from babylm.evaluation.registry import task_sets
    from babylm.tracks.rules import TEXT_TASKS, resolve_track

    try:
        return task_sets(resolve_track(track, int(edition)))
    except BabyLMError:
        return TEXT_TASKS


def _spec(task: str) -> TaskSpec | None:
    from babylm.evaluation.registry import tasks

    return tasks().get(task)


def board_scale(task: str) -> float:
    """Factor that maps `task`'s score onto the board's common scale (1.0 for a task no registry knows)."""
    spec = _spec(task)
    return float(spec.board_scale) if spec is not None else 1.0


def primary_metric(task: str) -> str | None:
    """The metric that counts for `task` when it has rows for several (None: no registered task)."""
    spec = _spec(task)
    return spec.metric if spec is not None else None


@dataclass(frozen=True)
class TaskInfo:
    """What the app shows beside a task's column (from the task spec; blank for an unknown task)."""

    name: str
    description: str = ""
    unit: str = ""
    chance: float | None = None
    higher_is_better: bool = True

    @property
    def help(self) -> str:
        """A column tooltip: description, unit and chance level, whichever are known."""
        parts = [self.description] if self.description else []
        if self.unit:
            parts.append(f"unit: {self.unit}")
        if self.chance is not None:
            parts.append(f"chance: {self.chance:g}")
        if not self.higher_is_better:
            parts.append("lower is better")
        return "; ".join(parts)


def task_info(task: str) -> TaskInfo:
    spec = _spec(task)
    if spec is None:
        return TaskInfo(task)
    return TaskInfo(task, spec.description, spec.unit, spec.chance, spec.higher_is_better)
