"""The leaderboard app under streamlit.testing.v1.AppTest, on a given store, with a query and secrets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pytest
    from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "leaderboard" / "app.py")


def run_app(monkeypatch: pytest.MonkeyPatch, url: str, secret: str | None = None,
            **query: str | list[str]) -> AppTest:
    """Run the app once on the store at `url` with `query` as the URL's parameters (and the organizer
    password `secret` in st.secrets); fails the test on an exception in the app."""
    from streamlit.testing.v1 import AppTest

    from babylm.leaderboard.app_data import STORE_ENV

    monkeypatch.setenv(STORE_ENV, url)
    at = AppTest.from_file(APP, default_timeout=60)
    if secret is not None:
        at.secrets["organizer_password"] = secret
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at
