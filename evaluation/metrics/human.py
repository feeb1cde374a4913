"""Human-likeness metrics as pure functions: Spearman, delta R^2 of surprisal, AoA sigmoid fits.

No model and no files here: the reading, WUG and AoA tasks turn scores into arrays and call these,
and so do the `evaluate` metric modules in `hf_metrics/`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np

from babylm.errors import BabyLMError


def _array(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise BabyLMError(f"{name}: expected a 1-D sequence of numbers, got shape {arr.shape}")
    return arr


def _paired(x: Sequence[float], y: Sequence[float], what: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Equal-length arrays for a correlation, or None when it is undefined (n < 2 or a constant side)."""
    a, b = _array(x, "x"), _array(y, "y")
    if len(a) != len(b):
        raise BabyLMError(f"{what}: x has {len(a)} values, y has {len(b)}")
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return a, b


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho (average ranks for ties); NaN when either side is constant or n < 2."""
    from scipy.stats import spearmanr

    pair = _paired(x, y, "spearman")
    return math.nan if pair is None else float(spearmanr(*pair).statistic)


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r; NaN when either side is constant or n < 2."""
    pair = _paired(x, y, "pearson")
    return math.nan if pair is None else float(np.corrcoef(*pair)[0, 1])


def softmax_first(scores: Sequence[float]) -> float:
    """P(candidate 0) under a softmax over candidates' log-probabilities (numerically stable)."""
    s = _array(scores, "scores")
    e = np.exp(s - s.max())
    return float(e[0] / e.sum())


# ---------------------------------------------------------------------------------------------
# Reading: delta R^2 of surprisal over an OLS baseline with pairwise interactions


@dataclass(frozen=True)
class DeltaR2:
    r2_base: float
    r2_model: float
    delta: float  # r2_model - r2_base
    score: float  # delta / (1 - r2_base) * 100: the share of unexplained variance surprisal explains, in %
    coef: float  # the surprisal coefficient in the full model
    n: int  # rows used (rows with any NaN are dropped from both fits)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _design(columns: Sequence[np.ndarray], interactions: bool) -> np.ndarray:
    cols = [np.ones_like(columns[0]), *columns]
    if interactions:
        cols += [a * b for a, b in combinations(columns, 2)]
    return np.column_stack(cols)


