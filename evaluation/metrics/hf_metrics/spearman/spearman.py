"""`evaluate` metric: Spearman's rho (the WUG tasks' metric), via babylm.evaluation.metrics.human.

Load by path, offline: `evaluate.load(babylm.evaluation.hf_metrics_path("spearman"))`.
"""

import evaluate

from babylm.evaluation.metrics import hf

_DESCRIPTION = """Spearman rank correlation between predictions (e.g. P(candidate 0)) and references
(e.g. the human share choosing candidate 0). NaN when either side is constant, unless
`undefined_as_zero` (the WUG task's convention)."""

_KWARGS = """
Args:
    predictions: model values, one per item.
    references: human values, one per item.
    undefined_as_zero: return 0.0 instead of NaN for constant inputs (default False).
Returns:
    spearmanr: rho.
"""

_CITATION = """@misc{babylm_harness, title={babylm: a harness for BabyLM-style shared tasks}}"""


class Spearman(evaluate.Metric):
    _info = hf.info_method(_DESCRIPTION, _CITATION, _KWARGS, predictions="float64", references="float64")

    def _compute(self, predictions, references, undefined_as_zero=False):
        return hf.spearman(predictions, references, undefined_as_zero=undefined_as_zero)
