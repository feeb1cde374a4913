"""Scorers: exact values against a naive reference, batch-size invariance, compat modes, safe loading."""

from __future__ import annotations

import json
import types

import pytest
from blimp_pairs import PAIRS

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest as R
from babylm.evaluation.scorers.load import (
    CheckpointError,
    ScoreError,
    check_checkpoint_folder,
    make_scorer,
    scorer_for,
)
from babylm.testing.tinymodels import tiny_checkpoint

REQS = [R("", g) for g, _ in PAIRS] + [R("", b) for _, b in PAIRS] + [
    R("the boy", " walks home ."), R("the boy ", "walks home ."), R("who will", " the girl meet ?"),
    R("", "a"), R("", ""),
]
CTX = "the cat sees the dog . the dogs see the cat . a boy walks home . the boys"
SHARED = [R(CTX, c) for c in (" walk home .", " walks home .", " see the cat .", " sees")]


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpts")
    return {k: tiny_checkpoint(root / k, k) for k in ("gpt2", "bert", "t5")}


@pytest.fixture(scope="module")
def ref_gpt2(ckpts):
    """The transformers model itself: the reference for both causal engines."""
    from babylm.evaluation.scorers.load import load_model

    return load_model(ckpts["gpt2"], "causal")[0]


ENGINES = pytest.mark.parametrize("engine", ["kv", "transformers", "native"])


def causal_scorer(folder, engine: str, **kwargs):
    """engine "kv" is the transformers model through the KV-cache scorer (no prefix tree)."""
    if engine != "kv":
        return make_scorer(folder, "causal", engine=engine, **kwargs)
    from babylm.evaluation.scorers.load import load_model

    model, tok = load_model(folder, "causal")
    return scorer_for(model, tok, "causal", tree=False, **kwargs)


def _naive_causal(model, ids: list[int], start: int) -> float:
    import torch

    with torch.no_grad():
        lp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
    return float(sum(lp[i - 1, ids[i]] for i in range(start, len(ids))))


@ENGINES
def test_causal_babylm_scores_every_token_after_bos(ckpts, ref_gpt2, engine):
    sc = causal_scorer(ckpts["gpt2"], engine)
    tok = sc.tokenizer
    for req, got in zip(REQS[:6], sc.score(REQS[:6]), strict=True):
        ids = [tok.bos_token_id, *tok(" " + req.continuation, add_special_tokens=False)["input_ids"]]
        assert got == pytest.approx(_naive_causal(ref_gpt2, ids, 1), abs=1e-4)


@ENGINES
def test_causal_official_leaves_first_token_unscored(ckpts, ref_gpt2, engine):
    sc = causal_scorer(ckpts["gpt2"], engine, compat="official")
    tok = sc.tokenizer
    for req, got in zip(REQS[:6], sc.score(REQS[:6]), strict=True):
        ids = tok(req.continuation, add_special_tokens=False)["input_ids"]
        assert got == pytest.approx(_naive_causal(ref_gpt2, ids, 1), abs=1e-4)
    assert sc.score([R("", "a")]) == [0.0]  # one token: nothing scored


@ENGINES
def test_causal_context_split_like_lm_eval(ckpts, ref_gpt2, engine):
    sc = causal_scorer(ckpts["gpt2"], engine)
    a, b = sc.score([R("the boy", " walks home ."), R("the boy ", "walks home .")])
    assert a == pytest.approx(b, abs=1e-6)  # trailing context space moves to the continuation
    tok = sc.tokenizer
    whole = tok("the boy walks home .", add_special_tokens=False)["input_ids"]
    n_ctx = len(tok("the boy", add_special_tokens=False)["input_ids"])
    assert a == pytest.approx(_naive_causal(ref_gpt2, whole, n_ctx), abs=1e-4)


@pytest.mark.parametrize("kind,backend,engine", [
    ("gpt2", "causal", "kv"), ("gpt2", "causal", "transformers"), ("gpt2", "causal", "native"), ("bert", "mlm", "auto"),
    ("bert", "mntp", "auto"), ("t5", "enc_dec_mask", "auto"), ("t5", "enc_dec_prefix", "auto")])
