"""Evaluation: scorers, tasks, human-likeness metrics, the checkpoint runner, the lm-eval bridge."""
