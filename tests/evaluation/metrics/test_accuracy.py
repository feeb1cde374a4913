"""Ties, correctness per compat mode, macro accuracy and bootstrap intervals."""

from __future__ import annotations

import math

import pytest

from babylm.evaluation.api import Item, ScoreRequest
from babylm.evaluation.metrics.accuracy import (
    accuracy_result,
    bootstrap_ci,
    correctness,
    macro_mean,
    predict,
    score_items,
)


def _item(i: int, sub: str = "a", gold: int | None = 0) -> Item:
    return Item(f"{sub}_{i}", sub, [ScoreRequest("", "x"), ScoreRequest("", "y")], gold)


def test_predict_first_argmax_and_ties():
    assert predict([-1.0, -2.0]) == (0, False)
    assert predict([-3.0, -2.0]) == (1, False)
    assert predict([-2.0, -2.0]) == (0, True)
    assert predict([-5.0, -2.0, -2.0]) == (1, True)
    with pytest.raises(ValueError):
        predict([])


def test_tie_scores_half_in_babylm_and_one_in_official():
    assert correctness(0, True, 0, "babylm") == 0.5
    assert correctness(0, True, 0, "official") == 1.0
    assert correctness(0, False, 0, "babylm") == 1.0
    assert correctness(1, False, 0, "official") == 0.0
    assert math.isnan(correctness(0, False, None, "babylm"))


def test_tie_not_including_gold_is_plainly_wrong():
    items = [Item("t_0", "t", [ScoreRequest("", c) for c in "abc"], gold=0)]
    (s,) = score_items(items, [[-3.0, -1.0, -1.0]], "babylm")
    assert (s.pred, s.tie, s.correct) == (1, False, 0.0)


def test_identical_candidates_never_fully_correct():
    items = [_item(0)]
    (s,) = score_items(items, [[-4.2, -4.2]], "babylm")
    assert s.tie and s.correct == 0.5


def test_accuracy_result_macro_over_subtasks_with_tie_rate_and_ci():
    items = [_item(i, "a") for i in range(4)] + [_item(i, "b") for i in range(2)]
    scores = [[-1, -2], [-1, -2], [-2, -1], [-1, -1], [-1, -2], [-2, -1]]
    tr = accuracy_result("t", "1", items, scores, "babylm")
    assert tr.subtasks == {"a": pytest.approx((1 + 1 + 0 + 0.5) / 4), "b": 0.5}
    assert tr.score == pytest.approx((0.625 + 0.5) / 2)
    assert tr.tie_rate == pytest.approx(1 / 6)
    assert tr.ci95[0] <= tr.score <= tr.ci95[1]
    official = accuracy_result("t", "1", items, scores, "official")
    assert official.subtasks["a"] == pytest.approx(0.75)
    assert len(tr.items) == 6 and tr.items[3].tie


def test_bootstrap_interval_narrows_with_more_items():
    small = bootstrap_ci({"a": [1.0, 0.0] * 10})
    big = bootstrap_ci({"a": [1.0, 0.0] * 1000})
    assert small[0] < 0.5 < small[1]
    assert (big[1] - big[0]) < (small[1] - small[0])
    assert bootstrap_ci({"a": [1.0] * 5}) == (1.0, 1.0)
    assert all(math.isnan(x) for x in bootstrap_ci({}))


def test_macro_mean_empty_and_mismatch():
    assert math.isnan(macro_mean({})[0])
    with pytest.raises(ValueError):
        score_items([_item(0)], [], "babylm")
