"""Evaluation: scorers, tasks, human-likeness metrics, the checkpoint runner, the lm-eval bridge."""


def hf_metrics_path(name: str) -> str:
    """Absolute path of a packaged `evaluate` metric module (accuracy_with_ties, spearman, delta_r2,
    aoa_fit), for `evaluate.load(path)` without the Hub."""
    from babylm.evaluation.metrics.hf import hf_metrics_path as _path

    return _path(name)
