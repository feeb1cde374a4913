"""The transformers-free GPT-2 engine: same logits, same tokens, same scores as transformers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from blimp_pairs import PAIRS, blimp_root

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest as R
from babylm.evaluation.scorers.load import CheckpointError, make_scorer
from babylm.evaluation.scorers.native_gpt2 import NativeTokenizer, load_native_gpt2, native_reason
from babylm.testing.tinymodels import DEFAULT_TEXTS, tiny_checkpoint, train_tokenizer


def kv_scorer(folder: Path, **kwargs):
    """The transformers model scored through the KV cache: the reference that shares no tree code."""
    from babylm.evaluation.scorers.load import load_model, scorer_for

    model, tok = load_model(folder, "causal")
    return scorer_for(model, tok, "causal", tree=False, **kwargs)


SENTENCES = [g for g, _ in PAIRS] + [b for _, b in PAIRS] + ["  two  spaces", "ünïcode wörds", "", "a"]


def _gpt2_folder(folder: Path, **overrides) -> Path:
    import torch
    import transformers as tf

    tok = train_tokenizer(DEFAULT_TEXTS, "gpt2", 300)
    torch.manual_seed(0)
    settings = {"n_layer": 2, "n_embd": 32, "n_head": 2, "n_positions": 256, **overrides}
    cfg = tf.GPT2Config(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                        **settings)
    model = tf.GPT2LMHeadModel(cfg).eval()
    if not cfg.tie_word_embeddings:
        with torch.no_grad():
            model.lm_head.weight.normal_()
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("overrides", [
    {}, {"activation_function": "gelu"}, {"activation_function": "relu"}, {"n_head": 4},
    {"scale_attn_by_inverse_layer_idx": True}, {"scale_attn_weights": False}, {"tie_word_embeddings": False},
], ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_native_logits_equal_transformers(tmp_path, overrides):
    import torch

    from babylm.evaluation.scorers.load import load_model

    folder = _gpt2_folder(tmp_path / "m", **overrides)
    assert native_reason(folder) is None
    native, _ = load_native_gpt2(folder)
    ref, _ = load_model(folder, "causal")
    ids = torch.randint(0, native.config.vocab_size, (3, 17))
    mask = torch.ones_like(ids)
    mask[1, 11:] = 0  # right padding
    with torch.no_grad():
        want = ref(input_ids=ids, attention_mask=mask).logits
        got = native(ids, attention_mask=mask).logits
    keep = mask.bool()
    assert torch.allclose(got[keep], want[keep], atol=1e-4, rtol=1e-4)
    assert not torch.isnan(got).any()


@pytest.fixture(scope="module")
def harness_tokenizer_folder(tmp_path_factory) -> Path:
    """A folder holding the training harness's tokenizer (add_prefix_space, a pad token)."""
    from babylm.tracks.tokenizer_train import train_tokenizer as harness_tokenizer

    folder = tmp_path_factory.mktemp("harness_tok")
    harness_tokenizer(list(DEFAULT_TEXTS) * 3, vocab_size=400, min_frequency=1).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("which", ["tests", "harness"])
def test_native_tokenizer_matches_transformers(tiny_causal_lm, harness_tokenizer_folder, which):
    from transformers import AutoTokenizer

    from babylm.evaluation.scorers.native_gpt2 import _tokenizer_reason

    folder = tiny_causal_lm if which == "tests" else harness_tokenizer_folder
    assert _tokenizer_reason(folder) is None
    hf = AutoTokenizer.from_pretrained(folder)
    mine = NativeTokenizer(folder)
    assert (mine.bos_token_id, mine.eos_token_id, mine.pad_token_id, len(mine)) == (
        hf.bos_token_id, hf.eos_token_id, hf.pad_token_id, len(hf))
    texts = SENTENCES + [" " + s for s in SENTENCES]
    assert mine(texts, add_special_tokens=False)["input_ids"] == hf(texts, add_special_tokens=False)["input_ids"]
    assert mine("the cat")["input_ids"] == hf("the cat")["input_ids"]


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("change,why", [
    (("config.json", {"model_type": "llama"}), "not gpt2"),
    (("config.json", {"add_cross_attention": True}), "cross-attention"),
    (("config.json", {"activation_function": "mystery"}), "activation"),
    (("tokenizer_config.json", {"tokenizer_class": "GPT2Tokenizer"}), "tokenizer class"),
    (("tokenizer_config.json", {"add_prefix_space": True}), "add_prefix_space differs"),
    (("tokenizer_config.json", {"pad_token": "<new-pad>"}), "lacks: <new-pad>"),
    (("tokenizer_config.json", {"add_bos_token": True}), "add_bos_token"),
])
def test_native_reason_refuses_what_it_cannot_reproduce(tmp_path, tiny_causal_lm, change, why):
    import shutil

    folder = Path(shutil.copytree(tiny_causal_lm, tmp_path / "m"))
    assert native_reason(folder) is None
    _edit_json(folder / change[0], **change[1])
    assert why in native_reason(folder)


