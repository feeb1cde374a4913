"""The GIT image-text scorer on a tiny GIT built from a config: safe loading, exact log-likelihoods,
batch independence, images that matter, the two compats, and the tasks end to end."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.multimodal.evaluate import evaluate_checkpoint
from babylm.evaluation.multimodal.git import GitScorer
from babylm.evaluation.multimodal.load import load_image_text_model, make_image_text_scorer
from babylm.evaluation.multimodal.requests import ImageScoreRequest
from babylm.evaluation.multimodal.synthetic import (
    shape_image,
    vocabulary_texts,
    write_devbench_data,
    write_eval_data,
    write_things_data,
)
from babylm.evaluation.multimodal.tiny import tiny_git_checkpoint
from babylm.evaluation.scorers.load import CheckpointError
from babylm.evaluation.tasks.datafiles import CountMismatchWarning


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_git_checkpoint(tmp_path_factory.mktemp("git") / "ck", vocabulary_texts(), n_layer=2)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("img")
    out = {}
    for name, (shape, colour) in {"red": ("circle", "red"), "blue": ("square", "blue")}.items():
        shape_image(shape, colour).save(d / f"{name}.png")
        out[name] = str(d / f"{name}.png")
    return out


def test_scores_are_the_models_log_likelihood(ckpt: Path, images: dict[str, str]) -> None:
    import torch

    model, tok, proc = load_image_text_model(ckpt)
    scorer = GitScorer(model, tok, proc)
    got = scorer.score([ImageScoreRequest("", "a red circle", images["red"])])[0]
    ids = [tok.cls_token_id, *tok("a red circle", add_special_tokens=False)["input_ids"]]
    x = torch.tensor([ids])
    pix = proc(images=[shape_image("circle", "red")], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        loss = model(input_ids=x, pixel_values=pix, labels=x).loss  # mean over the tokens after [CLS]
    assert got == pytest.approx(-float(loss) * (len(ids) - 1), rel=1e-5)


def test_batching_images_and_text_only_requests(ckpt: Path, images: dict[str, str]) -> None:
    reqs = [ImageScoreRequest("", "a red circle", images["red"]), ImageScoreRequest("", "a red circle", images["blue"]),
            ScoreRequest("", "a red circle"), ImageScoreRequest("what colour is the shape ?", " red", images["red"]),
            ImageScoreRequest("what colour is the shape ?", " blue", images["blue"])]
    one = make_image_text_scorer(ckpt, batch_size=1).score(reqs)
    many = make_image_text_scorer(ckpt, batch_size=16).score(reqs)
    assert many == pytest.approx(one, abs=1e-4)
    assert all(v < 0 for v in one)
    assert abs(one[0] - one[1]) > 1e-6 and abs(one[0] - one[2]) > 1e-6  # the image is read


def test_official_compat_scores_by_character_offsets(ckpt: Path, images: dict[str, str]) -> None:
    babylm, official = make_image_text_scorer(ckpt), make_image_text_scorer(ckpt, compat="official")
    whole = [ImageScoreRequest("what colour is the shape ?", " red", images["red"]),
             ImageScoreRequest("", "a blue square", images["blue"])]
    assert official.score(whole) == pytest.approx(babylm.score(whole), abs=1e-5)
    # A continuation that starts inside a word: official scores the joined sentence's tokens past the context.
    req = ImageScoreRequest("what colour is the sha", "pe ?", images["red"])
    ids, scored = official.encode(req)
    enc = official.tokenizer(req.context + req.continuation, return_offsets_mapping=True)
    assert ids == enc["input_ids"] and ids[-1] == official.tokenizer.sep_token_id and len(ids) - 1 not in scored
    assert all(enc["offset_mapping"][i][1] > len(req.context) for i in scored)
    b_ids, b_scored = babylm.encode(req)
    assert b_ids[0] == babylm.tokenizer.cls_token_id and b_ids[-len(b_scored):] == babylm.tokenizer(
        req.continuation, add_special_tokens=False)["input_ids"]


def _copy(ckpt: Path, dst: Path) -> Path:
    shutil.copytree(ckpt, dst)
    return dst


def test_unsafe_or_unsupported_checkpoints_are_refused(ckpt: Path, tmp_path: Path) -> None:
    bad = _copy(ckpt, tmp_path / "code")
    cfg = json.loads((bad / "config.json").read_text())
    (bad / "config.json").write_text(json.dumps({**cfg, "auto_map": {"AutoModelForCausalLM": "x.Y"}}))
    with pytest.raises(CheckpointError, match="auto_map"):
        load_image_text_model(bad)
    bad = _copy(ckpt, tmp_path / "proc_code")
    pp = json.loads((bad / "preprocessor_config.json").read_text())
    (bad / "preprocessor_config.json").write_text(json.dumps({**pp, "auto_map": {"AutoImageProcessor": "x.Y"}}))
    with pytest.raises(CheckpointError, match="auto_map"):
        load_image_text_model(bad)
    bad = _copy(ckpt, tmp_path / "pickle")
    (bad / "model.safetensors").rename(bad / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="no .safetensors"):
        load_image_text_model(bad)
    bad = _copy(ckpt, tmp_path / "noproc")
    (bad / "preprocessor_config.json").unlink()
    with pytest.raises(CheckpointError, match="preprocessor_config"):
        load_image_text_model(bad)
    bad = _copy(ckpt, tmp_path / "gpt2")
    (bad / "config.json").write_text(json.dumps({**cfg, "model_type": "gpt2"}))
    with pytest.raises(CheckpointError, match="not an image-text model"):
        load_image_text_model(bad)


def test_winoground_and_vqa_end_to_end(ckpt: Path, tmp_path: Path) -> None:
    write_eval_data(tmp_path, n_winoground=4, n_vqa=6)
    write_devbench_data(tmp_path, n_trials=2)
    write_things_data(tmp_path)
    tasks = ("winoground", "vqa", "devbench")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        res = evaluate_checkpoint(ckpt, tmp_path, tasks=tasks, strict=False)
        again = evaluate_checkpoint(ckpt, tmp_path, tasks=tasks, compat="official", strict=False)
    assert set(res) == set(tasks) and set(res["devbench"].subtasks) == {"lex-viz_vocab", "gram-trog"}
    things = res["devbench"].details["devbench"]["sem-things"]
    assert things["status"] == "ok" and things["n_concepts"] == 12 and -1 <= things["rsa"] <= 1
    assert res["winoground"].n_items == 8 and res["vqa"].n_items == 6
    assert res["winoground"].details["winoground"]["n_examples"] == 4
    for name in res:
        assert 0.0 <= res[name].score <= 1.0
        assert [s.scores for s in res[name].items] == [s.scores for s in again[name].items]  # word-boundary data
