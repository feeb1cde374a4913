"""Issue 12 item 5 in the app (AppTest): the organizer console exists only with a password configured, a
wrong password opens nothing and changes nothing, the right one flags / withdraws (audited), and a
withdrawn entry is gone from the ranking page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from app_runner import run_app
from streamlit.testing.v1 import AppTest

from babylm.leaderboard.app_console import PASSWORD_ENV
from babylm.leaderboard.store import ScoreRow, Store

PASSWORD = "correct horse battery staple"


@pytest.fixture()
def console_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store of three scored entries (its own per test: the console writes to it)."""
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    s = Store(tmp_path / "console.sqlite")
    for sid, v in (("alpha", 0.8), ("beta", 0.7), ("gamma", 0.6)):
        s.upsert_submission(submission_id=sid, team=f"Team {sid}", model="m", edition=2025, track="strict-small",
                            backend="causal", words_seen=10_000_000)
        s.upsert_checkpoint(submission_id=sid, name="chck_10M", words_seen=10_000_000, train_flops=None,
                            content_hash=f"h-{sid}")
        s.add_scores([ScoreRow(submission_id=sid, checkpoint="chck_10M", content_hash=f"h-{sid}", task="blimp",
                               metric="accuracy", value=v)])
    s.add_scores([ScoreRow(submission_id="beta", checkpoint="chck_10M", content_hash="h-beta", task="blimp",
                           metric="accuracy:reeval", value=0.55, scorer="reeval/causal/babylm")])
    s.close()
    return f"sqlite:///{tmp_path / 'console.sqlite'}"




def ranking_ids(at: AppTest) -> set[str]:
    return set(at.dataframe[0].value["submission"])


