"""EWoK: zipped data read in memory, Context1 for both targets, macro accuracy over domains."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from task_scoring import ShortScorer, score_items, snapshot, write_zip_task

from babylm.errors import BabyLMError
from babylm.evaluation.api import TASKS, Scorer, ScoreRequest
from babylm.evaluation.tasks import ewok as tasks_ewok
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError, load_dataset_for


def row(domain: str, t1: str, t2: str) -> dict[str, str]:
    return {"Domain": domain, "ConceptA": "a", "ConceptB": "b", "ContextType": "direct", "ContextDiff": "x",
            "TargetDiff": "y", "Context1": f"Context one of {domain}.", "Context2": "Other context.",
            "Target1": t1, "Target2": t2}


def make_data(root: Path) -> None:
    write_zip_task(root, "fast", "ewok_fast", {
        "social-relations": [row("social-relations", "A b.", "A bb."), row("social-relations", "A bbb.", "A b."), row("social-relations", "Same.", "Same.")],
        "physical-dynamics": [row("physical-dynamics", "Short.", "Much longer."), row("physical-dynamics", "Short.", "Longer.")],
    })


def quiet_load(root: Path) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        return tasks_ewok.load(root, "fast", strict=False)


def test_items_use_context1_and_a_leading_space(tmp_path: Path) -> None:
    make_data(tmp_path)
    items = quiet_load(tmp_path)
    ctx = "Context one of social-relations."
    assert [it.id for it in items] == ["physical-dynamics_0", "physical-dynamics_1", "social-relations_0",
                                     "social-relations_1", "social-relations_2"]
    assert items[2].candidates == [ScoreRequest(ctx, " A b."), ScoreRequest(ctx, " A bb.")]
    assert items[2].gold == 0 and items[2].extra["ContextType"] == "direct"


def test_macro_accuracy_with_a_fake_scorer(tmp_path: Path) -> None:
    assert isinstance(ShortScorer(), Scorer)  # the fake implements the scorer protocol
    make_data(tmp_path)
    items = quiet_load(tmp_path)
    res = tasks_ewok.compute(items, score_items(ShortScorer(), items), "babylm")
    # social-relations: right, wrong, tie (0.5) -> 0.5; physical-dynamics: right, right -> 1.0; macro = 0.75
    assert res.subtasks == {"social-relations": pytest.approx(0.5), "physical-dynamics": pytest.approx(1.0)}
    assert res.score == pytest.approx(0.75)
    assert res.tie_rate == pytest.approx(0.2)
    official = tasks_ewok.compute(items, score_items(ShortScorer(), items), "official")
    assert official.subtasks["social-relations"] == pytest.approx(2 / 3)


def test_counts_error_on_official_split_and_warn_for_subsets(tmp_path: Path) -> None:
    make_data(tmp_path)
    with pytest.raises(DataFileError, match=r"ewok \(fast\): 2 items in .*physical-dynamics\.jsonl, expected 100"):
        tasks_ewok.load(tmp_path, "fast")
    with pytest.warns(CountMismatchWarning, match="expected 100"):
        items = tasks_ewok.load(tmp_path, "fast", subtasks=["physical-dynamics"])
    assert {it.subtask for it in items} == {"physical-dynamics"}
    with pytest.raises(DataFileError, match="unknown sub-task.*gamma"):
        tasks_ewok.load(tmp_path, "fast", subtasks=["gamma"])


def test_missing_field_and_wrong_password(tmp_path: Path) -> None:
    bad = row("social-relations", "x", "y")
    del bad["Target2"]
    write_zip_task(tmp_path, "fast", "ewok_fast", {"social-relations": [row("social-relations", "x", "y"), bad]})
    with pytest.raises(DataFileError, match=r"social-relations\.jsonl line 2: missing field\(s\) Target2"):
        tasks_ewok.load(tmp_path, "fast", strict=False)
    with pytest.raises(DataFileError, match="cannot decrypt"):
        tasks_ewok.load(tmp_path, "fast", strict=False, password="nope")


def test_nan_score_names_the_item(tmp_path: Path) -> None:
    make_data(tmp_path)
    items = quiet_load(tmp_path)
    scores = score_items(ShortScorer(), items)
    scores[0][1] = float("nan")
    with pytest.raises(BabyLMError, match="item physical-dynamics_0 candidate 1 has a non-finite"):
        tasks_ewok.compute(items, scores, "babylm")
    with pytest.raises(BabyLMError, match="5 items but 4 score lists"):
        tasks_ewok.compute(items, scores[:4], "babylm")


def test_registered_spec() -> None:
    spec = TASKS["ewok"]
    assert spec.expected_counts == {"fast": 1100, "full": 7618} and spec.official_key == "ewok"
    assert spec.loader is tasks_ewok.load


@pytest.mark.realdata
def test_real_zips_load_in_memory(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path, shared_data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = tasks_ewok.load(shared_data, "fast")
        full = tasks_ewok.load(shared_data / "babylm_eval_2025", "full")
    assert len(fast) == 1100 and len(full) == 7618
    assert len({it.subtask for it in fast}) == 11
    assert snapshot(tmp_path, shared_data) == before
    assert not any(p.suffix == ".jsonl" for p in Path(os.getcwd()).rglob("*"))
    ds = load_dataset_for("ewok", shared_data, "fast")
    assert ds.num_rows == 1100 and ds[0]["contexts"][0] == ds[0]["contexts"][1]