def test_batch_size_invariance_float32(ckpts, kind, backend, engine):
    import torch

    torch.set_num_threads(1)  # tiny batches: thread hand-offs cost more than they save on a shared CPU
    reqs = REQS + SHARED if backend == "causal" else [*REQS[:2], REQS[6], REQS[9], REQS[-1], *SHARED[:2]]
    make = (lambda **kw: causal_scorer(ckpts[kind], engine, **kw)) if backend == "causal" else (
        lambda **kw: make_scorer(ckpts[kind], backend, **kw))
    one, many = make(batch_size=1), make(batch_size=64)
    assert next(one.model.parameters()).dtype.is_floating_point
    assert str(next(one.model.parameters()).dtype) == "torch.float32"
    s1, s64 = one.score(reqs), many.score(reqs)
    assert max(abs(x - y) for x, y in zip(s1, s64, strict=True)) < 1e-5
    assert all(isinstance(x, float) for x in s1)
    # the same request always gets the same score, wherever it sits in the list
    assert many.score(list(reversed(reqs))) == pytest.approx(list(reversed(s64)), abs=1e-5)


@pytest.mark.parametrize("share_prefixes", [False, True])
def test_shared_prefix_paths_equal_plain_path(ckpts, share_prefixes):
    sc = causal_scorer(ckpts["gpt2"], "kv")
    sc.share_prefixes = share_prefixes  # sentence prefixes through the KV cache (on for deep models)
    reqs = SHARED + REQS + [R("", "the cat sees the dog"), R("", "the cat sees")]
    cached = sc.score(reqs)
    sc.batch_size = 2
    assert sc.score(reqs) == pytest.approx(cached, abs=1e-5)
    sc.cache_ok = False
    assert sc.score(reqs) == pytest.approx(cached, abs=1e-5)


def test_mlm_pll_masks_one_token_at_a_time(ckpts):
    import torch

    sc = make_scorer(ckpts["bert"], "mlm")
    tok, model = sc.tokenizer, sc.model
    ids = tok("the cat sees the dog .")["input_ids"]
    total = 0.0
    for i in range(1, len(ids) - 1):  # skip [CLS] and [SEP]
        masked = list(ids)
        masked[i] = tok.mask_token_id
        with torch.no_grad():
            lp = torch.log_softmax(model(torch.tensor([masked])).logits[0, i].double(), -1)
        total += float(lp[ids[i]])
    assert sc.score([R("", "the cat sees the dog .")])[0] == pytest.approx(total, abs=1e-4)
    # a context is visible but not scored
    with_ctx, alone = sc.score([R("the cat", " sees the dog ."), R("", "the cat sees the dog .")])
    assert with_ctx > alone


def test_mlm_needs_offsets_and_a_mask_token():
    fake_tok = types.SimpleNamespace(is_fast=False, mask_token_id=3, pad_token_id=0)
    sc = scorer_for(types.SimpleNamespace(), fake_tok, "mlm")
    with pytest.raises(BabyLMError, match="offsets"):
        sc.score([R("", "a b")])
    with pytest.raises(BabyLMError, match="mask token"):
        scorer_for(types.SimpleNamespace(), types.SimpleNamespace(mask_token_id=None), "mlm")


@ENGINES
def test_non_finite_log_prob_is_an_error_naming_the_request(ckpts, engine):
    import torch

    sc = causal_scorer(ckpts["gpt2"], engine)
    model = sc.model.model if engine == "transformers" else sc.model  # the tree adapter wraps the model
    with torch.no_grad():
        ln_f = model.ln_f_weight if engine == "native" else model.transformer.ln_f.weight
        ln_f.fill_(float("nan"))
    sc._split = False
    with pytest.raises(ScoreError) as info:
        sc.score([R("", "the cat")])
    assert info.value.index == 0 and "non-finite" in str(info.value)


def test_refuses_unsafe_or_broken_checkpoints(tmp_path, ckpts):
    with pytest.raises(CheckpointError, match="not found"):
        check_checkpoint_folder(tmp_path / "nope")
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    (pickled / "pytorch_model.bin").write_bytes(b"not really")
    with pytest.raises(CheckpointError, match="safetensors"):
        make_scorer(pickled, "causal")
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "config.json").write_text(json.dumps({"model_type": "gpt2", "auto_map": {"AutoModel": "x.Y"}}))
    with pytest.raises(CheckpointError, match="auto_map"):
        make_scorer(remote, "causal")
    with pytest.raises(CheckpointError, match="cannot load"):
        make_scorer(ckpts["gpt2"], "enc_dec_prefix")  # wrong backend for the architecture
    with pytest.raises(BabyLMError, match="unknown backend"):
        make_scorer(ckpts["gpt2"], "bogus")
