"""Masked-LM scoring: the packed native forward equals a plain per-copy transformers forward, per item."""

from __future__ import annotations

import pytest
from blimp_pairs import PAIRS

from babylm.errors import BabyLMError
from babylm.evaluation.api import ScoreRequest as R
from babylm.evaluation.scorers.mlm import MaskedScorer
from babylm.evaluation.scorers.mlm_pack import MIN_ROWS, batch_tensors, length_batches, mask_copies, plan_sums
from babylm.testing.tinymodels import DEFAULT_TEXTS, tiny_model, train_tokenizer

REQS = [R("", s) for pair in PAIRS for s in pair] + [
    R("the boy", " walks home ."), R("who will", " the girl meet ?"), R("", "a"), R("", ""),
    R("", "the cat sees the dog ."),  # a duplicate of the first request
]
KINDS = ("bert", "roberta")


@pytest.fixture(scope="module")
def models():
    out = {}
    for kind in KINDS:
        tok = train_tokenizer(DEFAULT_TEXTS, kind, 300)
        out[kind] = (tiny_model(kind, tok, n_layer=2, width=64), tok)
    return out


def plain_pll(model, tok, req: R, *, mask_shift: int = 0, read_shift: int = 0) -> float:
    """The reference: every masked copy through its own unbatched transformers forward, summed in float64."""
    import torch

    enc = tok(req.context + req.continuation, return_offsets_mapping=True, return_special_tokens_mask=True)
    ids, total = enc["input_ids"], 0.0
    for i, ((_, end), special) in enumerate(zip(enc["offset_mapping"], enc["special_tokens_mask"], strict=True)):
        if special or end <= len(req.context) or i - read_shift < 0:
            continue
        masked = list(ids)
        masked[i + mask_shift] = tok.mask_token_id
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([masked])).logits[0, i - read_shift]
        total += float(torch.log_softmax(logits.double(), -1)[ids[i]])
    return total


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("backend", ["mlm", "mntp"])
@pytest.mark.parametrize("engine", ["native", "transformers"])
def test_each_item_equals_a_plain_per_copy_forward(models, kind, backend, engine):
    model, tok = models[kind]
    sc = MaskedScorer(model, tok, backend=backend, engine=engine)
    got = sc.score(REQS)
    assert sc.engine == engine
    want = [plain_pll(model, tok, r, read_shift=int(backend == "mntp")) for r in REQS]
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-5
    assert got[-1] == got[0] and got[-2] == 0.0


@pytest.mark.parametrize("kind", KINDS)
def test_auto_uses_the_native_forward_for_bert_and_roberta(models, kind):
    sc = MaskedScorer(*models[kind])
    sc.score(REQS[:2])
    assert sc.engine == "native" and sc.native_reason is None


@pytest.mark.parametrize("backend", ["mlm", "mntp"])
def test_scores_do_not_depend_on_batching_or_neighbours(models, backend):
    import torch

    torch.set_num_threads(1)  # tiny batches: thread hand-offs cost more than they save on a shared CPU
    model, tok = models["bert"]
    reqs = REQS[:6] + REQS[-5:]
    sc = MaskedScorer(model, tok, backend=backend)
    whole = sc.score(reqs)
    for kw in ({"batch_size": 1}, {"batch_size": 5}, {"max_tokens": 40}):
        assert MaskedScorer(model, tok, backend=backend, **kw).score(reqs) == pytest.approx(whole, abs=1e-6)
    assert [sc.score([r])[0] for r in reqs[:3]] == pytest.approx(whole[:3], abs=1e-6)
    assert sc.score(reqs[::-1]) == pytest.approx(whole[::-1], abs=1e-6)


def test_duplicate_masked_inputs_are_computed_once(models):
    model, tok = models["bert"]
    sc = MaskedScorer(model, tok)
    seen: list[int] = []
    run = sc._runner()
    sc._runner = lambda: (lambda ids, read, tgt: seen.append(ids.shape[0]) or run(ids, read, tgt))
    once = sc.score([REQS[0]])
    n_once = sum(seen)
    seen.clear()
    assert sc.score([REQS[0]] * 5) == once * 5
    assert sum(seen) == n_once


