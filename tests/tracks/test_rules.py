from fractions import Fraction

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.rules import (
    UnknownTrackError,
    all_tracks,
    checkpoint_name,
    get_track,
    parse_checkpoint_name,
    resolve_track,
)


def test_schedules_have_the_official_lengths():
    assert len(get_track("strict-small").schedule) == 19
    for t in all_tracks():
        if t.name != "strict-small":
            assert len(t.schedule) == 28, t.key
    assert get_track("strict").checkpoint_names[:3] == ("chck_1M", "chck_2M", "chck_3M")
    assert get_track("strict").checkpoint_names[-1] == "chck_1000M"
    assert get_track("2025/strict-small").checkpoint_names[-1] == "chck_100M"


def test_budgets_and_caps():
    s = get_track("strict-small", 2025)
    assert (s.word_budget, s.exposure_cap) == (10_000_000, 100_000_000)
    i = get_track("interaction")
    assert i.student_generation_cap == 100_000_000 and i.teacher_words_count
    assert get_track("2026/multilingual").languages == ("en", "nl", "zh")


def test_teacher_allowlist():
    i = get_track("interaction")
    assert i.teacher_allowed("meta-llama/Llama-3.2-1B-Instruct")
    assert not i.teacher_allowed("gpt2-xl")
    assert i.teacher_allowed("gpt2", n_params=124_000_000)
    assert not i.teacher_allowed("big", n_params=7_000_000_000)
    assert get_track("2026/strict").teacher_allowed("Qwen/Qwen3-4B")
    assert not get_track("strict").allows_teacher


def test_unknown_track_message_lists_known():
    with pytest.raises(UnknownTrackError, match="known tracks: .*2025/strict-small"):
        get_track("tiny")


def test_scaling_keeps_names_and_shrinks_numbers():
    t = get_track("strict-small").scaled(Fraction(1, 100))
    assert t.checkpoint_names == get_track("strict-small").checkpoint_names
    assert t.schedule[0] == 10_000 and t.exposure_cap == 1_000_000 and t.is_scaled
    with pytest.raises(ValueError):
        get_track("strict").scaled(2)


def test_checkpoint_names_round_trip():
    assert checkpoint_name(7_000_000) == "chck_7M"
    assert parse_checkpoint_name("chck_700M") == 700_000_000
    with pytest.raises(ValueError):
        parse_checkpoint_name("chck_7")
    with pytest.raises(ValueError):
        checkpoint_name(1_500_000)


def test_2026_tracks_declare_their_own_task_sets_and_sources() -> None:
    strict = resolve_track("strict", 2026, None)
    assert "global_piqa" in strict.tasks.linguistic and "vqa" not in strict.tasks.all
    assert strict.teacher_words_count and "image" in strict.modalities and "babylm-eval" in strict.source
    ml = resolve_track("multilingual", 2026, None)
    nl = ml.tasks_for("nl")
    assert "multiblimp_nld" in nl.linguistic and "belebele_nl" in nl.finetune and nl.partial
    assert ml.tasks.partial and set(nl.required) <= set(ml.tasks.required)
    assert "zhoblimp" in ml.tasks_for("zh").linguistic and "blimp_nl" not in ml.tasks_for("zh").all
    with pytest.raises(BabyLMError, match="no board for language"):
        ml.tasks_for("fr")
    assert ml.scaled(Fraction(1, 1000)).byte_budget.english_bytes == 543_000
