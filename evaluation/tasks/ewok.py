"""EWoK (Elements of World Knowledge): is Target1 more likely than Target2 after Context1?

Scored span: " " + Target, given Context1 for both candidates (the target tokens only), as the
official pipeline does by default. Official EP25's enc_dec_prefix backend gave the second target
Context2 as context (a known bug); here both candidates get Context1. Accuracy, macro over domains.
Data: the password zips `fast_eval/ewok_fast.zip` / `full_eval/ewok_filtered.zip`, read in memory.
"""

from __future__ import annotations

from typing import Any

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import accuracy_result
from babylm.evaluation.tasks.common import check_scores, jsonl_loader, register
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


load = jsonl_loader(NAME, FOLDERS, _parse, fields=FIELDS, expected=EXPECTED, per_file=PER_FILE)
load.__doc__ = """EWoK items; `subtasks` picks domains (file stems, e.g. "social-relations")."""


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores(NAME, items, scores)
    return accuracy_result(NAME, VERSION, items, scores, compat)


SPEC = register(
    name=NAME, version=VERSION, metric="accuracy", loader=load, compute=compute,
    expected_counts=dict(EXPECTED), category="linguistic", official_key="ewok",
    description="EWoK: world-knowledge minimal pairs (which of two targets fits the context)",
    unit="accuracy", chance=0.5,
)
