"""A tiny GIT trained briefly on generated image-caption pairs learns to answer the generated VQA."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from babylm.evaluation.multimodal.evaluate import score_tasks
from babylm.evaluation.multimodal.git import GitScorer
from babylm.evaluation.multimodal.synthetic import caption_pairs, vocabulary_texts, write_eval_data
from babylm.evaluation.multimodal.tiny import tiny_git
from babylm.evaluation.multimodal.train import train_git
from babylm.testing.tinymodels import train_tokenizer


@pytest.mark.slow  # about 2 minutes on a shared CPU
def test_brief_training_beats_the_untrained_model(tmp_path: Path) -> None:
    write_eval_data(tmp_path)
    tok = train_tokenizer(vocabulary_texts(), "bert", 200)
    results = {}
    for steps in (0, 150):
        model, proc = tiny_git(tok, n_layer=2)
        losses = train_git(model, tok, proc, caption_pairs(240), steps=steps)
        if steps:
            assert losses[-1] < losses[0] / 4
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[steps] = score_tasks(GitScorer(model, tok, proc), ["vqa", "winoground"], tmp_path, strict=False)
    assert results[150]["vqa"].score > max(results[0]["vqa"].score, 0.7)
    assert results[150]["vqa"].score > results[150]["vqa"].details["chance"] + 0.3


def test_the_demo_entry_writes_a_scored_multimodal_run(tmp_path: Path) -> None:
    from babylm.evaluation.multimodal.demo import run_multimodal_demo
    from babylm.evaluation.results import load_results
    from babylm.tracks.image_data import verify_images
    from babylm.tracks.manifest import verify_manifest

    res = run_multimodal_demo(tmp_path, steps=2, n_pairs=12)  # a smoke run: two training steps
    assert load_results(tmp_path / "results.json")["track"] == "2025/multimodal"
    tasks = res["checkpoints"]["main"]["tasks"]
    assert set(tasks) == {"winoground", "vqa", "devbench"} and all(t["status"] == "ok" for t in tasks.values())
    assert all(0.0 <= t["score"] <= 1.0 for t in tasks.values())
    assert tasks["devbench"]["details"]["devbench"]["sem-things"]["status"] == "ok"
    assert res["train"]["steps"] == 2 and res["checkpoints"]["main"]["words_seen"] > 0
    assert verify_manifest(tmp_path / "data_manifest.json").ok and verify_images(tmp_path / "data_manifest.json") == []
