"""The ledger of a byte-budget track (2026 multilingual) charges UTF-8 bytes per language: hand-counted
texts in English, Dutch and Chinese, English-equivalent words, the checkpoint schedule, the exposure
cap in bytes, resuming, and verification recomputing words from bytes."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from ledger_support import fake_save, lines, rechain, rewrite

from babylm.errors import BabyLMError
from babylm.tracks.ledger import ExposureCapError, Ledger, verify_ledger
from babylm.tracks.ledger.bytes import utf8_bytes
from babylm.tracks.rules import get_track

# multilingual x1/10000: 54,300 English bytes of budget, cap 100,000 English-equivalent words
# (543,000 English-equivalent bytes), chck_1M at 100 words = 543 English bytes.
TRACK = get_track("2026/multilingual").scaled(Fraction(1, 10_000))
EN = "The cat sat on the mat."  # 23 ASCII bytes
NL = "Eén kat zag één muis."  # 18 ASCII + 3 x "é" (2 bytes each) = 24 bytes
ZH = "猫坐在垫子上。"  # 7 characters x 3 bytes = 21 bytes


def test_hand_counted_utf8_bytes() -> None:
    assert (utf8_bytes(EN), utf8_bytes(NL), utf8_bytes(ZH)) == (23, 24, 21)
    assert (len(EN.split()), len(NL.split()), len(ZH.split())) == (6, 5, 1)  # words would mislead for Chinese


def test_one_batch_in_three_languages(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=10.0, save_fn=fake_save)
    led.before_step(0, 30, lang_bytes={"en": 23, "nld": 24, "zho_hans": 21})
    led.after_step()
    # 23 + 24 / 1.0516057206199363 + 21 / 0.9359663917979646 = 68.259 English bytes -> 68.259 / 5.43 = 12.57
    assert led.words == 12
    assert led.bytes is not None and led.bytes.seen == {"en": 23, "nl": 24, "zh": 21}
    led.close()
    objs = lines(tmp_path / "ledger.jsonl")
    start, step = objs[0], objs[1]
    assert start["budget_unit"] == "bytes" and start["exposure_cap_bytes"] == 543_000
    assert start["byte_premium"] == {"en": "1.0", "nl": "1.0516057206199363", "zh": "0.9359663917979646"}
    assert step["bytes"] == {"en": 23, "nl": 24, "zh": 21} and step["d_bytes"] == step["bytes"]
    assert step["words"] == step["d_words"] == 12
    rep = verify_ledger(tmp_path)
    assert rep.ok, rep.errors
    assert rep.budget_unit == "bytes" and rep.bytes == {"en": 23, "nl": 24, "zh": 21} and rep.words == 12


def test_checkpoint_at_the_dutch_byte_milestone(tmp_path: Path) -> None:
    # chck_1M = 100 English-equivalent words = 543 English bytes = 543 x 1.0516 = 571.02 Dutch bytes:
    # 571 bytes of Dutch are 99 words, 572 bytes reach 100.
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save)
    led.before_step(0, 1, lang_bytes={"nl": 571})
    assert led.after_step() == [] and led.words == 99
    led.before_step(0, 1, lang_bytes={"nl": 1})
    assert led.after_step() == ["chck_1M"] and led.words == 100
    led.close()
    ck = next(o for o in lines(tmp_path / "ledger.jsonl") if o["event"] == "checkpoint")
    assert ck["bytes_seen"] == {"nl": 572} and ck["words_seen"] == 100
    assert verify_ledger(tmp_path).ok


def test_exposure_cap_in_bytes_refuses_the_batch(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=None)
    for _ in range(5):  # 5 x 100,000 Chinese bytes = 534,207 English-equivalent bytes <= 543,000
        led.before_step(0, 1, lang_bytes={"zh": 100_000})
        led.after_step()
    assert led.words == 98_380  # floor(5 x 100,000 / 0.9359663917979646 / 5.43)
    with pytest.raises(ExposureCapError, match="exposure cap of 100,000 English-equivalent words") as info:
        led.before_step(0, 1, lang_bytes={"zh": 100_000})  # 641,049 > 543,000: refused before training
    assert info.value.words_seen == 98_380
    objs = lines(tmp_path / "ledger.jsonl")
    cap = next(o for o in objs if o["event"] == "cap")
    assert cap["cap_bytes"] == 543_000 and cap["next_batch_bytes"] == {"zh": 100_000}
    assert cap["bytes_seen"] == {"zh": 500_000}
    rep = verify_ledger(tmp_path)
    assert rep.ok and rep.stopped_at_cap and not rep.cap_exceeded and rep.bytes == {"zh": 500_000}


def test_bytes_are_required_and_languages_checked(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "a", TRACK, flops_per_token=1.0)
    with pytest.raises(BabyLMError, match="counts UTF-8 bytes per language"):
        led.before_step(10, 10)
    with pytest.raises(BabyLMError, match="unknown language 'de'"):
        led.before_step(0, 1, lang_bytes={"de": 5})
    with pytest.raises(BabyLMError, match="unknown language 'zho_hant'") as info:
        led.before_step(0, 1, lang_bytes={"zho_hant": 5})
    assert "traditional Chinese" in (info.value.hint or "")
    word = Ledger(tmp_path / "b", get_track("2026/strict").scaled(Fraction(1, 10_000)), flops_per_token=1.0)
    with pytest.raises(BabyLMError, match="counts words, not bytes"):
        word.before_step(1, 1, lang_bytes={"en": 5})


def test_verify_recomputes_words_from_bytes(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0)
    led.before_step(0, 1, lang_bytes={"en": 543})
    led.after_step()
    led.close()
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    assert objs[1]["words"] == 100
    objs[1]["bytes"] = {"en": 271}  # a forger halves the bytes but keeps the words: caught even re-chained
    objs[1]["d_bytes"] = {"en": 271}
    rewrite(p, rechain(objs))
    rep = verify_ledger(p)
    assert not rep.ok and "English-equivalent words of its bytes" in rep.errors[0]


def test_resume_restores_the_bytes(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save)
    led.before_step(0, 1, lang_bytes={"zh": 509})  # 509 / 0.93597 = 543.8 English bytes: 100 words
    assert led.after_step() == ["chck_1M"]
    led.before_step(0, 1, lang_bytes={"en": 50})
    led.after_step()
    led.close(status="failed: crash")
    again = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save, resume_from="chck_1M")
    assert again.bytes is not None and again.bytes.seen == {"zh": 509} and again.words == 100
    again.before_step(0, 1, lang_bytes={"nl": 600})
    again.after_step()
    again.close()
    rep = verify_ledger(tmp_path)
    assert rep.ok, rep.errors
    assert rep.resumes == 1 and rep.bytes == {"zh": 509, "nl": 600}
    assert rep.words == int((Fraction(509) / Fraction("0.9359663917979646")
                             + Fraction(600) / Fraction("1.0516057206199363")) / Fraction(543, 100))


# ---- the baseline trainer on a byte track ---------------------------------------------------------

NL_LINES = ["Eén kat zag één muis.\n", "De hond slaapt in de tuin.\n"] * 6  # 25 + 27 bytes per pair
ZH_LINES = ["猫坐在垫子上。\n", "我们今天去公园。\n"] * 6  # 22 + 25 bytes per pair


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    nl, zh = tmp_path / "nl.txt", tmp_path / "zh.txt"
    nl.write_text("".join(NL_LINES), encoding="utf-8")
    zh.write_text("".join(ZH_LINES), encoding="utf-8")
    return nl, zh


def test_line_bytes_per_sequence_sums_to_the_lines() -> None:
    import numpy as np

    from babylm.tracks.train.data import line_bytes_per_sequence

    ids = np.array([0, 5, 6, 0, 7, 0, 8, 9, 9])  # three lines opening at positions 0, 3, 5; seq_len 4
    per = line_bytes_per_sequence(ids, 0, ["ab\n", "é\n", "猫\n"], ["nl", "nl", "zh"], 4, 3)
    assert per["nl"].tolist() == [3 + 3, 0, 0] and per["zh"].tolist() == [0, 4, 0]


def test_trainer_charges_each_language_bytes(tmp_path: Path) -> None:
    from babylm.tracks.train import TrainOptions, train

    nl, zh = _corpus(tmp_path)
    assert sum(utf8_bytes(x) for x in NL_LINES) == 6 * (25 + 27) == 312
    assert sum(utf8_bytes(x) for x in ZH_LINES) == 6 * (22 + 25) == 282
    out = tmp_path / "run"
    res = train(TrainOptions(data=[], out=out, track="2026/multilingual", scale=Fraction(1, 10_000), epochs=2,
                             seq_len=16, batch_size=4, vocab_size=300, progress=False, threads=1,
                             lang_paths=[("nld", [nl]), ("zh", [zh])]))
    # per epoch 312 Dutch + 282 Chinese bytes = 296.69 + 301.29 = 597.98 English bytes; two epochs = 1,195.96
    # English-equivalent bytes = 220 English-equivalent words (1,195.96 / 5.43 = 220.25)
    assert res.words_seen == 220
    rep = verify_ledger(out)
    assert rep.ok, rep.errors
    assert rep.bytes == {"nl": 624, "zh": 564} and rep.words == 220
    assert list(rep.checkpoints) == ["chck_1M", "chck_2M"]  # 100 and 200 English-equivalent words
    info = json.loads((out / "run.json").read_text())
    assert info["data_bytes"] == {"nl": 312, "zh": 282}
    manifest = json.loads((out / "data_manifest.json").read_text())
    assert manifest["budget_unit"] == "bytes" and manifest["languages"]["zh"]["bytes"] == 282


def test_trainer_refuses_data_over_the_byte_budget(tmp_path: Path) -> None:
    from babylm.tracks.train import TrainOptions, train

    nl, _ = _corpus(tmp_path)
    # x1/1,000,000: 543 English bytes of budget = 571 Dutch bytes; 312 fit, 624 do not.
    big = tmp_path / "big.txt"
    big.write_text("".join(NL_LINES * 2), encoding="utf-8")
    with pytest.raises(BabyLMError, match="over the 2026/multilingual budget of 543 B"):
        train(TrainOptions(data=[big], out=tmp_path / "r", track="2026/multilingual", scale=Fraction(1, 1_000_000),
                           lang="nl", progress=False, threads=1, vocab_size=300))
    with pytest.raises(BabyLMError, match="counts bytes per language"):
        train(TrainOptions(data=[nl], out=tmp_path / "r2", track="2026/multilingual", scale=Fraction(1, 10_000),
                           progress=False, threads=1))


def test_cli_train_with_languages(tmp_path: Path, run_cli) -> None:
    nl, zh = _corpus(tmp_path)
    out = tmp_path / "run"
    res = run_cli("model", "train", "--corpus", str(nl), "--corpus", str(zh), "--out", str(out),
                  "--edition", "2026", "--track", "multilingual", "--scale", "1/10000", "--lang", f"nl={nl}",
                  "--lang", f"zho={zh}", "--epochs", "1", "--seq-len", "16", "--batch-size", "4",
                  "--vocab-size", "300", "--threads", "1", "--json")
    assert res.code == 0, res.output
    assert json.loads(res.stdout)["words_seen"] == 110  # one epoch: 597.98 English-equivalent bytes / 5.43
    assert verify_ledger(out).bytes == {"nl": 312, "zh": 282}
    missing = run_cli("model", "train", "--corpus", str(nl), "--out", str(tmp_path / "r2"), "--edition", "2026",
                      "--track", "multilingual", "--scale", "1/10000")
    assert missing.code == 2 and "counts bytes per language" in missing.output


def test_trainer_resume_on_a_byte_track(tmp_path: Path, monkeypatch) -> None:
    from babylm.tracks.ledger import writer as ledger_mod
    from babylm.tracks.train import TrainOptions, resume, train

    nl, zh = _corpus(tmp_path)
    real = ledger_mod.Ledger._save_checkpoint

    def interrupt_second(self, name: str, milestone: int) -> None:
        if name == "chck_2M":
            raise KeyboardInterrupt
        real(self, name, milestone)

    out = tmp_path / "run"
    o = TrainOptions(data=[], out=out, track="2026/multilingual", scale=Fraction(1, 10_000), epochs=2, seq_len=16,
                     batch_size=4, vocab_size=300, progress=False, threads=1, lang_paths=[("nl", [nl]), ("zh", [zh])])
    with monkeypatch.context() as m:
        m.setattr(ledger_mod.Ledger, "_save_checkpoint", interrupt_second)
        with pytest.raises(KeyboardInterrupt):
            train(o)
    res = resume(out, progress=False, threads=1)
    assert res.status == "completed" and res.words_seen == 220 and res.checkpoints == ["chck_1M", "chck_2M"]
    rep = verify_ledger(out)
    assert rep.ok, rep.errors
    assert rep.resumes == 1 and rep.bytes == {"nl": 624, "zh": 564}
