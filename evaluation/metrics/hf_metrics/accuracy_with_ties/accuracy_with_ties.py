"""`evaluate` metric: accuracy over candidate scores where a tie counts 0.5 (or 1 in official mode).

Load by path, offline: `evaluate.load(babylm.evaluation.hf_metrics_path("accuracy_with_ties"))`.
The arithmetic is babylm.evaluation.metrics.accuracy (the same code the harness's tasks use).
"""

import evaluate

from babylm.evaluation.metrics import hf

_DESCRIPTION = """Accuracy of arg-max predictions over candidate log-probabilities, macro-averaged over
sub-tasks when `subtasks` is given. A tie at the top that includes the gold candidate scores 0.5
(compat="babylm") or 1 (compat="official", as the official pipelines' argmax does)."""

_KWARGS = """
Args:
    predictions: one list of candidate scores (log-probabilities) per item.
    references: the gold candidate index per item.
    subtasks: optional sub-task name per item; the accuracy is the mean of per-sub-task accuracies.
    compat: "babylm" (tie = 0.5, the default) or "official" (tie = 1).
Returns:
    accuracy: macro accuracy; tie_rate: share of items with a tie at the top; per_subtask: {name: accuracy}.
Example:
    >>> m = evaluate.load(path)
    >>> m.compute(predictions=[[-1.0, -2.0], [-3.0, -3.0]], references=[0, 0])
    {'accuracy': 0.75, 'tie_rate': 0.5, 'per_subtask': {'all': 0.75}}
"""

_CITATION = """@misc{babylm_harness, title={babylm: a harness for BabyLM-style shared tasks}}"""


class AccuracyWithTies(evaluate.Metric):
    _info = hf.info_method(_DESCRIPTION, _CITATION, _KWARGS, predictions="float64", references="int64", sequence=True)

    def _compute(self, predictions, references, subtasks=None, compat="babylm"):
        return hf.accuracy_with_ties(predictions, references, subtasks=subtasks, compat=compat)
