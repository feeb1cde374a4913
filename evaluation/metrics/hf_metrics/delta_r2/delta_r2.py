"""`evaluate` metric: how much surprisal adds to an OLS baseline of reading times (delta R^2).

Load by path, offline: `evaluate.load(babylm.evaluation.hf_metrics_path("delta_r2"))`.
The arithmetic is babylm.evaluation.metrics.human.delta_r2 (statsmodels OLS).
"""

import evaluate

from babylm.evaluation.metrics import hf

_DESCRIPTION = """Baseline: reference ~ baseline predictors + their pairwise interactions (OLS); full
model: baseline + prediction (surprisal). Reports R^2 of both, their difference, and the score
delta / (1 - R^2_base) x 100 used by the BabyLM reading task. Rows with NaN are left out."""

_KWARGS = """
Args:
    predictions: per-word surprisal.
    references: the reading measure (e.g. first-pass reading time), one per word.
    baseline: {name: list of values} of baseline predictors (e.g. frequency, length, context length).
    interactions: include pairwise interactions of the baseline predictors (default True).
Returns:
    delta_r2, score, r2_base, r2_model, coef (surprisal coefficient), n (rows used).
"""

_CITATION = """@article{devarda2023, title={Cloze probability, predictability ratings, and computational
estimates for 205 English sentences}, author={de Varda, Andrea Gregor and Marelli, Marco and Amenta, Simona},
journal={Behavior Research Methods}, year={2023}}"""


class DeltaR2(evaluate.Metric):
    _info = hf.info_method(_DESCRIPTION, _CITATION, _KWARGS, predictions="float64", references="float64")

    def _compute(self, predictions, references, baseline=None, interactions=True):
        return hf.delta_r2(predictions, references, baseline=baseline or {}, interactions=interactions)
