"""Scorers: one interface (`Scorer.score`), one module per backend family."""
