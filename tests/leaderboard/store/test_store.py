"""The results store's contract on SQLite and PostgreSQL (`store_url`): idempotence, the latest-checkpoint
view, flags, reports, user errors. Migrations: test_migrations.py; concurrency and faults: test_faults.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.leaderboard import store as store_mod
from babylm.leaderboard.store import ScoreRow, Store, normalize_url, schema


def _sub(store: Store, sid: str = "s1", **kw: object) -> None:
    args = dict(submission_id=sid, team="team", model="gpt", edition=2025, track="strict-small",
                backend="causal")
    args.update(kw)
    store.upsert_submission(**args)  # type: ignore[arg-type]


def _row(sid: str, ck: str, task: str, value: float, subtask: str = "", h: str | None = None) -> ScoreRow:
    return ScoreRow(submission_id=sid, checkpoint=ck, content_hash=h, task=task, subtask=subtask,
                    metric="accuracy", value=value, task_version="1", scorer="causal/babylm",
                    harness_version="0.1.0")


def test_bare_path_becomes_sqlite_url(tmp_path: Path) -> None:
    assert normalize_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    # PostgreSQL URLs get the psycopg 3 driver; an explicit driver is kept
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h:5433/db") == "postgresql+psycopg://u@h:5433/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_reopening_keeps_data_and_schema_version(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    s.close()
    s2 = Store(store_url, create=False)
    assert s2.schema_version() == store_mod.SCHEMA_VERSION
    assert s2.counts()["submissions"] == 1
    s2.close()


def test_upserts_are_idempotent_and_bump_the_state_token(store_url: str) -> None:
    s = Store(store_url)
    t0 = s.state_token()
    _sub(s, meta={"fact_sheet": {"a": 1}})
    t1 = s.state_token()
    assert t1 != t0
    _sub(s, meta={"fact_sheet": {"a": 1}})
    assert s.state_token() == t1  # same values: no change
    _sub(s, n_params=123, meta={"fact_sheet": {"a": 1}})
    t2 = s.state_token()
    assert t2 != t1
    assert s.submission("s1")["n_params"] == 123
    s.upsert_checkpoint(submission_id="s1", name="chck_1M", words_seen=10_000, train_flops=1e9, content_hash="h1")
    t3 = s.state_token()
    s.upsert_checkpoint(submission_id="s1", name="chck_1M", words_seen=10_000, train_flops=1e9, content_hash="h1")
    assert s.state_token() == t3 != t2
    assert s.counts()["checkpoints"] == 1


def test_add_scores_inserts_only_new_keys(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    rows = [_row("s1", "chck_1M", "blimp", 0.6, h="h1"), _row("s1", "chck_1M", "blimp", 0.7, "anaphor", h="h1")]
    assert s.add_scores(rows) == 2
    tok = s.state_token()
    assert s.add_scores(rows) == 0
    assert s.state_token() == tok
    # same checkpoint name but another content hash is another key (re-trained checkpoint)
    assert s.add_scores([_row("s1", "chck_1M", "blimp", 0.65, h="h9")]) == 1
    # another task version is another key
    assert s.add_scores([_row("s1", "chck_1M", "blimp", 0.6, h="h1").model_copy(update={"task_version": "2"})]) == 1
    assert s.counts()["scores"] == 4
    assert s.add_scores([]) == 0


def test_scores_for_unknown_submission_are_refused(store_url: str) -> None:
    s = Store(store_url)
    with pytest.raises(BabyLMError, match="unknown submission"):
        s.add_scores([_row("nope", "chck_1M", "blimp", 0.5)])
    with pytest.raises(BabyLMError):
        s.add_flag(submission_id="nope", reason="x", by="y")


def test_latest_keeps_the_furthest_checkpoint_whatever_the_insert_order(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    for name, words in (("chck_1M", 10), ("chck_2M", 20), ("chck_10M", 100)):
        s.upsert_checkpoint(submission_id="s1", name=name, words_seen=words, train_flops=None, content_hash=None)
    s.add_scores([_row("s1", "chck_10M", "blimp", 0.8)])
    s.add_scores([_row("s1", "chck_1M", "blimp", 0.5), _row("s1", "chck_2M", "blimp", 0.6)])
    # an across-checkpoints result (AoA) under a non-checkpoint name sorts after every checkpoint
    s.add_scores([_row("s1", "all", "aoa", 0.3), _row("s1", "chck_2M", "aoa", 0.1)])
    lat = s.latest_frame().set_index("task")
    assert lat.loc["blimp", "checkpoint"] == "chck_10M" and lat.loc["blimp", "value"] == 0.8
    assert lat.loc["aoa", "checkpoint"] == "all"
    curve = s.scores_frame(["s1"], task_level_only=True)
    assert list(curve[curve.task == "blimp"].words_seen) == [10, 20, 100]


def test_checkpoint_name_gives_the_order_when_words_seen_unknown() -> None:
    assert store_mod.checkpoint_order_key("chck_7M", None) == 7_000_000
    assert store_mod.checkpoint_order_key("chck_7M", 42) == 42
    assert store_mod.checkpoint_order_key("final", None) == store_mod.ACROSS_CHECKPOINTS_KEY


def test_flags_are_idempotent_per_scope(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    assert s.add_flag(submission_id="s1", reason="over budget", by="organizer")
    assert not s.add_flag(submission_id="s1", reason="over budget", by="someone else")
    assert s.add_flag(submission_id="s1", reason="over budget", by="organizer", checkpoint="chck_2M")
    assert s.add_flag(submission_id="s1", reason="over budget", by="organizer", task="ewok")
    fl = s.flags_frame()
    assert len(fl) == 3 and set(fl.by) == {"organizer"}


def test_validation_report_round_trips(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    s.set_validation_report("s1", {"ok": False, "findings": [{"code": "E1", "message": "m"}]})
    assert s.submission("s1")["validation_report"]["findings"][0]["code"] == "E1"
    assert s.submission("missing") is None


def test_missing_store_is_a_user_error_when_not_creating(tmp_path: Path) -> None:
    with pytest.raises(BabyLMError, match="no results store"):
        Store(tmp_path / "absent.db", create=False)
    with pytest.raises(BabyLMError, match="cannot open"):
        Store("nosuchdialect://x")


def test_postgresql_user_errors_are_clear(pg_database: str) -> None:
    """A database that does not exist, a database with no store (not creating), a closed port."""
    from pg_server import free_port
    from sqlalchemy.engine import make_url

    base = make_url(normalize_url(pg_database))
    with pytest.raises(BabyLMError, match="cannot connect to results store") as err:
        Store(base.set(database="no_such_db").render_as_string(hide_password=False))
    assert "no_such_db" in str(err.value) and "postgresql://" in err.value.hint
    with pytest.raises(BabyLMError, match="no results store at"):
        Store(pg_database, create=False)  # an empty database is no store
    closed = base.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "retry_base_s", 0.01)
        mp.setattr(Store, "pg_tries", 3)
        with pytest.raises(BabyLMError, match="could not be reached after 3 tries") as err:
            Store(closed)
    assert "server is up" in err.value.hint


def test_schema_and_upserts_compile_for_postgresql() -> None:
    """Portability without a server: the DDL and the ON CONFLICT statements compile for PostgreSQL."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    _, t = schema.tables(sa)
    for table in t.values():
        ddl = str(sa.schema.CreateTable(table).compile(dialect=postgresql.dialect()))
        assert "CREATE TABLE" in ddl
    ins = postgresql.insert(t["scores"]).on_conflict_do_nothing(
        index_elements=["submission_id", "ckey", "task", "subtask", "metric", "task_version"]).returning(t["scores"].c.id)
    assert "ON CONFLICT" in str(ins.compile(dialect=postgresql.dialect()))
    lt = t["latest"]
    up = postgresql.insert(lt)
    up = up.on_conflict_do_update(index_elements=["submission_id", "task", "subtask", "metric"],
                                  set_={"value": up.excluded.value}, where=up.excluded.order_key >= lt.c.order_key)
    assert "DO UPDATE" in str(up.compile(dialect=postgresql.dialect()))


def test_display_url_hides_the_password() -> None:
    assert "secret" not in store_mod.display_url("postgresql://me:secret@db.example/results")
    assert store_mod.display_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_a_re_added_key_with_another_value_changes_nothing(store_url: str) -> None:
    s = Store(store_url)
    _sub(s)
    assert s.add_scores([_row("s1", "chck_1M", "blimp", 0.6)]) == 1
    tok = s.state_token()
    assert s.add_scores([_row("s1", "chck_1M", "blimp", 0.9)]) == 0
    assert s.state_token() == tok
    assert s.latest_frame()["value"].tolist() == [0.6]
    # two checkpoints of one task in one batch: latest takes the further one
    assert s.add_scores([_row("s1", "chck_3M", "ewok", 0.7), _row("s1", "chck_2M", "ewok", 0.5)]) == 2
    lat = s.latest_frame().set_index("task")
    assert lat.loc["ewok", "checkpoint"] == "chck_3M"
