"""COMPS: the property after the acceptable vs the unacceptable prefix; full split only; absent here."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from task_scoring import FnScorer, score_items, write_plain_task

from babylm.evaluation.api import TASKS, ScoreRequest
from babylm.evaluation.tasks import comps as tasks_comps
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError


def row(good: str, bad: str, prop: str) -> dict[str, str]:
    return {"prefix_acceptable": good, "prefix_unacceptable": bad, "property_phrase": prop}


def make(root: Path) -> None:
    write_plain_task(root, "full", "comps", {
        "comps_base": [row("A robin", "A stone", "can fly."), row("A knife", "A pillow", "is sharp.")],
        "comps_wugs": [row("A wug is a robin. Therefore, a wug", "A dax is a stone. Therefore, a dax", "can fly.")],
    })


def test_loader_and_macro_accuracy(tmp_path: Path) -> None:
    make(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        items = tasks_comps.load(tmp_path, "full", strict=False)
    assert [i.id for i in items] == ["base_0", "base_1", "wugs_0"]
    assert items[0].candidates == [ScoreRequest("A robin", " can fly."), ScoreRequest("A stone", " can fly.")]
    # Prefers prefixes that mention a bird: right on base_0 and wugs_0, tie on base_1.
    res = tasks_comps.compute(items, score_items(FnScorer(lambda r: float("robin" in r.context)), items), "babylm")
    assert res.subtasks == {"base": pytest.approx(0.75), "wugs": 1.0}
    assert res.score == pytest.approx(0.875)


def test_absent_and_fast_split(tmp_path: Path) -> None:
    (tmp_path / "full_eval").mkdir()
    with pytest.raises(DataFileError, match="comps: data not available"):
        tasks_comps.load(tmp_path, "full")
    with pytest.raises(DataFileError, match="no fast split"):
        tasks_comps.load(tmp_path, "fast")
    assert TASKS["comps"].splits == ("full",)
    make(tmp_path)
    with pytest.raises(DataFileError, match=r"3 items .* expected 91028"):
        tasks_comps.load(tmp_path, "full")


@pytest.mark.realdata
def test_not_in_the_shared_data(shared_data: Path) -> None:
    with pytest.raises(DataFileError, match="not available"):
        tasks_comps.load(shared_data, "full")
