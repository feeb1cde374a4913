"""`evaluate` metric: Spearman's rho (the WUG tasks' metric), via babylm.evaluation.metrics.human.

Load by path, offline: `evaluate.load(babylm.evaluation.hf_metrics_path("spearman"))`.
"""

import datasets
import evaluate

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
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("float64"), "references": datasets.Value("float64")}
            ),
        )

    def _compute(self, predictions, references, undefined_as_zero=False):
        from babylm.evaluation.metrics.hf import spearman

        return spearman(predictions, references, undefined_as_zero=undefined_as_zero)
