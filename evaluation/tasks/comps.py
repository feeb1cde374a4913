"""COMPS (Misra et al. 2023): is a property more likely after the concept that has it?

Each row pairs `prefix_acceptable` and `prefix_unacceptable` with one `property_phrase`; the scored
span is " " + property_phrase given each prefix. Accuracy, macro over the 4 files (base, wugs,
wugs_dist_before, wugs_dist_in_between). Full split only. The data is not public here: the loader
reports "not available" unless `full_eval/comps/` exists.
"""

from __future__ import annotations

from typing import Any

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import accuracy_result
from babylm.evaluation.tasks.common import check_scores, jsonl_loader, register
from babylm.evaluation.tasks.datafiles import DataFile

NAME = "comps"
VERSION = "1"
FOLDER = "comps"
EXPECTED: dict[Split, int] = {"full": 91028}
FIELDS = ("prefix_acceptable", "prefix_unacceptable", "property_phrase")
# Official sub-task names per file stem.
SUBTASKS = {
    "comps_base": "base",
    "comps_wugs": "wugs",
    "comps_wugs_dist-before": "wugs_dist_before",
    "comps_wugs_dist-in-between": "wugs_dist_in_between",
}


def _parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], int, dict[str, Any]]:
    prop = " " + str(row["property_phrase"])
    candidates = [ScoreRequest(str(row["prefix_acceptable"]), prop), ScoreRequest(str(row["prefix_unacceptable"]), prop)]
    return SUBTASKS.get(df.stem, df.stem), candidates, 0, {}


load = jsonl_loader(NAME, {"full": FOLDER}, _parse, fields=FIELDS, expected=EXPECTED)
load.__doc__ = """COMPS items (full split only); `subtasks` picks file stems (e.g. "comps_base")."""


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores(NAME, items, scores)
    return accuracy_result(NAME, VERSION, items, scores, compat)


SPEC = register(
    name=NAME, version=VERSION, metric="accuracy", loader=load, compute=compute, expected_counts=dict(EXPECTED),
    category="linguistic", splits=("full",), official_key="comps",
    description="COMPS: is a property more likely after the concept that has it (minimal pairs)",
    unit="accuracy", chance=0.5,
)
