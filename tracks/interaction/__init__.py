"""Interaction track: teachers, word ledger, episode logs, round driver, protocols."""
