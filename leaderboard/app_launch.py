"""`python -m babylm.leaderboard.app_launch APP [streamlit options] -- --store URL`: `streamlit run` with a
head start.

Before the server listens it imports what the pages use and scores the board a visitor lands on
(`app_data.prewarm`), so the first visit to a fresh server costs what a later one does instead of paying
for imports and scoring (about 3 s at 1,000 entries on 2 cores); the server answers its health check
only once that is done.
"""

from __future__ import annotations

import sys


def _warm(url: str | None) -> None:
    import logging

    # st.cache_data decorators met before the server exists warn "No runtime found": their caches are
    # made on first use, inside the server, so the warning says nothing here
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        from babylm.leaderboard import app_data
        from babylm.leaderboard.app_pages import main_track

        if url:
            app_data.prewarm(url, main_track)
        import altair  # noqa: F401  - the chart pages' import, off the first visit's path
    finally:
        quiet.setLevel(level)


def store_arg(args: list[str]) -> str | None:
    """The app's `--store URL` (after `--`) in a `streamlit run` argument list."""
    if "--" not in args:
        return None
    tail = args[args.index("--") + 1:]
    return next((tail[i + 1] for i, a in enumerate(tail[:-1]) if a == "--store"), None)


def main() -> None:
    from streamlit.web import cli

    args = sys.argv[1:]
    _warm(store_arg(args))
    sys.argv = ["streamlit", "run", *args]
    sys.exit(cli.main(prog_name="streamlit"))


if __name__ == "__main__":
    main()
