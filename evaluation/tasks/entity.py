"""Entity tracking (Kim & Schuster 2023): which of 5 options completes "Box N contains ..."?

Options are scored as continuations of `input_prefix`; option 0 is always correct. Sub-tasks are the
official UIDs `<split file>_<numops>_ops`; the score is the mean over numops within each split file
(regular, ambiref, move_contents), then the mean over split files. The fast set has `regular` only.
The prefix ends with a space; it is moved to the front of the option so that the full text is the
same but the continuation starts a word (" the hat") as tokenizers expect.
"""

from __future__ import annotations

from typing import Any

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import accuracy_result, bootstrap_ci
from babylm.evaluation.tasks.common import check_scores, jsonl_loader, register
from babylm.evaluation.tasks.datafiles import DataFile

NAME = "entity_tracking"
VERSION = "1"
FOLDERS: dict[Split, str] = {"fast": "entity_tracking_fast", "full": "entity_tracking"}
EXPECTED: dict[Split, int] = {"fast": 3152, "full": 9483}
PER_FILE: dict[Split, dict[str, int]] = {
    "fast": {"regular": 3152},
    "full": {"regular": 3152, "ambiref": 3224, "move_contents": 3107},
}
FIELDS = ("numops", "input_prefix", "options")


def _parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], int, dict[str, Any]]:
    prefix = str(row["input_prefix"])
    options = row["options"]
    if not isinstance(options, list) or len(options) < 2:
        raise ValueError("options must be a list of at least 2 strings")
    stripped = prefix.rstrip(" ")
    moved = prefix[len(stripped):]
    candidates = [ScoreRequest(stripped, moved + str(o)) for o in options]
    extra = {"split": df.stem, "numops": int(row["numops"]), "sample_id": row.get("sample_id")}
    return f"{df.stem}_{int(row['numops'])}_ops", candidates, 0, extra


load = jsonl_loader(NAME, FOLDERS, _parse, fields=FIELDS, expected=EXPECTED, per_file=PER_FILE)
load.__doc__ = """Entity-tracking items; `subtasks` picks split files (regular, ambiref, move_contents)."""


def _split_of(subtask: str) -> str:
    return subtask.rsplit("_", 2)[0]  # "move_contents_3_ops" -> "move_contents"


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores(NAME, items, scores)
    base = accuracy_result(NAME, VERSION, items, scores, compat)
    by_split: dict[str, list[float]] = {}
    for uid, acc in base.subtasks.items():
        by_split.setdefault(_split_of(uid), []).append(acc)
    split_scores = {s: sum(v) / len(v) for s, v in sorted(by_split.items())}
    base.score = sum(split_scores.values()) / len(split_scores) if split_scores else float("nan")
    # The interval follows the same two-level mean: resample items within each UID, weight UIDs per split.
    per_uid: dict[str, list[float]] = {}
    for s in base.items:
        per_uid.setdefault(s.subtask, []).append(s.correct)
    base.ci95 = _nested_ci(per_uid)
    base.details["splits"] = split_scores
    base.details["aggregation"] = "mean over numops within each split file, then mean over split files"
    return base


def _nested_ci(per_uid: dict[str, list[float]], n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    import numpy as np

    splits: dict[str, list[str]] = {}
    for uid in per_uid:
        splits.setdefault(_split_of(uid), []).append(uid)
    if not splits:
        return (float("nan"), float("nan"))
    if len(splits) == 1:
        return bootstrap_ci(per_uid, n_boot=n_boot, seed=seed)
    rng = np.random.default_rng(seed)
    total = np.zeros(n_boot)
    for uids in splits.values():
        split_mean = np.zeros(n_boot)
        for uid in uids:
            g = np.asarray(per_uid[uid], dtype=float)
            split_mean += g[rng.integers(0, len(g), size=(n_boot, len(g)))].mean(axis=1)
        total += split_mean / len(uids)
    total /= len(splits)
    lo, hi = np.quantile(total, [0.025, 0.975])
    return (float(lo), float(hi))


SPEC = register(
    name=NAME, version=VERSION, metric="accuracy", loader=load, compute=compute,
    expected_counts=dict(EXPECTED), category="linguistic", official_key="entity_tracking",
    description="Entity tracking: which of 5 options completes what a box contains after operations",
    unit="accuracy", chance=0.2,
)
