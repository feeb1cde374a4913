"""`plugin_agreement`: subject-verb agreement minimal pairs generated here (no data files)."""

from __future__ import annotations

from pathlib import Path

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult, TaskSpec
from babylm.evaluation.metrics.accuracy import accuracy_result

NAME = "plugin_agreement"
SUBJECTS = (("dog", "dogs"), ("cat", "cats"), ("bird", "birds"), ("child", "children"))
VERBS = (("runs", "run"), ("sleeps", "sleep"), ("sings", "sing"))


def load(data_root: Path, split: Split) -> list[Item]:
    items = []
    for sg, pl in SUBJECTS:
        for v3, vb in VERBS:
            items.append(Item(f"sg_{len(items)}", "singular", [ScoreRequest("", f"The {sg} {v3}."),
                                                               ScoreRequest("", f"The {sg} {vb}.")]))
            items.append(Item(f"pl_{len(items)}", "plural", [ScoreRequest("", f"The {pl} {vb}."),
                                                             ScoreRequest("", f"The {pl} {v3}.")]))
    return items


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    return accuracy_result(NAME, "1", items, scores, compat)


def specs() -> list[TaskSpec]:
    """The entry point's object: a zero-argument callable returning a list of TaskSpecs."""
    return [TaskSpec(name=NAME, version="1", metric="accuracy", loader=load, compute=compute,
                     expected_counts={"fast": 24, "full": 24}, description="Plugin: agreement minimal pairs",
                     unit="accuracy", chance=0.5, needs_data=False, on_demand=True,
                     boards=("strict-small",))]
