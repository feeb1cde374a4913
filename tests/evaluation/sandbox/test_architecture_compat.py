"""Compatibility defects found by trying many architectures as a participant would (issue 15, item 5)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from babylm.evaluation.api import ScoreRequest
from babylm.testing.tinymodels import tiny_checkpoint, train_tokenizer

TEXTS = ["the cat sees the dog . the dogs see the cat . a boy walks home . who will the girl meet ?"]


def test_eval_run_exits_nonzero_naming_what_was_not_scored(tmp_path):
    from babylm.cli import app

    run = tmp_path / "run"
    tiny_checkpoint(run / "chck_1M", "gpt2")
    (run / "chck_2M").mkdir()
    (run / "chck_2M" / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    res = CliRunner().invoke(app, ["eval", "run", str(run), "--tasks", "demo", "--cache-dir", str(tmp_path / "c"),
                                   "--out", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
    doc = json.loads(res.stdout)
    assert doc["checkpoints"]["chck_1M"]["scores"]["demo"] is not None
    assert "not scored: chck_2M/*: load:" in res.output and "no .safetensors weights" in res.output
    ok = CliRunner().invoke(app, ["eval", "run", str(run), "--checkpoints", "chck_1M", "--tasks", "demo",
                                  "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "o2"), "--json"])
    assert ok.exit_code == 0, ok.output


def test_mamba_with_two_layers_scores_shared_contexts_without_a_kv_cache():
    import torch
    import transformers as tf

    from babylm.evaluation.scorers.load import scorer_for

    tok = train_tokenizer(TEXTS, "gpt2", 200)
    torch.manual_seed(0)
    cfg = tf.MambaConfig(vocab_size=len(tok), hidden_size=32, state_size=4, num_hidden_layers=2,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    model = tf.MambaForCausalLM(cfg).eval()
    ctx = "the cat sees the dog . the dogs see the cat . a boy"  # >= 8 tokens, shared: the KV-cache path
    reqs = [ScoreRequest(ctx, " walks home ."), ScoreRequest(ctx, " walk home ."), ScoreRequest(ctx, " sees .")]
    scorer = scorer_for(model, tok, "causal")
    got = scorer.score(reqs)
    assert scorer.cache_ok is False  # the grouped (cached) pass was tried and given up for this model
    want = [scorer_for(model, tok, "causal").score([r])[0] for r in reqs]
    assert got == pytest.approx(want, abs=1e-4)


@pytest.mark.parametrize("kind", ["bert", "roberta"])
def test_causal_backend_refuses_a_bidirectional_encoder(tmp_path, kind):
    from babylm.evaluation.scorers.load import CheckpointError, make_scorer

    ck = tiny_checkpoint(tmp_path / kind, kind)
    with pytest.raises(CheckpointError, match="is not causal") as e:
        make_scorer(ck, "causal")
    assert "--backend mlm or mntp" in e.value.hint
    assert make_scorer(ck, "mlm").score([ScoreRequest("", "the cat sees the dog .")])[0] < 0


def _llama(folder):
    import transformers as tf

    tok = train_tokenizer(TEXTS, "gpt2", 200)
    cfg = tf.LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, bos_token_id=tok.bos_token_id,
                         eos_token_id=tok.eos_token_id)
    tf.LlamaForCausalLM(cfg).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("kind,backend", [("gpt2", "mlm"), ("llama", "mntp"), ("gpt2", "enc_dec_mask")])
def test_wrong_backend_says_in_one_line_which_backends_fit(tmp_path, kind, backend):
    from babylm.evaluation.scorers.load import CheckpointError, make_scorer

    ck = _llama(tmp_path / "llama") if kind == "llama" else tiny_checkpoint(tmp_path / kind, kind)
    with pytest.raises(CheckpointError) as e:
        make_scorer(ck, backend, engine="transformers")
    msg = str(e.value)
    assert msg.endswith("backends that fit: causal") and f"--backend {backend}" in msg
    assert "\n" not in msg and len(msg) < 300


def _t5_real_format(folder, legacy_config: bool):
    """A T5 checkpoint whose tokenizer is a real T5Tokenizer (Unigram + <extra_id_N> sentinels, no
    mask_token), saved by transformers; `legacy_config` rewrites tokenizer_config.json the way Hub T5
    checkpoints made with transformers 4 have it (additional_special_tokens + extra_ids)."""
    import torch
    import transformers as tf
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    raw = Tokenizer(models.Unigram())
    raw.pre_tokenizer = pre_tokenizers.Metaspace()
    raw.decoder = decoders.Metaspace()
    raw.train_from_iterator(TEXTS * 5, trainers.UnigramTrainer(vocab_size=100, unk_token="<unk>",
                                                               special_tokens=["<pad>", "</s>", "<unk>"],
                                                               show_progress=False))
    cls = getattr(tf, "T5TokenizerFast", None) or tf.T5Tokenizer
    tok = cls(tokenizer_object=raw, extra_ids=10, eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
    tok.save_pretrained(folder)
    if legacy_config:
        cfg = json.loads((folder / "tokenizer_config.json").read_text())
        cfg.pop("extra_special_tokens", None)
        cfg.update(additional_special_tokens=[f"<extra_id_{i}>" for i in range(10)], extra_ids=10)
        (folder / "tokenizer_config.json").write_text(json.dumps(cfg))
    torch.manual_seed(0)
    model = tf.T5ForConditionalGeneration(tf.T5Config(
        vocab_size=len(tok), d_model=32, d_kv=16, d_ff=64, num_layers=1, num_decoder_layers=1, num_heads=2,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id))
    model.save_pretrained(folder, safe_serialization=True)
    return folder


@pytest.mark.parametrize("legacy_config", [False, True])
@pytest.mark.parametrize("backend", ["enc_dec_mask", "enc_dec_prefix"])
def test_t5_with_real_sentinel_tokens_scores_with_both_enc_dec_backends(tmp_path, backend, legacy_config):
    import math

    import transformers as tf

    from babylm.evaluation.scorers.encdec import sentinel
    from babylm.evaluation.scorers.load import make_scorer

    ck = _t5_real_format(tmp_path / "t5", legacy_config)
    tok = tf.AutoTokenizer.from_pretrained(ck)
    assert tok.mask_token is None and sentinel(tok) == "<extra_id_0>"
    scores = make_scorer(ck, backend).score([ScoreRequest("", "the cat sees the dog ."),
                                              ScoreRequest("the boy", " walks home .")])
    assert all(math.isfinite(s) and s < 0 for s in scores)


def test_validation_lists_custom_code_files_with_their_hashes(tmp_path):
    import hashlib

    from sandbox_models import build_hybrid

    from babylm.submissions.safe_load import check_checkpoint_static

    folder = build_hybrid(tmp_path / "ck", tmp_path / "work")[0]
    found = check_checkpoint_static(folder, "ckpt")
    code = {f.message.split(" ")[0]: f.message for f in found if f.code == "E_CODE_FILE"}
    assert set(code) == {"ckpt/configuration_hybrid.py", "ckpt/modeling_hybrid.py"}
    sha = hashlib.sha256((folder / "modeling_hybrid.py").read_bytes()).hexdigest()
    assert f"sha256 {sha}" in code["ckpt/modeling_hybrid.py"]
    assert any(f.code == "E_AUTO_MAP" and "AutoModelForCausalLM" in f.message for f in found)
