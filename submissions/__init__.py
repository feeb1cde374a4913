"""Submissions: bundle schema, participant validator, safe loading, organizer scoring, executors."""
