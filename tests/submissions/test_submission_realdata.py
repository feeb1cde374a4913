"""Prediction coverage against the real BabyLM 2025 fast data (per sub-task item counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from babylm.evaluation.registry import get_task
from babylm.submissions.validate import validate_bundle

pytestmark = pytest.mark.realdata


def _with_predictions(bundle: Path, preds: dict) -> None:
    name = "all_full_preds_and_fast_scores_causal.json"
    (bundle / name).write_text(json.dumps(preds))
    m = json.loads((bundle / "submission.json").read_text())
    m["files"]["predictions"] = name
    (bundle / "submission.json").write_text(json.dumps(m))


def test_blimp_predictions_checked_per_subtask(shared_data: Path, fresh_bundle: Path) -> None:
    root = shared_data / "babylm_eval_2025"
    items = list(get_task("blimp").loader(root, "fast"))
    block: dict = {}
    for it in items:  # a prediction per item, as the official file holds them (text of the chosen sentence)
        block.setdefault(it.subtask, {"predictions": []})["predictions"].append(
            {"id": it.id, "pred": it.candidates[0].continuation})
    _with_predictions(fresh_bundle, {"blimp": block})
    rep = validate_bundle(fresh_bundle, allow_scaled=True, load=False, data_root=root)
    assert rep.ok, [f.to_dict() for f in rep.findings.errors]
    sub = sorted(block)[5]
    block[sub]["predictions"].pop()
    _with_predictions(fresh_bundle, {"blimp": block})
    rep = validate_bundle(fresh_bundle, allow_scaled=True, load=False, data_root=root)
    bad = [f for f in rep.findings.errors if f.code == "E_ITEM_COUNT"]
    assert len(bad) == 1 and f"blimp/{sub}" in bad[0].message and "expected 200" in bad[0].message
