"""Human-likeness metrics on synthetic data where the answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.metrics.human import (
    aoa_correlation,
    child_aoa,
    delta_r2,
    fit_sigmoid,
    model_aoa,
    pearson,
    sigmoid,
    softmax_first,
    spearman,
)


def test_spearman_and_pearson_known_values() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 1000]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    with pytest.raises(BabyLMError, match="x has 2 values, y has 3"):
        spearman([1, 2], [1, 2, 3])


def test_softmax_first() -> None:
    assert softmax_first([0.0, 0.0]) == pytest.approx(0.5)
    assert softmax_first([math.log(3), 0.0]) == pytest.approx(0.75)
    assert softmax_first([-1000.0, -1001.0]) == pytest.approx(1 / (1 + math.exp(-1)))


def reading_data(n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    freq = rng.normal(10, 2, n)
    length = rng.integers(1, 12, n).astype(float)
    ctx = rng.integers(1, 15, n).astype(float)
    surprisal = rng.gamma(2.0, 3.0, n)
    return {"freq": freq, "length": length, "ctx": ctx, "surprisal": surprisal, "noise": rng.normal(0, 1, n)}


def test_surprisal_that_explains_rt_gives_large_delta_r2() -> None:
    d = reading_data()
    rt = 200 + 2 * d["length"] - 3 * d["freq"] + 15 * d["surprisal"] + d["noise"]
    base = {"freq": d["freq"], "length": d["length"], "ctx": d["ctx"]}
    res = delta_r2(rt, base, d["surprisal"])
    assert res.score > 95 and res.r2_model > 0.99
    assert res.coef == pytest.approx(15, abs=0.2)
    assert res.n == 400


def test_unrelated_surprisal_gives_near_zero_delta_r2() -> None:
    d = reading_data()
    rt = 200 + 2 * d["length"] - 3 * d["freq"] + 10 * d["noise"]
    res = delta_r2(rt, {"freq": d["freq"], "length": d["length"], "ctx": d["ctx"]}, d["surprisal"])
    assert 0 <= res.score < 2
    assert res.delta == pytest.approx(res.r2_model - res.r2_base)


def test_delta_r2_drops_nan_rows_and_checks_lengths() -> None:
    d = reading_data(100)
    rt = 100 + 5 * d["surprisal"] + d["noise"]
    rt[:7] = np.nan
    freq = d["freq"].copy()
    freq[10] = np.inf
    res = delta_r2(rt, {"freq": freq, "length": d["length"]}, d["surprisal"])
    assert res.n == 92
    with pytest.raises(BabyLMError, match="surprisal has 99 values"):
        delta_r2(rt, {"freq": freq}, d["surprisal"][:99])
    with pytest.raises(BabyLMError, match="complete rows"):
        delta_r2(rt[:12], {"freq": freq[:12], "length": d["length"][:12]}, d["surprisal"][:12])


def test_sigmoid_fit_recovers_planted_parameters() -> None:
    x = np.linspace(0, 8, 30)
    y = sigmoid(x, 5.0, 2.0, 4.5, -9.0)
    fit = fit_sigmoid(x, y)
    assert fit.ok
    assert (fit.a, fit.b, fit.c, fit.d) == pytest.approx((5.0, 2.0, 4.5, -9.0), rel=1e-3)
    assert fit.crossing(-6.5) == pytest.approx(4.5, rel=1e-3)
    assert not fit_sigmoid([1, 2, 3], [1, 2, 3]).ok
    assert not fit_sigmoid([1, 2, 3, 4], [2, 2, 2, 2]).ok


def test_model_aoa_recovers_planted_crossing() -> None:
    x = np.log10(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) * 1e6 + 1)
    rng = np.random.default_rng(1)
    y = sigmoid(x, 4.0, 6.0, 7.1, -12.0) + rng.normal(0, 0.02, len(x))
    aoa, fit = model_aoa(x, y)
    assert fit.ok and aoa == pytest.approx(7.1, abs=0.05)
    falling = sigmoid(x, 4.0, -6.0, 7.1, -12.0)
    aoa, fit = model_aoa(x, falling)
    assert math.isnan(aoa) and "rise" in fit.reason
    outside = sigmoid(x, 4.0, 6.0, 9.5, -12.0)
    assert math.isnan(model_aoa(x, outside)[0])


def test_child_aoa_crosses_half() -> None:
    months = np.arange(16, 31)
    props = 1 / (1 + np.exp(-0.7 * (months - 22.3)))
    age, fit = child_aoa(months, props)
    assert age == pytest.approx(22.3, abs=1e-3)
    assert math.isnan(child_aoa(months, 1 - props)[0])


def test_aoa_correlation_planted_order_and_too_few_words() -> None:
    x = np.log10(np.array([1, 2, 4, 8, 16, 32, 64, 100]) * 1e6 + 1)
    mids = {"dog": 6.3, "ball": 6.6, "the": 6.9, "happy": 7.3, "because": 7.7}
    child = {"dog": 18.0, "ball": 19.0, "the": 24.0, "happy": 26.0, "because": 30.0, "flat": 20.0}
    curves = {w: list(sigmoid(x, 3.0, 8.0, c, -10.0)) for w, c in mids.items()}
    curves["flat"] = [-5.0] * len(x)
    res = aoa_correlation(list(x), curves, child)
    assert res.n_valid == 5 and res.n_words == 6
    assert res.score > 0.95
    assert res.model_aoa["happy"] == pytest.approx(7.3, abs=0.01)
    assert res.reasons["flat"] == "flat data"
    few = aoa_correlation(list(x), {w: curves[w] for w in ("dog", "ball")}, child)
    assert few.score == 0.0 and few.n_valid == 2
    with pytest.raises(BabyLMError, match="'dog' has 3 points"):
        aoa_correlation(list(x), {"dog": [1.0, 2.0, 3.0]}, child)
