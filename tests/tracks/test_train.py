"""The baseline trainer: word attribution per sequence, checkpoints that load offline, budget and cap."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from babylm.errors import BabyLMError
from babylm.tracks.demo_corpus import write_corpus
from babylm.tracks.ledger import ExposureCapError, verify_ledger
from babylm.tracks.train import TrainOptions, encode_lines, pack_sequences, take_words, train

SCALE = Fraction(1, 10_000)  # strict-small: budget 1,000 words, cap 10,000, checkpoints from 100 words


def opts(data: Path, out: Path, **kw) -> TrainOptions:
    base = dict(data=[data], out=out, scale=SCALE, epochs=2, seq_len=32, batch_size=8, vocab_size=400,
                progress=False, threads=1)
    base.update(kw)
    return TrainOptions(**base)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    write_corpus(d, 1000, seed=3)
    return d


@pytest.fixture(scope="module")
def trained(corpus: Path, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "run"
    return out, train(opts(corpus, out))


@pytest.fixture(scope="module")
def tokenizer(corpus: Path):
    from babylm.tracks.tokenizer_train import train_tokenizer

    lines = [x for f in sorted(corpus.iterdir()) for x in f.read_text().splitlines()]
    return train_tokenizer(lines, vocab_size=300)


# -- words per sequence ----------------------------------------------------------------------------
def test_one_epoch_of_sequences_holds_exactly_the_corpus_words(tokenizer) -> None:
    lines = ["The dog  runs.\n", "  naïve café — x\u00a0y\n", "supercalifragilisticexpialidocious words here\n"]
    ids, starts = encode_lines(tokenizer, lines)
    for seq_len in (2, 3, 5, 8, 64):
        packed = pack_sequences(ids, starts, seq_len, tokenizer.pad_token_id)
        assert int(packed.words.sum()) == sum(len(x.split()) for x in lines)
        assert int(packed.tokens.sum()) == len(ids)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab é\u00a0\u3000zq.!\t"), max_size=30), max_size=12),
       st.integers(min_value=2, max_value=17))
def test_word_attribution_is_exact_for_any_text(tokenizer, texts: list[str], seq_len: int) -> None:
    lines = [t for t in texts if t.strip()]
    ids, starts = encode_lines(tokenizer, lines)
    packed = pack_sequences(ids, starts, seq_len, tokenizer.pad_token_id)
    assert int(packed.words.sum()) == sum(len(t.split()) for t in lines)


def test_a_word_split_across_sequences_counts_where_it_starts(tokenizer) -> None:
    ids, starts = encode_lines(tokenizer, ["zzzzqqqq zzzzqqqq"])
    per_word = (len(ids) - 1) // 2  # <eos> then two copies of the same multi-token word
    assert per_word >= 2
    packed = pack_sequences(ids, starts, 2, tokenizer.pad_token_id)  # windows cut inside the words
    assert packed.words.tolist()[0] == 1  # <eos> and the first word's first token
    assert sum(packed.words.tolist()) == 2
    first_starts = [i for i, s in enumerate(starts) if s]
    assert first_starts == [1, 1 + per_word]


def test_take_words_cuts_exactly() -> None:
    lines = ["a b c\n", "d e\n", "f g h i\n"]
    assert take_words(lines, 4) == ["a b c\n", "d\n"]
    assert sum(len(x.split()) for x in take_words(lines, 9)) == 9


# -- a tiny run ------------------------------------------------------------------------------------
def test_run_writes_every_due_checkpoint_and_a_verifiable_ledger(trained) -> None:
    out, res = trained
    assert res.status == "completed" and res.scaled and res.scale == "1/10000"
    assert res.data_words == 1000 and res.words_seen == 2000
    # 2,000 words seen: 100..1,000 and 2,000
    assert res.checkpoints == [f"chck_{i}M" for i in range(1, 11)] + ["chck_20M"]
    rep = verify_ledger(out)
    assert rep.ok and rep.complete and rep.words == 2000 and rep.checkpoints["chck_20M"] == 2000
    run = json.loads((out / "run.json").read_text())
    assert run["format"] == "babylm.run/1" and run["scaled"] and run["status"] == "completed"
    assert run["words_seen"] == 2000 and run["model_config"]["n_layer"] == 2 and run["seq_len"] == 32
    manifest = json.loads((out / "data_manifest.json").read_text())
    assert manifest["total_words"] == 1000 and manifest["scale"] == "1/10000"
    meta = json.loads((out / "chck_20M" / "babylm_checkpoint.json").read_text())
    assert meta["words_seen"] == 2000 and meta["train_flops"] > 0 and meta["flops_method"] == "analytic-v1"


def test_checkpoints_load_offline_with_auto_classes(trained, monkeypatch) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out, _ = trained
    ck = out / "chck_5M"
    assert (ck / "model.safetensors").is_file()
    model = AutoModelForCausalLM.from_pretrained(ck)
    tok = AutoTokenizer.from_pretrained(ck)
    assert tok.bos_token == tok.eos_token == "<|endoftext|>" and tok.pad_token_id is not None
    enc = tok("The dog runs.", return_offsets_mapping=True)
    assert enc["offset_mapping"][0] == (0, 3) and len(enc["input_ids"]) >= 3
    ids = torch.tensor([[tok.bos_token_id, *enc["input_ids"]]])
    with torch.no_grad():
        logits = model(ids).logits
    assert logits.shape == (1, ids.shape[1], len(tok))


def test_training_is_deterministic_by_seed(corpus: Path, tmp_path: Path, trained) -> None:
    out, _ = trained
    again = tmp_path / "again"
    train(opts(corpus, again))  # same options: the LR schedule depends on the planned steps
    a = (out / "chck_5M" / "model.safetensors").read_bytes()
    b = (again / "chck_5M" / "model.safetensors").read_bytes()
    assert a == b
    assert (out / "chck_5M" / "tokenizer.json").read_bytes() == (again / "chck_5M" / "tokenizer.json").read_bytes()


def test_more_epochs_than_the_cap_stop_with_an_error_and_keep_the_run(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "capped"
    with pytest.raises(ExposureCapError) as info:
        train(opts(corpus, out, epochs=11, scale=Fraction(1, 20_000), max_words=500, batch_size=16))
    assert "exposure cap of 5,000 words" in str(info.value) and "words seen" in str(info.value)
    rep = verify_ledger(out)
    assert rep.ok and rep.stopped_at_cap and rep.words <= 5000 and rep.status == "stopped_at_cap"
    assert "chck_100M" not in rep.checkpoints or rep.words == 5000
    for name in rep.checkpoints:
        assert (out / name / "model.safetensors").is_file()
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "stopped_at_cap" and "exposure cap" in run["message"]


def test_data_over_the_budget_is_refused(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(BabyLMError, match="over the 2025/strict-small word budget of 500"):
        train(opts(corpus, tmp_path / "r", scale=Fraction(1, 20_000)))
    assert not (tmp_path / "r").exists()


def test_max_words_trains_on_a_recorded_subset(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub"
    res = train(opts(corpus, out, scale=Fraction(1, 20_000), max_words=300, epochs=1))
    assert res.data_words == 300 and res.words_seen == 300
    manifest = json.loads((out / "data_manifest.json").read_text())
    assert manifest["total_words"] == 300 and manifest["files"][0]["path"] == "data/train_subset.txt"


def test_llama_tiny_with_grouped_query_attention(corpus: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    out = tmp_path / "llama"
    res = train(opts(corpus, out, arch="llama-tiny", epochs=1, max_words=200, scale=Fraction(1, 20_000)))
    assert res.checkpoints == ["chck_1M", "chck_2M", "chck_3M", "chck_4M"]  # every 50 words
    model = AutoModelForCausalLM.from_pretrained(out / "chck_4M")
    assert model.config.num_key_value_heads < model.config.num_attention_heads


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arch": "gpt5"}, "unknown architecture"),
        ({"track": "nope"}, "unknown track"),
        ({"data": [Path("/no/such/file")]}, "not found"),
        ({"epochs": 0}, "--epochs"),
        ({"max_words": 0}, "--max-words"),
    ],
)
def test_bad_options_are_user_errors(corpus: Path, tmp_path: Path, change: dict, message: str) -> None:
    o = opts(corpus, tmp_path / "x")
    for k, v in change.items():
        setattr(o, k, v)
    with pytest.raises(BabyLMError, match=message):
        train(o)


def test_a_non_empty_output_folder_is_refused(corpus: Path, trained) -> None:
    out, _ = trained
    with pytest.raises(BabyLMError, match="not empty"):
        train(opts(corpus, out))


def test_demo_stages_data_and_train_fast(tmp_path: Path) -> None:
    from babylm.demo import DemoContext
    from babylm.tracks.demo import stage_data, stage_train
    from babylm.tracks.rules import get_track

    scale = Fraction(1, 10_000)  # budget 1,000 words: 10 epochs reach all 19 checkpoints
    ctx = DemoContext(workdir=tmp_path, track=get_track("strict-small").scaled(scale), scale=scale, fast=True)
    stage_data(ctx)
    manifest = json.loads(Path(ctx.state["data_manifest"]).read_text())
    assert manifest["total_words"] == 1000 and manifest["within_budget"] and manifest["scale"] == "1/10000"
    stage_train(ctx)
    assert [p.name for p in ctx.state["checkpoints"]] == list(ctx.track.names)
    assert verify_ledger(ctx.state["run_dir"]).words == 10_000


@pytest.mark.slow
def test_demo_scale_run_reaches_every_checkpoint_and_learns_agreement(tmp_path: Path) -> None:
    """The default demo (strict-small x1/100, 10 epochs): 19 checkpoints, and the last one prefers
    'The dogs run.' over 'The dogs runs.' on generated minimal pairs (the first one does not)."""
    import random

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from babylm.demo import DemoContext
    from babylm.tracks.demo import stage_data, stage_train
    from babylm.tracks.demo_corpus import LEXICON as L
    from babylm.tracks.rules import get_track

    scale = Fraction(1, 100)
    ctx = DemoContext(workdir=tmp_path, track=get_track("strict-small").scaled(scale), scale=scale)
    stage_data(ctx)
    stage_train(ctx)
    assert len(ctx.state["checkpoints"]) == 19

    def accuracy(ck: Path) -> float:
        model = AutoModelForCausalLM.from_pretrained(ck).eval()
        tok = AutoTokenizer.from_pretrained(ck)

        def logp(s: str) -> float:
            ids = torch.tensor([[tok.bos_token_id, *tok(s)["input_ids"]]])
            with torch.no_grad():
                lp = model(ids).logits.log_softmax(-1)
            return float(lp[0, :-1].gather(1, ids[0, 1:, None]).sum())

        r = random.Random(0)
        wins = 0
        for _ in range(200):
            i, j, pl = r.randrange(len(L["animate_sg"])), r.randrange(len(L["verbs_intrans_base"])), r.random() < 0.5
            noun = (L["animate_pl"] if pl else L["animate_sg"])[i]
            good = (L["verbs_intrans_base"] if pl else L["verbs_intrans_3sg"])[j]
            bad = (L["verbs_intrans_3sg"] if pl else L["verbs_intrans_base"])[j]
            wins += logp(f"The {noun} {good}.") > logp(f"The {noun} {bad}.")
        return wins / 200

    assert accuracy(ctx.state["checkpoints"][-1]) > 0.9
    assert accuracy(ctx.state["checkpoints"][0]) < 0.8


@pytest.mark.realdata
def test_real_babylm_text_attribution_and_a_short_run(shared_data: Path, tmp_path: Path, tokenizer) -> None:
    sample = shared_data / "babylm_train_sample"
    files = [sample / "train_100k" / "simple_wiki.train", sample / "train_10M" / "switchboard.train"]
    from babylm.tracks.train import read_lines

    lines = read_lines(files)
    expected = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
    ids, starts = encode_lines(tokenizer, lines)
    assert int(pack_sequences(ids, starts, 128, tokenizer.pad_token_id).words.sum()) == expected

    out = tmp_path / "real"
    res = train(opts(files[0], out, scale=Fraction(1, 1000), max_words=3000, epochs=1, seq_len=64))
    assert res.words_seen == 3000 and res.checkpoints == ["chck_1M", "chck_2M", "chck_3M"]
    assert verify_ledger(out).ok


def test_packed_data_as_a_dataset_for_the_trainer_callback(tokenizer) -> None:
    lines = ["The dog runs.", "Look at the big red ball!"]
    ids, starts = encode_lines(tokenizer, lines)
    ds = pack_sequences(ids, starts, 4, tokenizer.pad_token_id).to_dataset()
    assert sum(ds["words"]) == 9 and set(ds.column_names) == {"input_ids", "attention_mask", "labels", "words"}
    last = ds[len(ds) - 1]
    assert all((m == 0) == (lab == -100) for m, lab in zip(last["attention_mask"], last["labels"], strict=True))


def _interrupt_at_third_checkpoint(mp: pytest.MonkeyPatch) -> None:
    """Make the ledger raise KeyboardInterrupt when it is about to save its third checkpoint."""
    from babylm.tracks import ledger as ledger_mod

    real = ledger_mod.Ledger._save_checkpoint
    calls: list[str] = []

    def interrupt_third(self, name: str, milestone: int) -> None:
        calls.append(name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(self, name, milestone)

    mp.setattr(ledger_mod.Ledger, "_save_checkpoint", interrupt_third)


def test_an_interrupted_run_keeps_a_closed_verifiable_ledger(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    _interrupt_at_third_checkpoint(monkeypatch)
    out = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        train(opts(corpus, out))
    rep = verify_ledger(out)
    assert rep.ok and rep.complete and rep.status == "failed: KeyboardInterrupt"
    assert list(rep.checkpoints) == ["chck_1M", "chck_2M"] and not (out / "chck_3M").exists()
    assert json.loads((out / "run.json").read_text())["status"] == "failed"


def test_resume_after_an_interruption_gives_the_uninterrupted_weights(corpus: Path, tmp_path: Path, trained,
                                                                     monkeypatch) -> None:
    from babylm.tracks.train import resume

    out = tmp_path / "resumed"
    with monkeypatch.context() as m:
        _interrupt_at_third_checkpoint(m)
        with pytest.raises(KeyboardInterrupt):
            train(opts(corpus, out))
    res = resume(out, progress=False, threads=1)
    ref_dir, ref = trained
    assert res.status == "completed" and res.words_seen == ref.words_seen and res.checkpoints == ref.checkpoints
    for name in ("chck_3M", "chck_20M"):
        assert (out / name / "model.safetensors").read_bytes() == (ref_dir / name / "model.safetensors").read_bytes()
    rep = verify_ledger(out)
    assert rep.ok and rep.complete and rep.resumes == 1 and rep.words == 2000 and rep.steps == ref.steps
    assert json.loads((out / "run.json").read_text())["resumed_from"] == ["chck_2M"]
    with pytest.raises(BabyLMError, match="nothing to resume"):
        resume(out, progress=False)


def test_resume_needs_a_checkpoint_and_unchanged_data(corpus: Path, tmp_path: Path) -> None:
    from babylm.tracks.train import resume

    with pytest.raises(BabyLMError, match="cannot read"):
        resume(tmp_path / "nothing", progress=False)
    data = tmp_path / "data.txt"
    data.write_text((corpus / "caregiver.train").read_text())
    out = tmp_path / "r"
    with pytest.raises(ExposureCapError):
        train(opts(data, out, scale=Fraction(1, 100_000), epochs=11, max_words=100))
    with pytest.raises(BabyLMError, match="nothing to resume"):
        resume(out, progress=False)
    run = json.loads((out / "run.json").read_text())
    run["status"] = "failed"  # pretend it crashed
    (out / "run.json").write_text(json.dumps(run))
    Path(run["data_files"][0]).write_text("different data\n")  # the recorded subset
    with pytest.raises(BabyLMError, match="the data now holds"):
        resume(out, progress=False)


def test_architecture_shapes() -> None:
    from babylm.tracks.model_configs import build_config

    small = build_config("gpt2-small", vocab_size=8000, seq_len=128, bos_id=0, eos_id=0, pad_id=1)
    assert (small.n_layer, small.n_head, small.n_embd, small.n_positions) == (12, 12, 768, 128)
    llama = build_config("llama-tiny", vocab_size=500, seq_len=64, bos_id=0, eos_id=0, pad_id=1)
    assert llama.num_key_value_heads * 2 == llama.num_attention_heads and llama.vocab_size == 500
