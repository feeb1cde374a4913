"""The Flamingo-style backend (transformers' Idefics) on a tiny model built from a config: loaded
safely from disk, exact log-likelihoods, batch independence, and the image matters."""

from __future__ import annotations

from pathlib import Path

import pytest

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.multimodal.flamingo import IdeficsScorer
from babylm.evaluation.multimodal.load import make_image_text_scorer
from babylm.evaluation.multimodal.requests import ImageScoreRequest
from babylm.evaluation.multimodal.synthetic import shape_image, vocabulary_texts
from babylm.evaluation.multimodal.tiny import save_git, tiny_idefics
from babylm.testing.tinymodels import train_tokenizer


def test_idefics_scores_from_a_safe_checkpoint(tmp_path: Path) -> None:
    import torch

    tok = train_tokenizer(vocabulary_texts(), "bert", 200)
    model, proc = tiny_idefics(tok)
    save_git(tmp_path / "ck", model, tok, proc)
    for name in ("red", "blue"):
        shape_image("circle" if name == "red" else "square", name).save(tmp_path / f"{name}.png")
    reqs = [ImageScoreRequest("", "a red circle", str(tmp_path / "red.png")),
            ImageScoreRequest("", "a red circle", str(tmp_path / "blue.png")),
            ScoreRequest("", "a red circle"),
            ImageScoreRequest("what colour is the shape ?", " red", str(tmp_path / "red.png"))]
    one = make_image_text_scorer(tmp_path / "ck", batch_size=1)
    assert isinstance(one, IdeficsScorer)
    got = one.score(reqs)
    assert make_image_text_scorer(tmp_path / "ck", batch_size=8).score(reqs) == pytest.approx(got, abs=1e-4)
    assert abs(got[0] - got[1]) > 1e-6 and abs(got[0] - got[2]) > 1e-6  # cross-attention reads the image
    ids = [tok.cls_token_id, *tok("a red circle", add_special_tokens=False)["input_ids"]]
    x = torch.tensor([ids])
    pix = proc(images=[shape_image("circle", "red")], return_tensors="pt")
    pix = pix["pixel_values"] if hasattr(pix, "keys") else pix
    with torch.no_grad():
        logits = one.model(input_ids=x, attention_mask=torch.ones_like(x), pixel_values=pix[:, None],
                           image_attention_mask=torch.ones_like(x)[:, :, None]).logits[0]
    logp = torch.log_softmax(logits, -1)
    expect = sum(float(logp[i - 1, ids[i]]) for i in range(1, len(ids)))
    assert got[0] == pytest.approx(expect, rel=1e-5)
