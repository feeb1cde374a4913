"""pytorch_model.bin-only checkpoints: refused with the conversion command, which unpickles in the
sandbox and gives a checkpoint scoring exactly as the original weights."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.sandbox import bwrap
from babylm.testing.tinymodels import tiny_model, train_tokenizer

pytestmark = pytest.mark.skipif(bwrap.unavailable_reason() is not None,
                                reason=f"sandbox unavailable: {bwrap.unavailable_reason()}")


def test_pickle_checkpoint_converts_in_the_sandbox(tmp_path):
    from babylm.cli import app
    from babylm.evaluation.scorers.load import CheckpointError, make_scorer, scorer_for

    tok = train_tokenizer(["the cat sees the dog . a boy walks home ."], "gpt2", 200)
    model = tiny_model("gpt2", tok)
    ck = tmp_path / "ck"
    import torch

    ck.mkdir()
    model.config.save_pretrained(ck)  # the layout of a pre-safetensors save_pretrained()
    torch.save(model.state_dict(), ck / "pytorch_model.bin")
    tok.save_pretrained(ck)
    assert (ck / "pytorch_model.bin").is_file() and not list(ck.glob("*.safetensors"))
    with pytest.raises(CheckpointError, match="no .safetensors weights") as e:
        make_scorer(ck, "causal")
    assert f"babylm eval convert-safetensors {ck}" in e.value.hint
    before = sorted(p.name for p in ck.iterdir())
    res = CliRunner().invoke(app, ["eval", "convert-safetensors", str(ck), "--json"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "ck-safetensors"
    assert json.loads(res.stdout)["out"] == str(out)
    assert (out / "model.safetensors").is_file() and not list(out.glob("*.bin"))
    assert sorted(p.name for p in ck.iterdir()) == before  # the source is untouched (read-only in the sandbox)
    reqs = [ScoreRequest("", "the cat sees the dog ."), ScoreRequest("a boy", " walks home .")]
    assert make_scorer(out, "causal", engine="transformers").score(reqs) == pytest.approx(
        scorer_for(model, tok, "causal").score(reqs), abs=1e-6)
    again = CliRunner().invoke(app, ["eval", "convert-safetensors", str(ck)])
    assert again.exit_code != 0 and "exists already" in str(again.exception)
