"""The two output formats: one model each, byte-identical output, meaningful errors on bad files."""

from __future__ import annotations

import json

import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.formats import RESULTS_FORMAT, OfficialPredictions, ResultsFile
from babylm.evaluation.results import (
    load_results,
    read_official_predictions,
    write_official_predictions,
    write_results,
)


def _results() -> dict:
    item = {"id": "agr_1_0", "subtask": "agr_1", "scores": [-1.5, -2.25], "pred": 0, "correct": 1.0, "tie": False,
            "pred_text": "Dogs bark é."}
    task = {"version": "1", "metric": "accuracy", "score": 1.0, "ci95": [1.0, 1.0], "tie_rate": 0.0, "n_items": 1,
            "subtasks": {"agr_1": 1.0}, "items": [item], "status": "ok", "cached": False}
    return {
        "format": RESULTS_FORMAT, "harness_version": "0", "model": "run", "backend": "causal", "engine": "auto",
        "compat": "babylm", "track": "2025/strict-small", "split": "fast", "data_root": None, "created": "now",
        "tasks": ["blimp"], "official_keys": {"blimp": "blimp"},
        "checkpoints": {"chck_1M": {"words_seen": 1_000_000, "path": "run/chck_1M", "content_hash": "ab",
                                    "tasks": {"blimp": task}, "engine": "native"}},
        "across_checkpoints": {}, "unavailable": {"ewok": "not available"}, "failures": [], "warnings": [],
        "wall_time_s": 0.5, "extra_field": {"kept": True},
    }


def _error(reader, path, doc) -> str:
    """The message `reader` raises for a file holding `doc` (it must name the file)."""
    path.write_text(json.dumps(doc))
    with pytest.raises(BabyLMError, match=path.name) as info:
        reader(path)
    return str(info.value)


def test_results_bytes_are_what_json_dumps_wrote(tmp_path):
    res = _results()
    path = write_results(res, tmp_path / "results.json")
    assert path.read_text(encoding="utf-8") == json.dumps(res, separators=(",", ":"), allow_nan=False)
    assert load_results(path) == res


def test_official_bytes_are_what_json_dumps_wrote(tmp_path):
    res = _results()
    path = write_official_predictions(res, tmp_path / "preds.json")
    want = {"blimp": {"agr_1": {"predictions": [{"id": "agr_1_0", "pred": "Dogs bark é."}]}},
            "fast_eval_results": {"blimp": [{"agr_1": 1.0}]}}
    assert path.read_text(encoding="utf-8") == json.dumps(want, separators=(",", ":"))
    assert read_official_predictions(path) == want
    assert OfficialPredictions.read(path).to_dict() == want


@pytest.mark.parametrize("doc,msg", [
    ({"format": "other/1", "checkpoints": {}}, "field 'format' is 'other/1', expected 'babylm.results/1'"),
    ([1, 2], "field 'format' is 'list'"),
    ({"format": RESULTS_FORMAT}, "field 'checkpoints' missing or not an object"),
    ({"format": RESULTS_FORMAT, "checkpoints": {"c": {"tasks": []}}}, "field 'checkpoints.c.tasks'"),
    ({"format": RESULTS_FORMAT, "checkpoints": {}, "failures": {}}, "field 'failures'"),
])
def test_bad_results_files_are_user_errors_naming_the_field(tmp_path, doc, msg):
    assert msg in _error(load_results, tmp_path / "results.json", doc)


def test_missing_and_corrupt_results_files(tmp_path):
    with pytest.raises(BabyLMError, match="results file not found"):
        load_results(tmp_path / "absent.json")
    (tmp_path / "cut.json").write_text('{"format": "babylm.results/1", "checkp')
    with pytest.raises(BabyLMError, match="not valid JSON"):
        load_results(tmp_path / "cut.json")


@pytest.mark.parametrize("doc,msg", [
    ([], "expected a JSON object at the top level"),
    ({"nope": {}}, "unknown top-level key 'nope'"),
    ({"blimp": []}, "'blimp' must be an object of sub-tasks"),
    ({"blimp": {"agr": {"predictions": [{"pred": 1}]}}}, "blimp.agr must hold 'predictions'"),
    ({"fast_eval_results": {"blimp": {}}}, "'fast_eval_results' must map task -> list"),
])
def test_bad_official_files_are_user_errors(tmp_path, doc, msg):
    assert msg in _error(read_official_predictions, tmp_path / "preds.json", doc)


def test_unknown_official_key_hint_lists_the_registry_keys(tmp_path):
    path = tmp_path / "preds.json"
    path.write_text('{"nope": {}}')
    with pytest.raises(BabyLMError) as info:
        read_official_predictions(path)
    assert "blimp" in info.value.hint and "devbench" in info.value.hint


def test_the_model_keeps_unknown_fields_and_their_order():
    res = _results()
    model = ResultsFile.from_dict(res)
    assert list(model.to_dict()) == list(res) and model.checkpoints["chck_1M"].engine == "native"
