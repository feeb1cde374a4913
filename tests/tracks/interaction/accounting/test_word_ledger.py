"""The interaction word ledger: sources, caps raised before crossing, checkpoints, persistence."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from babylm.tracks.interaction.accounting.word_ledger import BudgetExceededError, InteractionLedger
from babylm.tracks.rules import get_track


@pytest.fixture
def track():
    # 2025 interaction at 1/100000: budget 1000 words, generation cap 1000, exposure 10000,
    # checkpoints every 10 words up to 100, then 200..1000, 2000..10000.
    return get_track("interaction").scaled(Fraction(1, 100_000))


def test_sources_and_totals(tmp_path, track):
    led = InteractionLedger(track, tmp_path)
    assert led.charge("one two three", "corpus") == 3
    assert led.charge("four five", "teacher_visible") == 2
    assert led.charge("a b c d", "student_generated") == 4
    assert led.charge("hidden prompt words here", "hidden_prompt") == 0
    assert led.charge("readability: 2", "reward") == 0  # rewards are not words by default
    t = led.totals()
    assert (t["corpus"], t["teacher_visible"], t["student_generated"], t["hidden_prompt"], t["reward"]) == (3, 2, 4, 0, 0)
    assert t["input"] == 5  # teacher words count toward the interaction budget
    assert t["uncharged"] == {"hidden_prompt": 4, "reward": 2}  # logged, not charged
    with pytest.raises(ValueError, match="unknown ledger source"):
        led.charge("x", "gossip")


def test_rewards_as_words_is_a_setting(tmp_path, track):
    led = InteractionLedger(track, tmp_path, rewards_as_words=True)
    assert led.charge("readability: 2", "reward") == 2
    assert led.totals()["input"] == 2


def test_input_budget_raises_before_crossing(tmp_path, track):
    led = InteractionLedger(track, tmp_path)
    led.charge(" ".join(["w"] * 995), "corpus")
    with pytest.raises(BudgetExceededError, match="input budget") as ei:
        led.charge(" ".join(["w"] * 6), "teacher_visible")
    assert ei.value.cap == 1000 and ei.value.used == 995 and ei.value.requested == 6
    assert led.totals()["input"] == 995  # nothing charged
    led.charge(" ".join(["w"] * 5), "teacher_visible")  # exactly reaching the budget is fine
    assert led.totals()["input"] == 1000


def test_generation_cap_and_all_or_nothing_turn(tmp_path, track):
    led = InteractionLedger(track, tmp_path)
    led.charge(" ".join(["g"] * 999), "student_generated")
    with pytest.raises(BudgetExceededError, match="generation cap"):
        led.charge_turn({"corpus": "a b c", "student_generated": "x y"})
    assert led.totals()["corpus"] == 0 and led.totals()["student_generated"] == 999
    assert led.charge_turn({"corpus": ["a b", "c"], "student_generated": "x"}) == {"corpus": 3, "student_generated": 1}


def test_checkpoints_fire_on_words_seen_and_exposure_cap(tmp_path, track):
    fired = []
    led = InteractionLedger(track, tmp_path, on_checkpoint=lambda name, seen: fired.append((name, seen)))
    led.charge("a b c", "corpus")  # reading does not advance the schedule
    assert fired == []
    assert led.seen(9) == []
    assert led.seen(25) == ["chck_1M", "chck_2M", "chck_3M"]
    assert fired == [("chck_1M", 34), ("chck_2M", 34), ("chck_3M", 34)]
    assert led.seen(6) == ["chck_4M"]
    with pytest.raises(BudgetExceededError, match="exposure cap"):
        led.seen(track.exposure_cap)
    assert led.words_seen == 40


def test_persisted_and_resumed(tmp_path, track):
    led = InteractionLedger(track, tmp_path)
    led.charge("a b c", "corpus")
    led.seen(12)
    data = json.loads((tmp_path / "word_ledger.json").read_text())
    assert data["format"] == "babylm.interaction_ledger/1" and data["counts"]["corpus"] == 3
    again = InteractionLedger(track, tmp_path)
    assert again.totals() == led.totals()
    with pytest.raises(Exception, match="not 2025/interaction|belongs to track"):
        InteractionLedger(get_track("interaction").scaled(Fraction(1, 1000)), tmp_path)


def test_hash_chain_marks_and_verify(tmp_path, track):
    from babylm.tracks.interaction.accounting.word_ledger import verify_chain

    led = InteractionLedger(track, tmp_path)
    led.charge("a b c", "corpus")
    led.seen(12)  # fires chck_1M -> a checkpoint line
    led.mark("step", round=0, step="deploy")
    path = tmp_path / "word_ledger.jsonl"
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["event"] for x in lines] == ["start", "checkpoint", "step"]
    assert lines[2]["counts"]["corpus"] == 3 and lines[1]["name"] == "chck_1M"
    assert verify_chain(path)[0]
    # reopening continues the chain
    InteractionLedger(track, tmp_path).mark("resume")
    assert verify_chain(path)[0]
    # an edited line breaks it
    text = path.read_text().replace('"corpus":3', '"corpus":2', 1)
    path.write_text(text)
    ok, msg = verify_chain(path)
    assert not ok and "line 2" in msg  # the checkpoint line is the first with corpus 3


def test_torn_chain_line_cut_on_reopen(tmp_path, track):
    from babylm.tracks.interaction.accounting.word_ledger import verify_chain

    led = InteractionLedger(track, tmp_path)
    led.mark("step", round=0, step="deploy")
    path = tmp_path / "word_ledger.jsonl"
    path.write_bytes(path.read_bytes() + b'{"seq": 2, "event": "st')  # crash mid-write
    InteractionLedger(track, tmp_path).mark("resume")
    assert verify_chain(path)[0]
    assert [json.loads(x)["event"] for x in path.read_text().splitlines()] == ["start", "step", "resume"]