def frame_with(at: AppTest, column: str, *, last: bool = False) -> pd.DataFrame:
    """The first (or last) table on the page with `column` (AppTest does not keep a table's key)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    return found[-1] if last else found[0]


def said(elements: object) -> list[str]:
    """What messages read on screen (user strings go through `plain`, which escapes Markdown)."""
    return [e.value.replace("\\", "") for e in elements]  # type: ignore[attr-defined]


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="console_pw").input(password).run()
    assert not at.exception, at.exception
    return at


def test_without_a_password_there_is_no_console(monkeypatch: pytest.MonkeyPatch, console_url: str) -> None:
    at = run_app(monkeypatch, console_url, page="console")
    assert "Organizer console" not in at.sidebar.radio(key="page").options
    assert at.sidebar.radio(key="page").options[0] == "Ranking"
    assert at.sidebar.radio(key="page").value == "ranking"  # ?page=console opens the ranking
    assert not any(t.value == "Organizer console" for t in at.title)
    assert not [w for w in at.text_input if w.key == "console_pw"] and not at.error
    assert ranking_ids(at) == {"alpha", "beta", "gamma"}


def test_a_wrong_password_opens_nothing_and_changes_nothing(monkeypatch: pytest.MonkeyPatch, console_url: str) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    at = run_app(monkeypatch, console_url, page="console")
    assert at.sidebar.radio(key="page").options[-1] == "Organizer console"
    assert at.sidebar.radio(key="page").value == "console"
    assert [w.key for w in at.text_input if (w.key or "").startswith("console")] == ["console_pw"]  # only the password
    tok = Store(console_url).state_token()
    at = sign_in(at, PASSWORD + "!")
    assert any(e.value == "Wrong password." for e in at.error)
    assert not [b for b in at.button if b.key == "console_apply"] and not at.dataframe
    assert not [w for w in at.text_input if w.key == "console_actor"]
    s = Store(console_url)
    assert s.state_token() == tok and s.audit_frame().empty and s.flags_frame().empty


def test_the_right_password_flags_and_withdraws_audited_and_the_ranking_loses_the_entry(
        monkeypatch: pytest.MonkeyPatch, console_url: str) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    at = sign_in(run_app(monkeypatch, console_url, page="console"), PASSWORD)
    assert any(t.value == "Organizer console" for t in at.title)
    # no name, no action
    at.selectbox(key="console_sid").set_value("beta")
    at.text_area(key="console_text").input("claims do not match the re-evaluation").run()
    at.button(key="console_apply").click().run()
    assert any("give your name first" in e for e in said(at.error))
    assert Store(console_url).audit_frame().empty
    # flag
    at.text_input(key="console_actor").input("Alice Organizer").run()
    at.button(key="console_apply").click().run()
    assert not at.exception and any("flagged beta" in m for m in said(at.success))
    s = Store(console_url)
    assert list(s.flags_frame()["reason"]) == ["claims do not match the re-evaluation"]
    # the re-evaluation difference is on the page
    reeval = frame_with(at, "reeval_scorer")
    assert list(reeval["submission_id"]) == ["beta"] and reeval["difference"].iloc[0] == pytest.approx(-0.15)
    # withdraw
    at.radio(key="console_action").set_value("withdraw").run()
    at.text_area(key="console_text").input("withdrawn at the team's request").run()
    at.button(key="console_apply").click().run()
    assert not at.exception and any("beta withdrawn" in m for m in said(at.success))
    log = Store(console_url).audit_frame()
    assert list(zip(log["actor"], log["action"], log["submission_id"], strict=True)) == [
        ("Alice Organizer", "withdraw", "beta"), ("Alice Organizer", "flag", "beta")]
    shown = frame_with(at, "actor", last=True)  # the whole log, below the entry's
    assert list(shown["action"]) == ["withdraw", "flag"]
    ents = frame_with(at, "notes").set_index("submission_id")
    assert bool(ents.loc["beta", "withdrawn"]) and ents.loc["beta", "flags"] == 1  # still in the store
    # the public ranking no longer has it
    monkeypatch.delenv(PASSWORD_ENV)
    assert ranking_ids(run_app(monkeypatch, console_url)) == {"alpha", "gamma"}


def test_the_password_may_come_from_streamlit_secrets(monkeypatch: pytest.MonkeyPatch, console_url: str) -> None:
    at = run_app(monkeypatch, console_url, secret="from secrets", page="console")
    assert at.sidebar.radio(key="page").value == "console"
    assert any(e.value == "Wrong password." for e in sign_in(at, PASSWORD).error)
    at = sign_in(run_app(monkeypatch, console_url, secret="from secrets", page="console"), "from secrets")
    assert any(t.value == "Organizer console" for t in at.title) and not at.error
    assert [b.key for b in at.button if b.key == "console_apply"] == ["console_apply"]


def test_a_string_the_store_refuses_is_an_error_on_the_page(monkeypatch: pytest.MonkeyPatch, console_url: str) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    at = sign_in(run_app(monkeypatch, console_url, page="console"), PASSWORD)
    at.text_input(key="console_actor").input("Bob").run()
    at.text_area(key="console_text").input("bad \x1b[2J reason").run()
    at.button(key="console_apply").click().run()
    assert any("control or format character" in e for e in said(at.error))
    assert Store(console_url).flags_frame().empty and Store(console_url).audit_frame().empty


def test_unflag_annotate_and_restore_from_the_console(monkeypatch: pytest.MonkeyPatch, console_url: str) -> None:
    s = Store(console_url)
    s.add_flag(submission_id="gamma", reason="over the cap", by="scorer")
    s.set_withdrawn("gamma", True, by="scorer", reason="pending review")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    at = sign_in(run_app(monkeypatch, console_url, page="console"), PASSWORD)
    at.text_input(key="console_actor").input("Carol").run()
    at.selectbox(key="console_sid").set_value("gamma")
    at.radio(key="console_action").set_value("unflag").run()
    assert at.selectbox(key="console_flag").value == ("over the cap", "", "")
    at.button(key="console_apply").click().run()
    assert any("removed 1 flag(s) from gamma" in m for m in said(at.success))
    at.radio(key="console_action").set_value("annotate").run()
    at.text_area(key="console_text").input("reviewed: the cap was met\nsee the ledger").run()
    at.button(key="console_apply").click().run()
    at.radio(key="console_action").set_value("restore").run()
    at.text_area(key="console_text").input("").run()
    at.button(key="console_apply").click().run()
    assert not at.exception and any("gamma restored" in m for m in said(at.success))
    s = Store(console_url)
    assert s.flags_frame().empty and list(s.notes_frame()["note"]) == ["reviewed: the cap was met\nsee the ledger"]
    assert list(s.audit_frame()["action"])[:3] == ["restore", "annotate", "unflag"]
    monkeypatch.delenv(PASSWORD_ENV)
    assert ranking_ids(run_app(monkeypatch, console_url)) == {"alpha", "beta", "gamma"}
