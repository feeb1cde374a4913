"""Streamlit entry point: `streamlit run leaderboard/app.py -- --store URL` (or `babylm leaderboard serve`)."""

from babylm.leaderboard.app_pages import main

main()
