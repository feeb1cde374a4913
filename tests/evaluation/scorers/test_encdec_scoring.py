"""Encoder-decoder scoring: decoder inputs per compat mode (T5 and BART tokenizers, with and without BOS),
values equal to a plain per-copy forward, independent of batching."""

from __future__ import annotations

import types

import pytest

from babylm.evaluation.api import ScoreRequest as R
from babylm.evaluation.scorers.encdec import EncDecScorer, decoder_prompt, prefix_start, sentinel
from babylm.testing.tinymodels import DEFAULT_TEXTS

REQS = [R("", "the cat sees the dog ."), R("", "the cat see the dog ."), R("", "a bird sings ."),
        R("the boy", " walks home ."), R("", "a bird sings ."), R("", "")]
T5 = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
BART = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}


def make_tokenizer(specials: dict, extra: tuple[str, ...] = ()):
    """A byte-level BPE fast tokenizer with these specials; BOS (if any) before, EOS after the text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    names = list(dict.fromkeys([*specials.values(), *extra]))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(list(DEFAULT_TEXTS), trainer=trainers.BpeTrainer(
        vocab_size=300, special_tokens=names, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    bos, eos = specials.get("bos_token"), specials["eos_token"]
    single = f"{bos} $A {eos}" if bos else f"$A {eos}"
    marks = [(t, tok.token_to_id(t)) for t in (bos, eos) if t]
    tok.post_processor = processors.TemplateProcessing(single=single, special_tokens=marks)
    kw = {"additional_special_tokens": list(extra)} if extra else {}
    return PreTrainedTokenizerFast(tokenizer_object=tok, **specials, **kw)


def make_model(kind: str, tok):
    import torch
    import transformers as tf

    torch.manual_seed(0)
    v = len(tok)
    if kind == "t5":
        cfg = tf.T5Config(vocab_size=v, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2,
                          num_heads=4, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                          decoder_start_token_id=tok.pad_token_id)
        return tf.T5ForConditionalGeneration(cfg).float().eval()
    cfg = tf.BartConfig(vocab_size=v, d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                        decoder_attention_heads=2, encoder_ffn_dim=128, decoder_ffn_dim=128,
                        max_position_embeddings=128, pad_token_id=tok.pad_token_id,
                        bos_token_id=tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id,
                        eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.eos_token_id)
    return tf.BartForConditionalGeneration(cfg).float().eval()


CASES = {
    "t5": ("t5", {**T5, "mask_token": "<extra_id_0>"}, ()),
    "t5-extra-ids": ("t5", T5, ("<extra_id_0>", "<extra_id_1>")),
    "t5-with-bos": ("t5", {**T5, "bos_token": "<s>", "mask_token": "<extra_id_0>"}, ()),
    "bart": ("bart", BART, ()),
    "bart-without-bos": ("bart", {k: v for k, v in BART.items() if k != "bos_token"}, ()),
}


@pytest.fixture(scope="module")
def built():
    out = {}
    for name, (kind, specials, extra) in CASES.items():
        tok = make_tokenizer(specials, extra)
        out[name] = (make_model(kind, tok), tok)
    return out


def plain_mask(model, tok, req: R, prompt: list[int]) -> float:
    """Reference enc_dec_mask: each masked copy alone, decoder `prompt`, read at its last position."""
    import torch

    mask = tok.convert_tokens_to_ids(sentinel(tok))
    enc = tok(req.context + req.continuation, return_offsets_mapping=True, return_special_tokens_mask=True)
    ids, total = enc["input_ids"], 0.0
    for i, ((_, end), special) in enumerate(zip(enc["offset_mapping"], enc["special_tokens_mask"], strict=True)):
        if special or end <= len(req.context):
            continue
        masked = list(ids)
        masked[i] = mask
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([masked]), decoder_input_ids=torch.tensor([prompt])).logits
        total += float(torch.log_softmax(logits[0, -1].double(), -1)[ids[i]])
    return total


def expected_prompt(tok, model, compat: str) -> list[int]:
    mask = tok.convert_tokens_to_ids(sentinel(tok))
    if compat == "babylm":
        return [model.config.decoder_start_token_id, mask]
    if tok.bos_token_id is not None:
        return [tok.bos_token_id, mask]
    extra = tok.convert_tokens_to_ids("<extra_id_0>") if "<extra_id_0>" in tok.get_vocab() else mask
    return [extra]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("compat", ["babylm", "official"])
def test_enc_dec_mask_equals_a_plain_forward_with_the_modes_decoder_input(built, case, compat):
    model, tok = built[case]
    prompt = expected_prompt(tok, model, compat)
    assert decoder_prompt(tok, model.config, tok.convert_tokens_to_ids(sentinel(tok)), compat) == prompt
    got = EncDecScorer(model, tok, backend="enc_dec_mask", compat=compat).score(REQS)
    want = [plain_mask(model, tok, r, prompt) for r in REQS]
    assert got == pytest.approx(want, abs=1e-5)
    assert got[4] == got[2] and got[5] == 0.0


def test_the_decoder_inputs_per_tokenizer():
    cfg = types.SimpleNamespace(decoder_start_token_id=0)
    ids = {"<extra_id_0>": 32099, "<mask>": 50264}

    def tok(**kw):
        base = {"bos_token_id": None, "mask_token": None, "pad_token_id": 0, "additional_special_tokens": None}
        return types.SimpleNamespace(**{**base, **kw}, convert_tokens_to_ids=ids.__getitem__)

    t5 = tok(additional_special_tokens=["<extra_id_0>", "<extra_id_1>"])
    assert sentinel(t5) == "<extra_id_0>"
    assert decoder_prompt(t5, cfg, 32099, "babylm") == [0, 32099]
    assert decoder_prompt(t5, cfg, 32099, "official") == [32099]  # no BOS: the sentinel alone
    assert prefix_start(t5, cfg, 32099, "official") == 32099
    bart = tok(bos_token_id=0, mask_token="<mask>", pad_token_id=1)
    bart_cfg = types.SimpleNamespace(decoder_start_token_id=2)
    assert decoder_prompt(bart, bart_cfg, 50264, "babylm") == [2, 50264]  # decoder start </s>
    assert decoder_prompt(bart, bart_cfg, 50264, "official") == [0, 50264]  # BOS <s>
    assert prefix_start(bart, bart_cfg, 50264, "official") == 0
    no_start = tok(mask_token="<mask>", pad_token_id=1)
    assert decoder_prompt(no_start, types.SimpleNamespace(decoder_start_token_id=None), 50264, "babylm") == [1, 50264]
    transformers5 = tok(additional_special_tokens=None, extra_special_tokens=["<extra_id_0>"])
    assert sentinel(transformers5) == "<extra_id_0>"


def plain_prefix(model, tok, req: R, start: int) -> float:
    import torch

    mask_text = sentinel(tok)
    mask = tok.convert_tokens_to_ids(mask_text)
    enc = tok(f"{req.context.rstrip()} {mask_text}" if req.context.strip() else mask_text)["input_ids"]
    cont = tok(req.continuation if req.context.strip() else req.continuation.lstrip(),
               add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([enc]), decoder_input_ids=torch.tensor([[start, mask, *cont]])).logits
    lp = torch.log_softmax(logits[0].double(), -1)
    return sum(float(lp[1 + t, c]) for t, c in enumerate(cont))


@pytest.mark.parametrize("case", ["t5", "bart"])
@pytest.mark.parametrize("compat", ["babylm", "official"])
def test_enc_dec_prefix_equals_a_plain_forward(built, case, compat):
    model, tok = built[case]
    start = expected_prompt(tok, model, compat)[0] if compat == "official" else model.config.decoder_start_token_id
    got = EncDecScorer(model, tok, backend="enc_dec_prefix", compat=compat).score(REQS)
    assert got == pytest.approx([plain_prefix(model, tok, r, start) for r in REQS], abs=1e-5)


@pytest.mark.parametrize("backend", ["enc_dec_mask", "enc_dec_prefix"])
def test_scores_do_not_depend_on_batching(built, backend):
    import torch

    torch.set_num_threads(1)
    model, tok = built["bart"]
    whole = EncDecScorer(model, tok, backend=backend).score(REQS)
    for kw in ({"batch_size": 1}, {"max_tokens": 30}):
        assert EncDecScorer(model, tok, backend=backend, **kw).score(REQS) == pytest.approx(whole, abs=1e-6)
    assert EncDecScorer(model, tok, backend=backend).score(REQS[::-1]) == pytest.approx(whole[::-1], abs=1e-6)
