"""Retrospective decoding: label parsing, accuracy against ground truth, student and teacher decoders."""

from __future__ import annotations

import random

import pytest

from babylm.errors import BabyLMError
from babylm.tracks.interaction.games.decoding import (
    StudentDecoder,
    TeacherDecoder,
    decoder_accuracy,
    parse_label,
    to_binary,
)
from babylm.tracks.interaction.games.respect import RespectWorld, seed_data
from babylm.tracks.interaction.students.learning import FitConfig, fit
from babylm.tracks.interaction.students.refgame import Student, Vocab
from babylm.tracks.interaction.teachers import ScriptedTeacher


def test_parse_label_first_label_word_and_binary_mapping() -> None:
    assert parse_label("Positive.", "ternary") == 1
    assert parse_label("hmm, neutral I think", "ternary") == 0
    assert parse_label("neutral", "binary") == -1
    assert parse_label("no idea", "ternary") is None


def test_accuracy_counts_parse_failures_as_wrong_and_binarises_truth() -> None:
    assert decoder_accuracy([1, -1, None, 0], [1, -1, 1, 0], "ternary") == 0.75
    assert decoder_accuracy([1, -1, -1], [1, 0, -1], "binary") == 1.0
    assert decoder_accuracy([], [], "binary") is None
    assert to_binary(0) == -1


def test_unknown_mode_is_a_user_error() -> None:
    with pytest.raises(BabyLMError, match="decoding mode"):
        decoder_accuracy([1], [1], "quaternary")


@pytest.fixture(scope="module")
def seed_annotations() -> tuple[list[dict], list[dict]]:
    world = RespectWorld()
    _, train = seed_data(world, 60, random.Random(0))
    _, held_out = seed_data(world, 30, random.Random(1))
    return train, held_out


def test_student_decoder_learns_the_seed_annotations(seed_annotations) -> None:
    train, held_out = seed_annotations
    vocab = Vocab.for_world(RespectWorld().lexicon)
    windows = [e["window"] for e in held_out]
    truth = [e["label"] for e in held_out]
    untrained = StudentDecoder(Student.fresh(vocab, seed=0)).decode(windows, "ternary")
    student = Student.fresh(vocab, seed=0)
    fit(student, decoder=train, cfg=FitConfig(epochs=15))
    trained = StudentDecoder(student).decode(windows, "ternary")
    acc_before = decoder_accuracy([d.label for d in untrained], truth, "ternary")
    acc_after = decoder_accuracy([d.label for d in trained], truth, "ternary")
    assert acc_after > 0.9 > acc_before
    assert "positive=" in trained[0].raw
    binary = StudentDecoder(student).decode(windows, "binary")
    assert {d.label for d in binary} <= {1, -1}


def test_teacher_decoder_asks_through_text_and_logs_parse_failures() -> None:
    def answer(prompt: str, max_words: int) -> str:
        reply = prompt.split("reply:")[1]
        if "zzz" in reply:
            return "I cannot tell"
        return "negative" if "no" in reply.split() or "no," in reply else "positive"

    dec = TeacherDecoder(ScriptedTeacher({"generate": answer}))
    out = dec.decode(["action: select A . reply: no, not that one.", "action: select B . reply: yes. the red one",
                      "action: select C . reply: zzz"], "binary")
    assert [d.label for d in out] == [-1, 1, None]
    assert out[2].raw == "I cannot tell"
    assert "positive or negative" in dec.prompt("x", "binary")
    assert "neutral" in dec.prompt("x", "ternary")
