"""The multimodal tasks through the `babylm eval` runner with the `git` backend registered (here for
the test only): scores, cache, results.json and the official predictions file."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from babylm.evaluation import registry
from babylm.evaluation.multimodal.backend import GIT_BACKEND, git_scorer
from babylm.evaluation.multimodal.evaluate import evaluate_checkpoint
from babylm.evaluation.multimodal.synthetic import vocabulary_texts, write_eval_data
from babylm.evaluation.multimodal.tiny import tiny_git_checkpoint
from babylm.evaluation.results import read_official_predictions
from babylm.evaluation.scorers.load import CheckpointError
from babylm.evaluation.tasks import vqa, winoground


def test_the_runner_scores_winoground_and_vqa_with_the_git_backend(tmp_path: Path, monkeypatch) -> None:
    from babylm.evaluation.runner import evaluate_run

    registry.backends()
    assert registry.get_backend("git") is GIT_BACKEND  # a built-in backend
    write_eval_data(tmp_path / "data", n_winoground=3, n_vqa=4)
    # Generated data is smaller than the official sets, whose counts the runner checks strictly.
    monkeypatch.setitem(vqa.EXPECTED, "full", 4)
    monkeypatch.setitem(winoground.EXPECTED, "full", 6)
    ck = tiny_git_checkpoint(tmp_path / "ck", vocabulary_texts())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = evaluate_run(ck, track="multimodal", tasks="winoground,vqa", backend="git", split="full",
                           data_root=tmp_path / "data", out_dir=tmp_path / "out", progress=False)
        direct = evaluate_checkpoint(ck, tmp_path / "data", strict=False)
    assert res["failures"] == [] and res["track"] == "2025/multimodal"
    (entry,) = res["checkpoints"].values()
    for name in ("winoground", "vqa"):
        assert entry["tasks"][name]["status"] == "ok"
        assert entry["tasks"][name]["score"] == pytest.approx(direct[name].score)
    assert entry["tasks"]["winoground"]["details"]["winoground"]["n_examples"] == 3
    off = read_official_predictions(tmp_path / "out" / "all_full_preds_and_fast_scores_git.json")
    assert [p["id"] for p in off["vqa"]["VQA"]["predictions"]] == [f"VQA_{k}" for k in range(4)]
    assert all(p["pred"].startswith(" ") for p in off["vqa"]["VQA"]["predictions"])  # " " + answer, as official
    rows = [json.loads(line) for line in (tmp_path / "data/full_eval/winoground_filtered/winoground.jsonl").open()]
    preds = off["winoground"]["WinoGround"]["predictions"]
    assert all(p["pred"] in (r["caption_0"], r["caption_1"]) for p, r in zip(preds, rows, strict=True))


def test_the_git_factory_refuses_other_models(tmp_path: Path) -> None:
    from babylm.evaluation.scorers.load import load_model
    from babylm.testing.tinymodels import tiny_checkpoint

    ck = tiny_checkpoint(tmp_path / "gpt2", "gpt2")
    model, tok = load_model(ck, "causal")
    with pytest.raises(CheckpointError, match="GIT models"):
        git_scorer(model, tok)
