"""The training ledger: counting, checkpoints at the schedule, the exposure cap, resuming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_support import TRACK, fake_save, lines, run

from babylm.errors import BabyLMError
from babylm.tracks.ledger import (
    CHECKPOINT_META,
    ExposureCapError,
    Ledger,
    verify_ledger,
)
from babylm.tracks.rules import get_track


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
