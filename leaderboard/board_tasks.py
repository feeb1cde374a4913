"""Which tasks a board ranks and how each one counts, asked of the registries (no list of its own).

- The tasks: the track's `TaskSets` (`babylm.tracks.rules`); a board whose (edition, track) no
  registered track has falls back to the text tracks' set.
- The factor onto the board's common scale: the task spec's `board_scale` (reading's delta-R^2 x 100 is
  0.01); a task no registry knows (e.g. one stored before it was implemented) counts as it is (1.0).
- The metric that counts when a task has rows for several: the task spec's `metric`; for an unknown
  task none is preferred (aggregate then takes a plain metric, else the first by name).
- Boards per language: a track with per-language task sets (2026 multilingual) has one board per
  language, named `<track>@<lang>` (e.g. `multilingual@nl`), over the track's submissions and that
  language's tasks; `expand_boards` turns the store's (edition, track) list into the boards shown.
- The official table's per-language averages (`language_averages`): the mean of a language's zero-shot
  tasks and of its fine-tuning tasks, a missing task counting 0 (the multilingual rule) or left out
  (`missing="skip"`, what the baseline table in babylm-org/babylm-eval multilingual/README.md prints).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from babylm.evaluation.api import TaskSpec
    from babylm.tracks.rules import TaskSets


LANG_SEP = "@"


def split_board(board: str) -> tuple[str, str | None]:
    """(stored track name, language or None): 'multilingual@nl' -> ('multilingual', 'nl')."""
    track, sep, lang = board.partition(LANG_SEP)
    return (track, lang) if sep and lang else (board, None)


def board_name(track: str, lang: str | None = None) -> str:
    return f"{track}{LANG_SEP}{lang}" if lang else track


def language_boards(edition: int, track: str) -> list[str]:
    """The boards of one stored track: one per language when the track has per-language task sets."""
    from babylm.errors import BabyLMError
    from babylm.tracks.rules import resolve_track

    try:
        t = resolve_track(track, int(edition))
    except (BabyLMError, ValueError):
        return [track]
    return [board_name(track, code) for code, _ in t.language_tasks] or [track]


def expand_boards(pairs: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """The store's (edition, track) pairs with each multilingual track replaced by its language boards."""
    return [(e, b) for e, t in pairs for b in language_boards(e, t)]


def tasks_for(edition: int, track: str) -> TaskSets:
    """The board's tasks: the track's task sets (one language's for `<track>@<lang>`), plus the registered
    tasks whose `boards` name the track; else (no such track) the text tracks' set."""
    from babylm.errors import BabyLMError
    from babylm.evaluation.registry import task_sets
    from babylm.tracks.rules import TEXT_TASKS, resolve_track

    name, lang = split_board(track)
    try:
        t = resolve_track(name, int(edition))
        return t.tasks_for(lang) if lang else task_sets(t)
    except (BabyLMError, ValueError):
        return TEXT_TASKS


def language_averages(scores: Mapping[str, float | None], edition: int, board: str, *,
                      missing: Literal["zero", "skip"] = "zero") -> dict[str, float | None]:
    """The official table's averages of one language board: {"zero_shot": mean of its zero-shot
    (linguistic) tasks, "finetune": mean of its fine-tuning tasks}; a missing (None or absent) task counts
    0 (`missing="zero"`) or is left out (`"skip"`; None when a group has no score at all)."""
    sets = tasks_for(edition, board)
    out: dict[str, float | None] = {}
    for group, names in (("zero_shot", sets.linguistic), ("finetune", sets.finetune)):
        vals = [scores.get(n) for n in names]
        have = [float(v) for v in vals if v is not None]
        if missing == "zero":
            out[group] = sum(have) / len(names) if names else None
        else:
            out[group] = sum(have) / len(have) if have else None
    return out


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
