"""What the tasks share: reading a JSONL task folder into Items, count and score checks, registration."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Item, ItemScore, ScoreRequest, Split, TaskSpec, register_task
from babylm.evaluation.tasks.datafiles import (
    DataFile,
    DataFileError,
    check_count,
    read_jsonl,
    require_fields,
    task_files,
)

# make(file, line number, row) -> (subtask, candidates, gold, extra)
RowParser = Callable[[DataFile, int, dict[str, Any]], tuple[str, list[ScoreRequest], int | None, dict[str, Any]]]


def select_files(files: list[DataFile], subtasks: Sequence[str] | None, task: str) -> list[DataFile]:
    """Keep the files whose stem is in `subtasks` (all when None); unknown names are an error."""
    if subtasks is None:
        return files
    stems = {f.stem: f for f in files}
    unknown = sorted(set(subtasks) - set(stems))
    if unknown:
        raise DataFileError(
            f"{task}: unknown sub-task(s) {', '.join(unknown)}", hint=f"available: {', '.join(sorted(stems))}"
        )
    return [f for f in files if f.stem in set(subtasks)]


def register(**fields: Any) -> TaskSpec:
    """Build a TaskSpec from `fields` and add it to the registry (what every task module ends with)."""
    return register_task(TaskSpec(**fields))


def jsonl_loader(
    task: str,
    folders: Mapping[str, str],
    parse: RowParser,
    *,
    fields: Sequence[str],
    expected: Mapping[str, int],
    per_file: Mapping[str, Mapping[str, int]] | None = None,
) -> Callable[..., list[Item]]:
    """A TaskSpec loader reading `<split>_eval/<folders[split]>/` with `load_jsonl_items`; `subtasks`
    picks files by stem, `strict` overrides the count check, `password` opens a zip."""

    def load(
        data_root: Path,
        split: Split,
        *,
        subtasks: Sequence[str] | None = None,
        strict: bool | None = None,
        password: str | bytes | None = None,
    ) -> list[Item]:
        if split not in folders:
            raise DataFileError(f"{task} has no {split} split", hint=f"use --split {'/'.join(folders)}")
        return load_jsonl_items(
            task, data_root, split, folders[split], parse, fields=fields, expected_total=expected.get(split),
            expected_per_file=(per_file or {}).get(split), subtasks=subtasks, strict=strict, password=password,
        )

    return load


def unscored(items: Sequence[Item], scores: Sequence[Sequence[float]]) -> list[ItemScore]:
    """Per-item scores of a regression task (no prediction, no correctness)."""
    return [ItemScore(it.id, it.subtask, [float(s) for s in sc], 0, math.nan, False)
            for it, sc in zip(items, scores, strict=True)]


def load_jsonl_items(
    task: str,
    data_root: Path,
    split: Split,
    folder: str,
    parse: RowParser,
    *,
    fields: Sequence[str],
    expected_total: int | None = None,
    expected_per_file: Mapping[str, int] | None = None,
    subtasks: Sequence[str] | None = None,
    strict: bool | None = None,
    password: str | bytes | None = None,
) -> list[Item]:
    """Read every JSONL file of a task folder (or zip) into Items with official ids `<subtask>_<n>`.

    Counts are checked per file and in total against the official ones: a mismatch is an error for
    the official split and a warning when the user chose sub-tasks (`strict` overrides).
    """
    strict = subtasks is None if strict is None else strict
    files = select_files(task_files(data_root, split, folder, suffixes=(".jsonl", ".jsonl.gz"), task=task),
                         subtasks, task)
    items: list[Item] = []
    counters: dict[str, int] = {}
    for df in files:
        n_file = 0
        for lineno, row in read_jsonl(df, password):
            require_fields(df, lineno, row, fields)
            try:
                subtask, candidates, gold, extra = parse(df, lineno, row)
            except (TypeError, ValueError, KeyError) as exc:
                raise DataFileError(f"{df.label} line {lineno}: bad {task} row ({exc})") from exc
            n = counters.get(subtask, 0)
            counters[subtask] = n + 1
            items.append(Item(f"{subtask}_{n}", subtask, candidates, gold, {"line": lineno, **extra}))
            n_file += 1
        if expected_per_file and df.stem in expected_per_file:
            check_count(task, split, n_file, expected_per_file[df.stem], df.label, strict=strict)
    if subtasks is None:
        where = files[0].path if files[0].member else files[0].path.parent  # the zip, or the folder
        check_count(task, split, len(items), expected_total, str(where), strict=strict)
    return items


def check_scores(task: str, items: Sequence[Item], scores: Sequence[Sequence[float]]) -> None:
    """One finite score per candidate of every item; else an error naming the item and candidate."""
    if len(items) != len(scores):
        raise BabyLMError(f"{task}: {len(items)} items but {len(scores)} score lists")
    for item, sc in zip(items, scores, strict=True):
        if len(sc) != len(item.candidates):
            raise BabyLMError(f"{task}: item {item.id} has {len(item.candidates)} candidates but {len(sc)} scores")
        for k, v in enumerate(sc):
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise BabyLMError(
                    f"{task}: item {item.id} candidate {k} has a non-finite log-probability ({v})",
                    hint="the model produced NaN/inf: check its weights and dtype (score in float32)",
                )
