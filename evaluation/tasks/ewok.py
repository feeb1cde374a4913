"""EWoK (Elements of World Knowledge): is Target1 more likely than Target2 after Context1?

Scored span: " " + Target, given Context1 for both candidates (the target tokens only), as the
official pipeline does by default. Official EP25's enc_dec_prefix backend gave the second target
Context2 as context (a known bug); here both candidates get Context1. Accuracy, macro over domains.
Data: the password zips `fast_eval/ewok_fast.zip` / `full_eval/ewok_filtered.zip`, read in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult, TaskSpec, register_task
from babylm.evaluation.metrics.accuracy import accuracy_result
from babylm.evaluation.tasks.common import check_scores, load_jsonl_items
from babylm.evaluation.tasks.datafiles import DataFile

NAME = "ewok"
VERSION = "1"
FOLDERS: dict[Split, str] = {"fast": "ewok_fast", "full": "ewok_filtered"}
EXPECTED: dict[Split, int] = {"fast": 1100, "full": 7618}
FULL_PER_DOMAIN = {
    "agent-properties": 2210, "social-relations": 1548, "physical-relations": 818, "material-dynamics": 770,
    "physical-interactions": 556, "spatial-relations": 490, "social-properties": 328,
    "quantitative-properties": 314, "social-interactions": 294, "material-properties": 170,
    "physical-dynamics": 120,
}
PER_FILE: dict[Split, dict[str, int]] = {"fast": dict.fromkeys(FULL_PER_DOMAIN, 100), "full": FULL_PER_DOMAIN}
FIELDS = ("Domain", "Context1", "Target1", "Target2")


def _parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], int, dict[str, Any]]:
    context = str(row["Context1"])
    candidates = [ScoreRequest(context, " " + str(row["Target1"])), ScoreRequest(context, " " + str(row["Target2"]))]
    extra = {k: row[k] for k in ("ContextType", "ContextDiff", "TargetDiff") if k in row}
    return str(row["Domain"]), candidates, 0, extra


def load(
    data_root: Path,
    split: Split,
    *,
    subtasks: Sequence[str] | None = None,
    strict: bool | None = None,
    password: str | bytes | None = None,
) -> list[Item]:
    """EWoK items; `subtasks` picks domains (file stems, e.g. "social-relations")."""
    return load_jsonl_items(
        NAME, data_root, split, FOLDERS[split], _parse, fields=FIELDS, expected_total=EXPECTED[split],
        expected_per_file=PER_FILE[split], subtasks=subtasks, strict=strict, password=password,
    )


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores(NAME, items, scores)
    return accuracy_result(NAME, VERSION, items, scores, compat)


SPEC = register_task(TaskSpec(
    name=NAME, version=VERSION, metric="accuracy", loader=load, compute=compute,
    expected_counts=dict(EXPECTED), category="linguistic", official_key="ewok",
))