def test_engine_choice_and_errors(tmp_path, tiny_causal_lm):
    from babylm.evaluation.scorers.tree import TreeCausalScorer

    assert make_scorer(tiny_causal_lm, "causal").engine == "native"
    via_transformers = make_scorer(tiny_causal_lm, "causal", engine="transformers")
    assert isinstance(via_transformers, TreeCausalScorer) and via_transformers.engine == "transformers"
    assert not isinstance(kv_scorer(tiny_causal_lm), TreeCausalScorer)
    bert = tiny_checkpoint(tmp_path / "bert", "bert")
    with pytest.raises(BabyLMError, match="native engine: backend mlm"):
        make_scorer(bert, "mlm", engine="native")
    assert make_scorer(bert, "mlm").backend == "mlm"  # auto falls back
    with pytest.raises(BabyLMError, match="unknown engine"):
        make_scorer(tiny_causal_lm, "causal", engine="turbo")
    import shutil

    broken = Path(shutil.copytree(tiny_causal_lm, tmp_path / "broken"))
    data = (broken / "model.safetensors").read_bytes()
    (broken / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="broken"):
        make_scorer(broken, "causal")


def test_tree_scores_equal_transformers_scores(tiny_causal_lm):
    long_ctx = " ".join(PAIRS[i % len(PAIRS)][0] for i in range(40))  # > one 128-node row
    reqs = [R("", s) for s in SENTENCES] + [
        R("the cat", " sees the dog ."), R("the cat ", "sees the dog ."), R("the cat sees", " the dog ."),
        R(long_ctx, " the end ."), R(long_ctx, " the bird ."), R(long_ctx + " the", " bird ."),
        R("", "the cat sees the dog ."),  # a duplicate
    ]
    ref = kv_scorer(tiny_causal_lm).score(reqs)
    for engine, kwargs in (("native", {}), ("native", {"batch_size": 1}), ("transformers", {})):
        tree = make_scorer(tiny_causal_lm, "causal", engine=engine, **kwargs)
        got = tree.score(reqs)
        assert got == pytest.approx(ref, abs=1e-4)
        tree.row_tokens = 7  # many small rows: the same numbers
        assert tree.score(reqs) == pytest.approx(ref, abs=1e-4)
    official = make_scorer(tiny_causal_lm, "causal", engine="native", compat="official").score(reqs)
    ref_official = kv_scorer(tiny_causal_lm, compat="official").score(reqs)
    assert official == pytest.approx(ref_official, abs=1e-4)


def test_token_logprobs_equal_transformers(tiny_causal_lm):
    tree = make_scorer(tiny_causal_lm, "causal", engine="native")
    ref = kv_scorer(tiny_causal_lm)
    need = {tuple(t): s for t, s in tree.encode([R("", s) for s in SENTENCES[:6]] + [R("the cat", " sees it")])}
    got, want = tree.token_logprobs(need), ref.token_logprobs(need)
    assert set(got) == set(want)
    for s in need:
        assert got[s] == pytest.approx(want[s], abs=1e-5)
        assert all(v == 0.0 for v in got[s][: need[s]]) and all(v < 0 for v in got[s][need[s]:])


def test_evaluate_cli_engines_agree(tmp_path, tiny_causal_lm, run_cli):
    root = blimp_root(tmp_path / "data")
    results = {}
    for engine in ("native", "transformers"):
        out = tmp_path / engine
        res = run_cli("eval", "run", str(tiny_causal_lm), "--tasks", "blimp", "--eval-data", str(root), "--out", str(out),
                      "--cache-dir", str(out / "cache"), "--engine", engine, "--json")
        assert res.code == 0, res.output
        results[engine] = json.loads((out / "results.json").read_text())
    items = [next(iter(r["checkpoints"].values()))["tasks"]["blimp"]["items"] for r in results.values()]
    for a, b in zip(*items, strict=True):
        assert a["pred"] == b["pred"] and a["scores"] == pytest.approx(b["scores"], abs=1e-4)
    bad = run_cli("eval", "run", str(tiny_causal_lm), "--tasks", "blimp", "--eval-data", str(root), "--engine", "turbo")
    assert bad.code == 2 and "'turbo' is not one of" in bad.output