def test_official_mntp_masks_the_token_after_when_the_tokenizer_adds_cls(models):
    """The 2025 pipeline's mntp with a CLS/BOS tokenizer: token i read at i-1 while position i+1 is masked."""
    model, tok = models["bert"]
    got = MaskedScorer(model, tok, backend="mntp", compat="official").score(REQS[:4])
    want = [plain_pll(model, tok, r, mask_shift=1, read_shift=1) for r in REQS[:4]]
    assert got == pytest.approx(want, abs=1e-5)
    babylm = MaskedScorer(model, tok, backend="mntp").score(REQS[:4])
    assert max(abs(a - b) for a, b in zip(got, babylm, strict=True)) > 1e-3
    # mlm is the same arithmetic in both modes
    assert MaskedScorer(model, tok, compat="official").score(REQS) == MaskedScorer(model, tok).score(REQS)


def test_probe_refuses_a_model_the_native_forward_does_not_reproduce(models):
    import copy

    model, tok = copy.deepcopy(models["bert"])
    model.config.layer_norm_eps = 0.5  # the modules keep their own eps: only the native forward would change
    sc = MaskedScorer(model, tok)
    got = sc.score(REQS[:3])
    assert sc.engine == "transformers" and "differs from transformers" in sc.native_reason
    assert got == pytest.approx([plain_pll(model, tok, r) for r in REQS[:3]], abs=1e-5)
    with pytest.raises(BabyLMError, match="native masked-LM forward"):
        MaskedScorer(model, tok, engine="native").score(REQS[:1])


def test_native_reason_names_what_it_cannot_run(models):
    import copy

    from babylm.evaluation.scorers.native_bert import native_reason

    model, _ = models["bert"]
    assert native_reason(model) is None
    other = copy.deepcopy(model)
    other.config.position_embedding_type = "relative_key"
    assert "position_embedding_type" in native_reason(other)
    other.config.model_type = "distilbert"
    assert "model_type" in native_reason(other)
    with pytest.raises(BabyLMError, match="unknown engine"):
        MaskedScorer(model, models["bert"][1], engine="fast")


def test_mask_copies_and_packing():
    ids = [101, 7, 8, 9, 102]
    assert mask_copies(ids, [1, 2, 3], 4) == [((101, 4, 8, 9, 102), 1, 7), ((101, 7, 4, 9, 102), 2, 8),
                                              ((101, 7, 8, 4, 102), 3, 9)]
    assert [c[1:] for c in mask_copies(ids, [1, 2, 3], 4, read_shift=1)] == [(0, 7), (1, 8), (2, 9)]
    assert mask_copies([7, 8], [0, 1], 4, read_shift=1) == [((7, 4), 0, 8)]  # token 0 has no position before it
    with pytest.raises(BabyLMError, match="no position 2 to mask"):
        mask_copies([7, 8], [0, 1], 4, mask_shift=1, read_shift=1)
    copies = mask_copies(ids, [1, 2, 3], 4) + mask_copies([1, 2, 3], [0, 1, 2], 4) + mask_copies(ids, [1], 4)
    batches = list(length_batches(copies, max_tokens=10))
    assert all(len({len(c[0]) for c in b}) == 1 and len(b) * len(b[0][0]) <= 10 for b in batches)
    assert sorted(c for b in batches for c in b) == sorted(set(copies))  # each distinct copy once
    assert list(length_batches(reversed(copies), max_tokens=10)) == batches  # a fixed order
    ids_t, read, tgt = batch_tensors(batches[0])
    assert ids_t.shape[0] == read.shape[0] == tgt.shape[0] == MIN_ROWS


def test_sums_are_exactly_rounded_whatever_the_order():
    values = {((1,), 0, i): v for i, v in enumerate([1e8, 1.0, -1e8, 1e-8, 3.0])}
    plans = [list(values), list(values)[::-1]]
    assert plan_sums(plans, values) == [4.00000001, 4.00000001]


def test_needs_offsets_and_a_mask_token(models):
    import types

    _, tok = models["bert"]
    with pytest.raises(BabyLMError, match="mask token"):
        MaskedScorer(types.SimpleNamespace(), types.SimpleNamespace(mask_token_id=None))
    slow = types.SimpleNamespace(is_fast=False, mask_token_id=3)
    with pytest.raises(BabyLMError, match="offsets"):
        MaskedScorer(types.SimpleNamespace(), slow).score([R("", "a b")])


@pytest.mark.parametrize("n_layer", [1, 3])
def test_native_forward_at_other_depths(models, n_layer):
    _, tok = models["bert"]
    model = tiny_model("bert", tok, n_layer=n_layer, width=64, seed=1)
    sc = MaskedScorer(model, tok, engine="native")
    assert sc.score(REQS[:4]) == pytest.approx([plain_pll(model, tok, r) for r in REQS[:4]], abs=1e-5)
