"""Issue 12 item 5, the store part: organizers' actions (flag, unflag, annotate, withdraw, restore) each
logged in `audit`; a withdrawn entry stays in the store and leaves every public read; revision 0002 comes
to a store made at 0001 with its rows; the console's derived views (scoring state, failures,
re-evaluation differences). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from babylm.errors import BabyLMError
from babylm.leaderboard import organizer
from babylm.leaderboard.store import ScoreRow, Store, migrate, normalize_url
from babylm.leaderboard.store.schema import utcnow
from babylm.leaderboard.terminal import load_board


def _entry(s: Store, sid: str, *, track: str = "strict-small") -> None:
    s.upsert_submission(submission_id=sid, team=f"Team {sid}", model="m", edition=2025, track=track,
                        backend="causal")
    s.upsert_checkpoint(submission_id=sid, name="chck_10M", words_seen=10_000_000, train_flops=None,
                        content_hash=f"h-{sid}")
    s.add_scores([ScoreRow(submission_id=sid, checkpoint="chck_10M", content_hash=f"h-{sid}", task="blimp",
                           metric="accuracy", value=0.7, scorer="claimed/causal/babylm")])


def test_every_action_is_audited_once_with_who_what_and_detail(store_url: str) -> None:
    s = Store(store_url)
    _entry(s, "a")
    assert s.add_flag(submission_id="a", reason="over the cap", by="alice", checkpoint="chck_10M")
    assert not s.add_flag(submission_id="a", reason="over the cap", by="bob", checkpoint="chck_10M")  # no-op
    s.add_note("a", "asked the team for their ledger", by="bob")
    assert s.remove_flags("a", by="carol", reason="over the cap") == 1
    assert s.remove_flags("a", by="carol") == 0  # nothing left: nothing logged
    assert s.set_withdrawn("a", True, by="dave", reason="withdrawn at the team's request")
    assert not s.set_withdrawn("a", True, by="dave", reason="again")
    assert s.set_withdrawn("a", False, by="erin", reason="")
    log = s.audit_frame()
    got = list(zip(log["actor"], log["action"], log["submission_id"], log["detail"], strict=True))
    assert got == [  # newest first
        ("erin", "restore", "a", ""),
        ("dave", "withdraw", "a", "withdrawn at the team's request"),
        ("carol", "unflag", "a", "over the cap (chck_10M)"),
        ("bob", "annotate", "a", "asked the team for their ledger"),
        ("alice", "flag", "a", "over the cap (chck_10M)"),
    ]
    assert log["created"].notna().all() and list(s.audit_frame("a", limit=2)["action"]) == ["restore", "withdraw"]
    assert s.flags_frame().empty and list(s.notes_frame()["note"]) == ["asked the team for their ledger"]


def test_unflag_picks_flags_by_reason_checkpoint_and_task(store_url: str) -> None:
    s = Store(store_url)
    _entry(s, "a")
    s.add_flag(submission_id="a", reason="r1", by="o")
    s.add_flag(submission_id="a", reason="r1", by="o", task="blimp")
    s.add_flag(submission_id="a", reason="r2", by="o")
    assert s.remove_flags("a", by="o", reason="r1", checkpoint="", task="") == 1  # the whole-submission one
    assert sorted(zip(s.flags_frame()["reason"], s.flags_frame()["task"])) == [("r1", "blimp"), ("r2", "")]
    assert s.remove_flags("a", by="o") == 2 and s.flags_frame().empty
    assert list(s.audit_frame()["action"]).count("unflag") == 3


def test_a_withdrawn_entry_leaves_every_public_read_and_stays_in_the_store(store_url: str) -> None:
    s = Store(store_url)
    _entry(s, "kept")
    _entry(s, "gone")
    _entry(s, "alone", track="interaction")
    tok = s.state_token()
    s.set_withdrawn("gone", True, by="o", reason="cheated")
    s.set_withdrawn("alone", True, by="o", reason="duplicate")
    assert s.state_token() != tok  # the app's caches see it at once
    assert list(s.submissions_frame()["submission_id"]) == ["kept"]
    assert "withdrawn" not in s.submissions_frame().columns
    assert s.boards() == [(2025, "strict-small")]  # a board with only withdrawn entries is gone
    assert set(s.latest_frame(edition=2025, track="strict-small")["submission_id"]) == {"kept"}
    assert list(load_board(s, 2025, "strict-small").frame["submission_id"]) == ["kept"]
    # still in the store, for the organizers
    everything = s.submissions_frame(include_withdrawn=True)
    assert dict(zip(everything["submission_id"], everything["withdrawn"].astype(bool), strict=True)) == {
        "alone": True, "gone": True, "kept": False}
    assert s.submission("gone")["withdrawn"] and s.counts()["scores"] == 3
    # re-scoring the bundle (the same upsert) does not bring it back
    s.upsert_submission(submission_id="gone", team="Team gone", model="m2", edition=2025, track="strict-small",
                        backend="causal")
    assert list(s.submissions_frame()["submission_id"]) == ["kept"]
    s.set_withdrawn("gone", False, by="o", reason="appeal upheld")
    assert list(s.submissions_frame()["submission_id"]) == ["gone", "kept"]


def test_a_store_made_at_revision_0001_upgrades_with_its_rows(store_url: str) -> None:
    """A store made by the babylm before the console (head 0001) opens, upgrades to 0002, keeps its rows,
    and takes the new actions."""
    import sqlalchemy as sa
    from alembic import command

    engine = sa.create_engine(normalize_url(store_url))
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "0001")
        sub = sa.Table("submissions", sa.MetaData(), autoload_with=conn)
        assert "withdrawn" not in sub.c
        now = utcnow()
        conn.execute(sub.insert().values(submission_id="old", team="t", model="m", edition=2025, track="strict-small",
                                         backend="causal", meta={}, synthetic=False, created=now, updated=now))
    engine.dispose()
    s = Store(store_url, create=False)
    assert s.revision() == "0002" == migrate.head() and s.schema_version() == 2
    assert list(s.submissions_frame()["submission_id"]) == ["old"]
    assert s.submission("old")["withdrawn"] is False
    assert s.audit_frame().empty and s.notes_frame().empty
    assert s.set_withdrawn("old", True, by="o", reason="r") and s.submissions_frame().empty
    assert list(s.audit_frame()["action"]) == ["withdraw"]


def test_console_views_scoring_state_failures_and_reeval_differences(store_url: str) -> None:
    s = Store(store_url)
    _entry(s, "a")  # blimp only: incomplete
    s.add_scores([
        ScoreRow(submission_id="a", checkpoint="chck_10M", content_hash="h-a", task="blimp", metric="accuracy:reeval",
                 value=0.64, scorer="reeval/causal/babylm"),
        ScoreRow(submission_id="a", checkpoint="chck_10M", content_hash="h-a", task="blimp", subtask="x",
                 metric="accuracy:reeval", value=0.1),  # sub-task rows are not compared
    ])
    s.add_flag(submission_id="a", reason="re-evaluation gives 0.6400, the bundle claims 0.7000 (tolerance 0.01)",
               by=organizer.SCORER_BY, checkpoint="chck_10M", task="blimp")
    s.upsert_submission(submission_id="bad", team="Bad", model="m", edition=2025, track="strict-small", backend="causal")
    s.set_validation_report("bad", {"ok": False, "findings": [
        {"severity": "error", "code": "E_BUDGET", "message": "over the word budget", "where": "ledger.jsonl"},
        {"severity": "warning", "code": "W_X", "message": "only a warning"}]})
    s.upsert_submission(submission_id="new", team="New", model="m", edition=2025, track="strict-small",
                        backend="causal")
    _entry(s, "w")
    s.set_withdrawn("w", True, by="o", reason="r")

    d = organizer.reeval_differences(s)
    assert len(d) == 1
    r = d.iloc[0]
    assert (r.submission_id, r.checkpoint, r.task, r.metric, r.scorer, r.reeval_scorer) == (
        "a", "chck_10M", "blimp", "accuracy", "claimed/causal/babylm", "reeval/causal/babylm")
    assert r.stored == pytest.approx(0.7) and r.reevaluated == pytest.approx(0.64)
    assert r.difference == pytest.approx(-0.06)

    st = organizer.scoring_state(s).set_index("submission_id")
    assert dict(st["status"]) == {"a": "incomplete", "bad": "invalid", "new": "unscored", "w": "withdrawn"}
    assert st.loc["a", "tasks_scored"] == "1 of 9" and st.loc["a", "reevaluated"] == "chck_10M"
    assert st.loc["a", "furthest_scored"] == "chck_10M" and "ewok" in st.loc["a", "missing"]
    assert st.loc["a", "scorer_flags"] == 1 and st.loc["bad", "errors"] == 1
    assert list(organizer.queue(organizer.scoring_state(s))["submission_id"]) == ["a", "new"]

    f = organizer.failures(s)
    assert list(zip(f["submission_id"], f["source"], f["code"], strict=True)) == [
        ("bad", "validation", "E_BUDGET"), ("a", "scorer flag", "flag")]
    assert f.iloc[1]["where"] == "chck_10M/blimp"

    e = organizer.entries(s).set_index("submission_id")
    assert bool(e.loc["w", "withdrawn"]) and e.loc["a", "flags"] == 1 and e.loc["a", "notes"] == 0


def test_the_actions_on_the_command_line_are_audited(store_url: str) -> None:
    import json

    from typer.testing import CliRunner

    from babylm.cli import app

    s = Store(store_url)
    _entry(s, "a")
    run = CliRunner().invoke

    def ok(*args: str) -> dict:
        r = run(app, ["leaderboard", *args, "--store", store_url, "--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    assert ok("flag", "a", "--reason", "over the cap", "--task", "blimp", "--by", "alice")["changed"] is True
    assert ok("annotate", "a", "--note", "asked for the ledger", "--by", "bob")["changed"] is True
    assert ok("unflag", "a", "--all", "--by", "carol")["removed"] == 1
    assert ok("withdraw", "a", "--reason", "duplicate entry", "--by", "dave")["changed"] is True
    assert s.submissions_frame().empty
    assert ok("restore", "a", "--by", "erin")["changed"] is True
    log = ok("audit", "--submission", "a", "--limit", "10")
    assert [(e["actor"], e["action"]) for e in log] == [
        ("erin", "restore"), ("dave", "withdraw"), ("carol", "unflag"), ("bob", "annotate"), ("alice", "flag")]
    assert log[-1]["detail"] == "over the cap (blimp)" and log[0]["created"]
    # user errors (BabyLMError: babylm.cli.main prints them and exits 2), nothing written
    for args, says in ((["unflag", "a"], "say which flags to remove"),
                       (["flag", "nope", "--reason", "x"], "unknown submission 'nope'"),
                       (["annotate", "a", "--note", "x" * 2001], "at most 2000")):
        r = run(app, ["leaderboard", *args, "--store", store_url])
        assert isinstance(r.exception, BabyLMError) and says in str(r.exception), r.output
    table = run(app, ["leaderboard", "audit", "--store", store_url])
    assert table.exit_code == 0 and "withdraw" in table.output and "duplicate entry" in table.output
    assert len(s.audit_frame()) == 5
