"""Entity tracking: 5 options after the prefix, mean over numops within a split file, then over files."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from task_scoring import ShortScorer, score_items, snapshot, write_zip_task

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.tasks import entity as tasks_entity
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError


def row(numops: int, options: list[str], sample_id: int = 0) -> dict[str, object]:
    return {"sample_id": sample_id, "numops": numops, "example_id": 0, "options": options,
            "input_prefix": "Box 0 contains the hat, Box 1 contains nothing. Box 0 contains "}


RIGHT = ["the hat.", "the big red hat.", "the bone.", "the clock and map.", "the key ring."]
WRONG = ["the hat and the coat.", "a cup.", "the bone and hat.", "the clock here.", "the key ring."]


def load(root: Path, split: str = "full") -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        return tasks_entity.load(root, split, strict=False)  # type: ignore[arg-type]


def make_full(root: Path) -> None:
    write_zip_task(root, "full", "entity_tracking", {
        # regular: numops 0 -> 1/2 right, numops 1 -> 1/1 right => split mean 0.75
        "regular": [row(0, RIGHT), row(0, WRONG), row(1, RIGHT)],
        # move_contents: numops 2 -> 0/1 => 0.0
        "move_contents": [row(2, WRONG)],
    })


def test_prefix_space_moves_to_the_option(tmp_path: Path) -> None:
    make_full(tmp_path)
    items = load(tmp_path)
    it = next(i for i in items if i.id == "regular_0_ops_0")
    assert len(it.candidates) == 5 and it.gold == 0
    assert it.candidates[0] == ScoreRequest("Box 0 contains the hat, Box 1 contains nothing. Box 0 contains", " the hat.")
    assert it.extra["split"] == "regular" and it.extra["numops"] == 0
    assert {i.subtask for i in items} == {"regular_0_ops", "regular_1_ops", "move_contents_2_ops"}


def test_two_level_mean(tmp_path: Path) -> None:
    make_full(tmp_path)
    items = load(tmp_path)
    res = tasks_entity.compute(items, score_items(ShortScorer(), items), "babylm")
    assert res.subtasks == {"move_contents_2_ops": 0.0, "regular_0_ops": 0.5, "regular_1_ops": 1.0}
    assert res.details["splits"] == {"move_contents": 0.0, "regular": 0.75}
    assert res.score == pytest.approx(0.375)  # not the plain macro over UIDs (0.5)
    lo, hi = res.ci95
    assert 0.0 <= lo <= res.score <= hi <= 1.0


def test_counts_are_checked_per_file(tmp_path: Path) -> None:
    make_full(tmp_path)
    with pytest.raises(DataFileError, match=r"move_contents\.jsonl, expected 3107"):
        tasks_entity.load(tmp_path, "full")
    with pytest.raises(DataFileError, match="not available"):
        tasks_entity.load(tmp_path, "fast")


def test_options_must_be_a_list(tmp_path: Path) -> None:
    bad = row(0, RIGHT)
    bad["options"] = "the hat."
    write_zip_task(tmp_path, "fast", "entity_tracking_fast", {"regular": [bad]})
    with pytest.raises(DataFileError, match=r"regular\.jsonl line 1: bad entity_tracking row"):
        load(tmp_path, "fast")


@pytest.mark.realdata
def test_real_counts(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path, shared_data)
    full = tasks_entity.load(shared_data, "full")  # the fast count is checked in test_datafiles
    assert len(full) == 9483
    assert {i.extra["split"] for i in full} == {"regular", "ambiref", "move_contents"}
    assert all(len(i.candidates) == 5 for i in full)
    assert snapshot(tmp_path, shared_data) == before
