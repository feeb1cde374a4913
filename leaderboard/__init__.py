"""Leaderboard: results store, aggregation and ranking, the Streamlit app."""
