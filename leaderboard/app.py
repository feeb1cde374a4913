"""Streamlit entry point: `streamlit run leaderboard/app.py -- --store URL` (or `babylm leaderboard`)."""

from babylm.leaderboard.app_pages import main

main()
