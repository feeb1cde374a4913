"""Metrics: accuracy with ties, bootstrap intervals, human-likeness correlations."""
