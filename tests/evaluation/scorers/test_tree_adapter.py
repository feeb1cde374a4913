"""transformers models over packed prefix trees: taken only where a probe proves them equal to a plain pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from blimp_pairs import PAIRS

from babylm.evaluation.api import ScoreRequest as R
from babylm.evaluation.scorers.load import load_model, make_scorer, scorer_for
from babylm.evaluation.scorers.tree_adapter import TransformersTreeModel, tree_model
from babylm.testing.tinymodels import DEFAULT_TEXTS, train_tokenizer


def _save(folder: Path, config_cls: str, **settings) -> Path:
    import torch
    import transformers as tf

    tok = train_tokenizer(DEFAULT_TEXTS, "gpt2", 300)
    torch.manual_seed(0)
    cfg = getattr(tf, config_cls)(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                                  **settings)
    tf.AutoModelForCausalLM.from_config(cfg).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def llama(tmp_path_factory) -> Path:
    return _save(tmp_path_factory.mktemp("llama"), "LlamaConfig", hidden_size=64, intermediate_size=128,
                 num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)


def test_llama_is_scored_over_the_tree_and_equals_the_kv_cache_scorer(llama):
    from babylm.evaluation.scorers.tree import TreeCausalScorer

    long_ctx = " ".join(g for g, _ in PAIRS * 8)
    reqs = [R("", g) for g, _ in PAIRS] + [R("", b) for _, b in PAIRS] + [
        R("the cat", " sees the dog ."), R(long_ctx, " the end ."), R(long_ctx, " a bird ."), R("", "")]
    sc = make_scorer(llama, "causal")
    assert isinstance(sc, TreeCausalScorer) and sc.engine == "transformers"  # native is GPT-2 only
    model, tok = load_model(llama, "causal")
    ref = scorer_for(model, tok, "causal", tree=False)
    assert not isinstance(ref, TreeCausalScorer)
    assert sc.score(reqs) == pytest.approx(ref.score(reqs), abs=1e-4)


def test_unlisted_architectures_keep_the_kv_cache_scorer(tmp_path):
    gemma = _save(tmp_path / "g", "Gemma2Config", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=16)
    model, _ = load_model(gemma, "causal")
    assert tree_model(model) is None  # final-logit softcapping: logits != head(body(x))


def test_a_model_that_ignores_the_tree_mask_fails_the_probe(llama, monkeypatch):
    model, _ = load_model(llama, "causal")
    assert tree_model(model) is not None

    def plain_causal(self, ids, pos, mask):  # siblings would see each other
        return self.body(input_ids=ids, position_ids=pos).last_hidden_state

    monkeypatch.setattr(TransformersTreeModel, "hidden", plain_causal)
    assert tree_model(model) is None