def _r2(y: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    import statsmodels.api as sm

    fit = sm.OLS(y, x).fit()
    return float(fit.rsquared), np.asarray(fit.params)


def delta_r2(
    dv: Sequence[float],
    baseline: Mapping[str, Sequence[float]],
    surprisal: Sequence[float],
    *,
    interactions: bool = True,
) -> DeltaR2:
    """How much per-word surprisal adds to an OLS baseline predicting a reading measure.

    Baseline: dv ~ predictors (+ all pairwise interactions); full model: baseline + surprisal.
    Rows with NaN or inf in any column are dropped from both fits.
    """
    y = _array(dv, "dv")
    s = _array(surprisal, "surprisal")
    preds = [_array(v, k) for k, v in baseline.items()]
    for name, col in [("surprisal", s), *zip(baseline, preds, strict=True)]:
        if len(col) != len(y):
            raise BabyLMError(f"delta_r2: {name} has {len(col)} values, dv has {len(y)}")
    keep = np.isfinite(y) & np.isfinite(s)
    for col in preds:
        keep &= np.isfinite(col)
    n = int(keep.sum())
    n_params = 2 + len(preds) + (len(preds) * (len(preds) - 1) // 2 if interactions else 0)
    if n <= n_params:
        raise BabyLMError(f"delta_r2: only {n} complete rows for {n_params} parameters")
    y, s = y[keep], s[keep]
    preds = [c[keep] for c in preds]
    r2_base, _ = _r2(y, _design(preds, interactions))
    x_full = np.column_stack([_design(preds, interactions), s])
    r2_model, params = _r2(y, x_full)
    delta = r2_model - r2_base
    score = delta / (1.0 - r2_base) * 100.0 if r2_base < 1.0 else 0.0
    return DeltaR2(r2_base, r2_model, delta, score, float(params[-1]), n)


# ---------------------------------------------------------------------------------------------
# Age of acquisition: sigmoid fits


@dataclass(frozen=True)
class SigmoidFit:
    """y = a / (1 + exp(-b (x - c))) + d; `ok` is False when the fit failed or is unusable."""

    a: float
    b: float
    c: float
    d: float
    ok: bool
    reason: str = ""

    def __call__(self, x: np.ndarray | float) -> np.ndarray | float:
        return sigmoid(np.asarray(x, dtype=float), self.a, self.b, self.c, self.d)

    def crossing(self, level: float) -> float:
        """The x where the curve reaches `level` (NaN when it never does)."""
        frac = (level - self.d) / self.a if self.a else math.nan
        if not 0.0 < frac < 1.0 or self.b == 0:
            return math.nan
        return self.c - math.log(1.0 / frac - 1.0) / self.b

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sigmoid(x: np.ndarray, a: float, b: float, c: float, d: float) -> np.ndarray:
    z = np.clip(-b * (x - c), -500.0, 500.0)
    return a / (1.0 + np.exp(z)) + d


def fit_sigmoid(
    x: Sequence[float], y: Sequence[float], *, fixed_range: tuple[float, float] | None = None
) -> SigmoidFit:
    """Least-squares fit of a rising or falling sigmoid. With `fixed_range=(d, a+d)`, only b and c are fit.

    Needs at least 3 finite points (4 for the free fit); never raises on a bad fit, it returns ok=False.
    """
    from scipy.optimize import curve_fit

    xa, ya = _array(x, "x"), _array(y, "y")
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    need = 3 if fixed_range else 4
    if len(xa) < need:
        return SigmoidFit(math.nan, math.nan, math.nan, math.nan, False, f"fewer than {need} points")
    if np.ptp(ya) == 0 or np.ptp(xa) == 0:
        return SigmoidFit(math.nan, math.nan, math.nan, math.nan, False, "flat data")
    span = float(np.ptp(xa))
    slope0 = 4.0 / span if np.corrcoef(xa, ya)[0, 1] >= 0 else -4.0 / span
    c0 = float(np.median(xa))
    try:
        if fixed_range:
            lo, hi = fixed_range
            (b, c), _ = curve_fit(
                lambda t, b, c: sigmoid(t, hi - lo, b, c, lo), xa, ya, p0=[slope0, c0], maxfev=5000
            )
            a, d = hi - lo, lo
        else:
            a0, d0 = float(np.ptp(ya)), float(ya.min())
            (a, b, c, d), _ = curve_fit(sigmoid, xa, ya, p0=[a0, slope0, c0, d0], maxfev=10000)
    except (RuntimeError, ValueError) as exc:
        return SigmoidFit(math.nan, math.nan, math.nan, math.nan, False, f"no fit: {exc}")
    values = (float(a), float(b), float(c), float(d))
    if not all(math.isfinite(v) for v in values):
        return SigmoidFit(*values, False, "non-finite parameters")
    return SigmoidFit(*values, True)


def model_aoa(x: Sequence[float], neg_surprisal: Sequence[float]) -> tuple[float, SigmoidFit]:
    """A word's model AoA: where the sigmoid fitted to -surprisal vs x (log10 words) is half-way up.

    The half-way point of a/(1+exp(-b(x-c)))+d is x = c. It is only valid when the curve rises (b > 0:
    the word gets more predictable) and c lies inside the observed x range; else NaN.
    """
    fit = fit_sigmoid(x, neg_surprisal)
    if not fit.ok:
        return math.nan, fit
    xa = _array(x, "x")
    if fit.b <= 0 or fit.a <= 0:
        return math.nan, SigmoidFit(fit.a, fit.b, fit.c, fit.d, False, "curve does not rise")
    if not np.nanmin(xa) <= fit.c <= np.nanmax(xa):
        return math.nan, SigmoidFit(fit.a, fit.b, fit.c, fit.d, False, "midpoint outside the checkpoints")
    return fit.c, fit


def child_aoa(months: Sequence[float], proportions: Sequence[float]) -> tuple[float, SigmoidFit]:
    """A word's child AoA: the age where a logistic (from 0 to 1) fitted to the CDI proportions crosses 0.5.

    Valid only when the curve rises; the crossing may lie outside the ages observed (as in Chang &
    Bergen), but not absurdly far (more than the observed span away, or at age <= 0), which gives NaN.
    """
    fit = fit_sigmoid(months, proportions, fixed_range=(0.0, 1.0))
    if not fit.ok:
        return math.nan, fit
    m = _array(months, "months")
    lo, hi = float(np.nanmin(m)), float(np.nanmax(m))
    if fit.b <= 0:
        return math.nan, SigmoidFit(fit.a, fit.b, fit.c, fit.d, False, "curve does not rise")
    age = fit.crossing(0.5)
    span = hi - lo
    if not math.isfinite(age) or age <= 0 or not lo - span <= age <= hi + span:
        return math.nan, SigmoidFit(fit.a, fit.b, fit.c, fit.d, False, "crossing far outside the ages")
    return age, fit


@dataclass(frozen=True)
class AoAScore:
    score: float  # Pearson r between model and child AoA over valid words; 0.0 with fewer than 3
    n_valid: int
    n_words: int
    model_aoa: dict[str, float]
    reasons: dict[str, str]  # why a word was left out


def aoa_correlation(
    x: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    child: Mapping[str, float],
    *,
    min_words: int = 3,
) -> AoAScore:
    """Fit each word's -surprisal curve over x (log10 words seen + 1), correlate model with child AoA."""
    model: dict[str, float] = {}
    reasons: dict[str, str] = {}
    pairs: list[tuple[float, float]] = []
    for word, ys in curves.items():
        if len(ys) != len(x):
            raise BabyLMError(f"aoa: word {word!r} has {len(ys)} points for {len(x)} checkpoints")
        c_aoa = child.get(word, math.nan)
        if not math.isfinite(c_aoa):
            reasons[word] = "no child AoA"
            continue
        m_aoa, fit = model_aoa(x, ys)
        if not math.isfinite(m_aoa):
            reasons[word] = fit.reason or "no model AoA"
            continue
        model[word] = m_aoa
        pairs.append((m_aoa, c_aoa))
    if len(pairs) < min_words:
        return AoAScore(0.0, len(pairs), len(curves), model, reasons)
    r = pearson([p[0] for p in pairs], [p[1] for p in pairs])
    return AoAScore(0.0 if math.isnan(r) else r, len(pairs), len(curves), model, reasons)
