"""The results store: contract, idempotence, latest-checkpoint view, migrations, 4 concurrent writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
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
    assert normalize_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_upserts_are_idempotent_and_bump_the_state_token(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
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


def test_add_scores_inserts_only_new_keys(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
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


def test_scores_for_unknown_submission_are_refused(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
    with pytest.raises(BabyLMError, match="unknown submission"):
        s.add_scores([_row("nope", "chck_1M", "blimp", 0.5)])
    with pytest.raises(BabyLMError):
        s.add_flag(submission_id="nope", reason="x", by="y")


def test_latest_keeps_the_furthest_checkpoint_whatever_the_insert_order(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
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


def test_flags_are_idempotent_per_scope(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
    _sub(s)
    assert s.add_flag(submission_id="s1", reason="over budget", by="organizer")
    assert not s.add_flag(submission_id="s1", reason="over budget", by="someone else")
    assert s.add_flag(submission_id="s1", reason="over budget", by="organizer", checkpoint="chck_2M")
    assert s.add_flag(submission_id="s1", reason="over budget", by="organizer", task="ewok")
    fl = s.flags_frame()
    assert len(fl) == 3 and set(fl.by) == {"organizer"}


def test_validation_report_round_trips(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
    _sub(s)
    s.set_validation_report("s1", {"ok": False, "findings": [{"code": "E1", "message": "m"}]})
    assert s.submission("s1")["validation_report"]["findings"][0]["code"] == "E1"
    assert s.submission("missing") is None


def test_reopening_keeps_data_and_schema_version(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'r.db'}")
    _sub(s)
    s.close()
    s2 = Store(tmp_path / "r.db")
    assert s2.schema_version() == store_mod.SCHEMA_VERSION
    assert s2.counts()["submissions"] == 1


def test_migration_runs_once_and_a_newer_store_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "r.db"
    Store(db).close()
    calls: list[int] = []

    def v1_to_v2(conn: object) -> None:
        import sqlalchemy as sa

        calls.append(1)
        conn.execute(sa.text("ALTER TABLE submissions ADD COLUMN extra TEXT"))  # type: ignore[attr-defined]

    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(schema.MIGRATIONS, 1, v1_to_v2)
    s = Store(db)
    assert s.schema_version() == 2 and calls == [1]
    Store(db)
    assert calls == [1]  # already migrated
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)
    with pytest.raises(BabyLMError, match="newer than this babylm"):
        Store(db)


def test_missing_store_is_a_user_error_when_not_creating(tmp_path: Path) -> None:
    with pytest.raises(BabyLMError, match="no results store"):
        Store(tmp_path / "absent.db", create=False)
    with pytest.raises(BabyLMError, match="cannot open"):
        Store("nosuchdialect://x")


_WRITER = textwrap.dedent(
    """
    import sys
    from babylm.leaderboard.store import Store, ScoreRow
    url, me = sys.argv[1], int(sys.argv[2])
    s = Store(url)
    total = 0
    for k in range(20):
        sid = f"s{k % 4}"
        s.upsert_submission(submission_id=sid, team="t", model="m", edition=2025, track="strict-small",
                            backend="causal")
        s.upsert_checkpoint(submission_id=sid, name=f"chck_{k % 5 + 1}M", words_seen=k % 5 + 1,
                            train_flops=None, content_hash=None)
        # every writer writes the same keys (overlap) plus a few of its own
        rows = [ScoreRow(submission_id=sid, checkpoint=f"chck_{k % 5 + 1}M", task=f"t{j}", metric="acc",
                         value=0.5) for j in range(10)]
        rows.append(ScoreRow(submission_id=sid, checkpoint=f"chck_{k % 5 + 1}M", task=f"own{me}",
                             subtask=str(k), metric="acc", value=0.1))
        total += s.add_scores(rows)
        s.add_flag(submission_id=sid, reason="shared", by=f"w{me}")
    print(total)
    """
)


def test_four_concurrent_writers_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"  # not created beforehand: the writers race to create it too
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, url, str(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err
    inserted = sum(int(out.strip()) for out, _ in outs)
    s = Store(url)
    c = s.counts()
    # shared keys: 4 submissions x 5 checkpoints x 10 tasks; own keys: 4 writers x 20 rows
    assert c["scores"] == 4 * 5 * 10 + 4 * 20 == inserted
    assert c["submissions"] == 4 and c["checkpoints"] == 20 and c["flags"] == 4


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


PG_URL = __import__("os").environ.get("BABYLM_TEST_POSTGRES_URL")


@pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server: set BABYLM_TEST_POSTGRES_URL to a scratch database")
def test_postgresql_round_trip() -> None:
    s = Store(PG_URL)
    _sub(s, "pg-1")
    assert s.add_scores([_row("pg-1", "chck_1M", "blimp", 0.5)]) in (0, 1)
    assert s.add_scores([_row("pg-1", "chck_1M", "blimp", 0.5)]) == 0
    assert "pg-1" in set(s.latest_frame()["submission_id"])


def test_a_re_added_key_with_another_value_changes_nothing(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
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
