"""The training ledger: counting, checkpoints at the schedule, the exposure cap, the hash chain."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from babylm.errors import BabyLMError
from babylm.tracks.ledger import (
    CHECKPOINT_META,
    ExposureCapError,
    Ledger,
    LedgerReport,
    line_hash,
    verify_ledger,
)
from babylm.tracks.rules import get_track

# strict-small x1/10000: budget 1,000 words, cap 10,000, checkpoints at 100..1,000 then 2,000..10,000.
TRACK = get_track("strict-small").scaled(Fraction(1, 10_000))


def fake_save(name: str, folder: Path) -> None:
    (folder / "model.safetensors").write_bytes(name.encode() * 10)
    (folder / "config.json").write_text("{}")


def run(tmp_path: Path, steps: int, words: int = 30, tokens: int = 40, **kw) -> Ledger:
    led = Ledger(tmp_path, TRACK, flops_per_token=1000.0, save_fn=fake_save, **kw)
    for _ in range(steps):
        led.before_step(words, tokens)
        led.after_step(loss=1.5)
    led.close()
    return led


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_counts_and_checkpoints_follow_the_schedule(tmp_path: Path) -> None:
    led = run(tmp_path, steps=40)  # 1,200 words
    assert (led.words, led.tokens, led.steps, led.flops) == (1200, 1600, 40, 1.6e6)
    assert list(led.checkpoints) == [f"chck_{i}M" for i in range(1, 11)]
    # first step that reached 100 words: 4 steps x 30 = 120
    assert led.checkpoints["chck_1M"] == 120 and led.checkpoints["chck_10M"] == 1020
    meta = json.loads((tmp_path / "chck_1M" / CHECKPOINT_META).read_text())
    assert meta["format"] == "babylm.checkpoint/1" and meta["scale"] == "1/10000" and meta["scaled"]
    assert (meta["nominal_words"], meta["milestone_words"], meta["words_seen"]) == (1_000_000, 100, 120)
    assert meta["tokens_seen"] == 160 and meta["train_flops"] == 160_000.0 and meta["steps"] == 4
    assert (tmp_path / "chck_1M" / "model.safetensors").read_bytes() == b"chck_1M" * 10
    assert not list(tmp_path.glob(".*partial"))
    rep = verify_ledger(tmp_path / "ledger.jsonl")
    assert rep.ok and rep.complete and rep.errors == [] and rep.warnings == []
    assert (rep.words, rep.tokens, rep.steps, rep.flops) == (1200, 1600, 40, 1.6e6)
    assert rep.checkpoints == led.checkpoints and rep.track == "strict-small" and rep.scale == "1/10000"
    assert not rep.cap_exceeded and not rep.stopped_at_cap


def test_checkpoint_metadata_points_at_its_ledger_line(tmp_path: Path) -> None:
    run(tmp_path, steps=5)
    meta = json.loads((tmp_path / "chck_1M" / CHECKPOINT_META).read_text())
    line = lines(tmp_path / "ledger.jsonl")[meta["ledger_seq"]]
    assert line["event"] == "checkpoint" and line["hash"] == meta["ledger_hash"] and line["name"] == "chck_1M"


def test_one_big_step_can_fire_several_checkpoints(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save)
    led.before_step(350, 400)
    assert led.after_step() == ["chck_1M", "chck_2M", "chck_3M"]
    led.close()
    assert verify_ledger(tmp_path).ok


def test_cap_stops_before_the_batch_and_keeps_everything(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save)
    for _ in range(3):  # 9,000 words
        led.before_step(3000, 3500)
        led.after_step()
    with pytest.raises(ExposureCapError) as info:
        led.before_step(1500, 1700)
    msg = str(info.value)
    assert "10,000" in msg and "9,000 words seen" in msg and "SCALED" in msg
    assert info.value.cap == 10_000 and info.value.words_seen == 9_000 and info.value.next_words == 1500
    assert isinstance(info.value, BabyLMError) and "intact" in (info.value.hint or "")
    assert led.words == 9000  # the refused batch was never counted
    events = [x["event"] for x in lines(tmp_path / "ledger.jsonl")]
    assert events[-2:] == ["cap", "end"]
    rep = verify_ledger(tmp_path)
    assert rep.ok and rep.stopped_at_cap and not rep.cap_exceeded and rep.status == "stopped_at_cap"
    assert rep.words == 9000 and set(rep.checkpoints) == {f"chck_{i}M" for i in range(1, 11)} | {
        f"chck_{i}M" for i in range(20, 100, 10)
    }
    with pytest.raises(RuntimeError):
        led.before_step(1, 1)


def test_reaching_the_cap_exactly_is_allowed(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save)
    for _ in range(10):
        led.before_step(1000, 1000)
        led.after_step()
    assert "chck_100M" in led.checkpoints and led.words == 10_000
    with pytest.raises(ExposureCapError):
        led.before_step(1, 1)


def test_after_step_alone_checks_the_cap_too(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=2.0)
    assert led.after_step(words=9_999, tokens=10) == [n for n in TRACK.names if n != "chck_100M"]
    with pytest.raises(ExposureCapError):
        led.after_step(words=2, tokens=2)
    with pytest.raises(ValueError):
        Ledger(tmp_path / "b", TRACK, flops_per_token=1.0).after_step()


def test_a_second_ledger_in_the_same_run_is_refused(tmp_path: Path) -> None:
    run(tmp_path, steps=1)
    with pytest.raises(BabyLMError, match="already exists"):
        Ledger(tmp_path, TRACK, flops_per_token=1.0)


def test_log_every_thins_step_lines_but_keeps_checkpoint_lines(tmp_path: Path) -> None:
    run(tmp_path, steps=40, log_every=7)
    evs = lines(tmp_path / "ledger.jsonl")
    steps = [x for x in evs if x["event"] == "step"]
    assert len(steps) < 40
    for i, x in enumerate(evs):  # every checkpoint line follows a step line at the same count
        if x["event"] == "checkpoint":
            prev_step = [y for y in evs[:i] if y["event"] == "step"][-1]
            assert prev_step["words"] == x["words_seen"]
    assert verify_ledger(tmp_path).ok


def test_a_failing_save_leaves_no_checkpoint_under_its_name(tmp_path: Path) -> None:
    def broken(name: str, folder: Path) -> None:
        (folder / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=broken)
    led.before_step(100, 100)
    with pytest.raises(OSError):
        led.after_step()
    assert not (tmp_path / "chck_1M").exists()
    led.close(status="failed")
    rep = verify_ledger(tmp_path)
    assert rep.ok and rep.checkpoints == {} and rep.status == "failed"


# -- tampering -------------------------------------------------------------------------------------
def _rewrite(path: Path, objs: list[dict]) -> None:
    path.write_text("".join(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n" for o in objs))


def test_an_edited_line_is_named(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    k = next(i for i, o in enumerate(objs) if o["event"] == "step" and i > 3)
    objs[k]["words"] -= 30
    objs[k]["d_words"] -= 30
    _rewrite(p, objs)
    rep = verify_ledger(p)
    assert not rep.ok and rep.errors[0].startswith(f"line {k + 1}:") and "edited" in rep.errors[0]


def test_an_edit_with_a_recomputed_hash_breaks_the_next_line(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    objs[2]["words"] -= 1
    objs[2]["hash"] = line_hash(objs[2])
    _rewrite(p, objs)
    rep = verify_ledger(p)
    assert not rep.ok and rep.errors[0].startswith("line 3:")  # counters no longer add up


def test_removed_line_and_garbage_are_detected(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    _rewrite(p, objs[:4] + objs[5:])
    assert "line 5: seq" in verify_ledger(p).errors[0]
    _rewrite(p, objs)
    with open(p, "a") as f:
        f.write("not json\n")
    assert "not valid JSON" in verify_ledger(p).errors[0]
    p.write_text("")
    assert not verify_ledger(p).ok


def test_wrong_format_and_missing_file(tmp_path: Path) -> None:
    run(tmp_path, steps=2)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    objs[0]["format"] = "babylm.ledger/9"
    objs[0]["hash"] = line_hash(objs[0])
    for i in range(1, len(objs)):
        objs[i]["prev"] = objs[i - 1]["hash"]
        objs[i]["hash"] = line_hash(objs[i])
    _rewrite(p, objs)
    assert "unknown format" in verify_ledger(p).errors[0]
    with pytest.raises(BabyLMError, match="no ledger"):
        verify_ledger(tmp_path / "nope")


def test_changed_checkpoint_files_are_detected(tmp_path: Path) -> None:
    run(tmp_path, steps=10)
    (tmp_path / "chck_2M" / "model.safetensors").write_bytes(b"swapped weights")
    rep = verify_ledger(tmp_path)
    assert not rep.ok and "chck_2M" in rep.errors[0] and "sha256" in rep.errors[0]
    assert verify_ledger(tmp_path, check_checkpoints=False).ok


def test_a_missing_checkpoint_folder_is_a_warning(tmp_path: Path) -> None:
    import shutil

    run(tmp_path, steps=10)
    shutil.rmtree(tmp_path / "chck_3M")
    rep = verify_ledger(tmp_path)
    assert rep.ok and any("chck_3M" in w for w in rep.warnings)


def test_an_unfinished_ledger_is_reported(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0)
    led.before_step(5, 5)
    led.after_step()
    rep = verify_ledger(tmp_path)
    assert rep.ok and not rep.complete and rep.warnings and rep.words == 5
    led.close()


def test_words_over_the_cap_in_a_forged_ledger_are_flagged(tmp_path: Path) -> None:
    run(tmp_path, steps=2)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    end = objs.pop()
    extra = {"seq": len(objs), "event": "step", "time": end["time"], "prev": objs[-1]["hash"], "words": 20_060,
             "tokens": 80, "steps": 3, "flops": 1e12, "d_words": 20_000, "d_tokens": 0, "d_steps": 1}
    extra["hash"] = line_hash(extra)
    _rewrite(p, [*objs, extra])
    rep = verify_ledger(p, check_checkpoints=False)
    assert rep.ok and rep.cap_exceeded


# -- transformers Trainer --------------------------------------------------------------------------
def _tiny_trainer(tmp_path: Path, ledger: Ledger, n_examples: int = 24, epochs: float = 1.0):
    import torch
    from datasets import Dataset
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments
    from transformers.utils import logging as hf_logging

    from babylm.tracks.ledger import LedgerCallback

    hf_logging.disable_progress_bar()
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_layer=1, n_head=2, n_embd=16))
    rows = {"input_ids": [[(i * 7 + j) % 50 for j in range(16)] for i in range(n_examples)],
            "words": [10 + i % 3 for i in range(n_examples)]}
    ds = Dataset.from_dict(rows)

    def collate(feats):
        ids = torch.tensor([f["input_ids"] for f in feats])
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}

    cb = LedgerCallback(ledger)
    args = TrainingArguments(
        output_dir=str(tmp_path / "hf"), per_device_train_batch_size=4, gradient_accumulation_steps=2,
        num_train_epochs=epochs, remove_unused_columns=False, dataloader_num_workers=0, report_to=[],
        save_strategy="no", logging_strategy="no", use_cpu=True, disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=ds, data_collator=cb.wrap_collator(collate),
                      callbacks=[cb])
    return trainer, sum(rows["words"])


def test_trainer_callback_counts_every_batch_and_saves_loadable_checkpoints(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    ledger = Ledger(tmp_path / "run", TRACK, flops_per_token=10.0)
    trainer, words = _tiny_trainer(tmp_path, ledger, n_examples=26, epochs=2)
    trainer.train()
    assert ledger.words == 2 * words  # 26 examples, batch 4, accumulation 2: the uneven tail is counted too
    assert ledger.tokens == 2 * 26 * 16 and ledger.steps == trainer.state.global_step
    rep = verify_ledger(tmp_path / "run")
    assert rep.ok and rep.complete and rep.words == 2 * words
    assert "chck_5M" in rep.checkpoints
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "chck_1M")
    assert model.config.n_embd == 16


def test_trainer_callback_stops_at_the_cap(tmp_path: Path) -> None:
    small = get_track("strict-small").scaled(Fraction(3, 1_000_000))  # cap 300 words
    ledger = Ledger(tmp_path / "run", small, flops_per_token=1.0)
    trainer, _ = _tiny_trainer(tmp_path, ledger, epochs=3)
    with pytest.raises(ExposureCapError, match="300"):
        trainer.train()
    rep = verify_ledger(tmp_path / "run")
    assert rep.ok and rep.stopped_at_cap and rep.words <= 300


def test_trainer_callback_needs_the_words_column(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "run", TRACK, flops_per_token=1.0)
    trainer, _ = _tiny_trainer(tmp_path, ledger)
    trainer.train_dataset = trainer.train_dataset.remove_columns("words")
    with pytest.raises(BabyLMError, match="words"):
        trainer.train()


def test_checkpoints_can_be_checked_under_another_root(tmp_path: Path) -> None:
    import shutil

    run(tmp_path / "run", steps=5)
    (tmp_path / "elsewhere").mkdir()
    shutil.move(tmp_path / "run" / "chck_1M", tmp_path / "elsewhere" / "chck_1M")
    rep = verify_ledger(tmp_path / "run", checkpoint_root=tmp_path / "elsewhere")
    assert rep.ok and not any("chck_1M" in w for w in rep.warnings)
    (tmp_path / "elsewhere" / "chck_1M" / "config.json").write_text('{"n_layer": 99}')
    assert not verify_ledger(tmp_path / "run", checkpoint_root=tmp_path / "elsewhere").ok


def test_negative_increments_and_duplicate_checkpoints_are_refused(tmp_path: Path) -> None:
    run(tmp_path, steps=5)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    end = objs.pop()

    def append(extra: dict) -> LedgerReport:
        body = {"seq": len(objs), "time": end["time"], "prev": objs[-1]["hash"], **extra}
        body["hash"] = line_hash(body)
        _rewrite(p, [*objs, body])
        return verify_ledger(p, check_checkpoints=False)

    back = append({"event": "step", "words": 120, "tokens": 200, "steps": 6, "flops": 9e9, "d_words": -30,
                   "d_tokens": 0, "d_steps": 1})
    assert not back.ok and "d_words" in back.errors[0]
    dup = next(o for o in objs if o["event"] == "checkpoint")
    again = append({k: v for k, v in dup.items() if k not in ("seq", "prev", "hash", "time")})
    assert not again.ok and "twice" in again.errors[0]


def test_resume_goes_back_to_the_last_checkpoint(tmp_path: Path) -> None:
    led = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save)
    for _ in range(8):  # 240 words: checkpoints at 120 and 210, then 30 more words
        led.before_step(30, 40)
        led.after_step()
    led.close(status="failed: KeyboardInterrupt")
    with pytest.raises(BabyLMError, match="last checkpoint is chck_2M"):
        Ledger(tmp_path, TRACK, flops_per_token=1.0, resume_from="chck_1M")
    with pytest.raises(BabyLMError, match="not 2025/strict-small"):
        Ledger(tmp_path, get_track("strict-small"), flops_per_token=1.0, resume_from="chck_2M")
    again = Ledger(tmp_path, TRACK, flops_per_token=1.0, save_fn=fake_save, resume_from="chck_2M")
    assert (again.words, again.steps) == (210, 7) and list(again.checkpoints) == ["chck_1M", "chck_2M"]
    again.before_step(90, 100)
    assert again.after_step() == ["chck_3M"]
    again.close()
    rep = verify_ledger(tmp_path)
    assert rep.ok and rep.resumes == 1 and rep.complete and (rep.words, rep.steps) == (300, 8)
    resume_line = next(x for x in lines(tmp_path / "ledger.jsonl") if x["event"] == "resume")
    assert resume_line["discarded_words"] == 30 and resume_line["discarded_steps"] == 1


def test_a_forged_resume_line_is_refused(tmp_path: Path) -> None:
    run(tmp_path, steps=5)
    p = tmp_path / "ledger.jsonl"
    objs = lines(p)
    body = {"seq": len(objs), "event": "resume", "time": objs[-1]["time"], "prev": objs[-1]["hash"],
            "from_checkpoint": "chck_1M", "words": 0, "tokens": 0, "steps": 0, "flops": 0.0}
    body["hash"] = line_hash(body)
    _rewrite(p, [*objs, body])
    rep = verify_ledger(p, check_checkpoints=False)
    assert not rep.ok and "resume words 0 != checkpoint chck_1M's 120" in rep.errors[0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=1500), min_size=1, max_size=40))
def test_any_batch_sizes_fire_each_checkpoint_once_at_the_first_step_past_it(batches: list[int]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        led = Ledger(d, TRACK, flops_per_token=1.0)
        seen, fired = 0, {}
        for w in batches:
            if seen + w > TRACK.exposure_cap:
                with pytest.raises(ExposureCapError):
                    led.before_step(w, w)
                break
            led.before_step(w, w)
            before = seen
            seen += w
            for name in led.after_step():
                fired[name] = (before, seen)
        for name, milestone in zip(TRACK.names, TRACK.schedule, strict=True):
            if seen >= milestone:
                before, after = fired[name]
                assert before < milestone <= after  # the first step that reached it
            else:
                assert name not in fired
        led.close()
        rep = verify_ledger(d)
        assert rep.ok and rep.words == seen <= TRACK.exposure_cap and rep.checkpoints.keys() == fired.keys()
