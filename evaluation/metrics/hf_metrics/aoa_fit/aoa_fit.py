"""`evaluate` metric: model age of acquisition from learning curves, correlated with child AoA.

Load by path, offline: `evaluate.load(babylm.evaluation.hf_metrics_path("aoa_fit"))`.
The arithmetic is babylm.evaluation.metrics.human.aoa_correlation (scipy sigmoid fits).
"""

import evaluate

from babylm.evaluation.metrics import hf

_DESCRIPTION = """For each word, a sigmoid a/(1+exp(-b(x-c)))+d is fitted to its -surprisal over
checkpoints (x = log10(words seen + 1)); the model AoA is the midpoint c. The score is Pearson's r
between model AoA and child AoA over the words with a valid fit (0 when fewer than 3)."""

_KWARGS = """
Args:
    predictions: per word, its mean -surprisal at each checkpoint (same order as words_seen).
    references: per word, the child AoA (months).
    words_seen: words seen at each checkpoint (x = log10(words_seen + 1)).
    words: optional word names (for the returned model AoAs).
Returns:
    aoa_pearson, n_valid, n_words, model_aoa ({word: log10 words}).
"""

_CITATION = """@article{chang2022word, title={Word Acquisition in Neural Language Models},
author={Chang, Tyler A. and Bergen, Benjamin K.}, journal={TACL}, volume={10}, year={2022}}"""


class AoAFit(evaluate.Metric):
    _info = hf.info_method(_DESCRIPTION, _CITATION, _KWARGS, predictions="float64", references="float64", sequence=True)

    def _compute(self, predictions, references, words_seen=None, words=None):
        return hf.aoa_fit(predictions, references, words_seen=words_seen, words=words)
