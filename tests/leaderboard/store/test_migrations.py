"""Alembic migrations on open, on SQLite and PostgreSQL: a store made before the migrations existed is
stamped and kept (and upgraded), a store at the head upgrades to a newer head with its rows, a newer store is refused,
and the migrated schema is the one the code declares."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from babylm.errors import BabyLMError
from babylm.leaderboard.store import SCHEMA_VERSION, ScoreRow, Store, migrate, normalize_url, schema


def _fill(s: Store) -> None:
    s.upsert_submission(submission_id="s1", team="t", model="m", edition=2025, track="strict-small",
                        backend="causal", meta={"k": [1, 2]})
    s.upsert_checkpoint(submission_id="s1", name="chck_1M", words_seen=10, train_flops=None, content_hash="h")
    s.add_scores([ScoreRow(submission_id="s1", checkpoint="chck_1M", content_hash="h", task="blimp",
                           metric="accuracy", value=0.5)])
    s.add_flag(submission_id="s1", reason="r", by="o")


def _legacy_store(url: str) -> None:
    """A store as babylm made it before the migrations: the version 1 schema (revision 0001's tables),
    schema_version 1, no alembic_version."""
    import sqlalchemy as sa
    from alembic import command

    engine = sa.create_engine(normalize_url(url))
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "0001")
        conn.execute(sa.text("DROP TABLE alembic_version"))
        t = {name: sa.Table(name, sa.MetaData(), autoload_with=conn)
             for name in ("submissions", "checkpoints", "scores", "latest")}
        now = schema.utcnow()
        conn.execute(t["submissions"].insert().values(
            submission_id="old", team="t", model="m", edition=2025, track="strict-small", backend="causal",
            meta={"a": 1}, synthetic=False, created=now, updated=now))
        conn.execute(t["checkpoints"].insert().values(submission_id="old", name="chck_1M", words_seen=1,
                                                      created=now))
        row = dict(submission_id="old", checkpoint="chck_1M", task="blimp", subtask="", metric="accuracy",
                   value=0.7, task_version="1", scorer="", harness_version="", created=now, order_key=1)
        conn.execute(t["scores"].insert().values(ckey="chck_1M", **row))
        conn.execute(t["latest"].insert().values(**row))
        assert not sa.inspect(conn).has_table("alembic_version")
    engine.dispose()


def test_a_store_made_before_the_migrations_is_stamped_and_kept(store_url: str) -> None:
    _legacy_store(store_url)
    s = Store(store_url, create=False)
    assert s.revision() == migrate.head() and s.schema_version() == SCHEMA_VERSION
    c = s.counts()
    assert (c["submissions"], c["checkpoints"], c["scores"], c["latest"]) == (1, 1, 1, 1)
    assert s.submission("old")["meta"] == {"a": 1}
    _fill(s)  # and it takes new rows like a new store
    assert s.counts()["scores"] == 2


def test_the_migrated_schema_is_the_declared_one(store_url: str) -> None:
    """Revision by revision, the migrations build exactly the tables schema.tables() declares."""
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    s = Store(store_url)
    with s.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), s.metadata)
    assert diffs == []
    assert set(sa.inspect(s.engine).get_table_names()) == set(s.t) | {"alembic_version"}


HEAD = migrate.head()  # the newest revision babylm ships
NEXT = f"{int(HEAD) + 1:04d}"
NEXT_VERSION = SCHEMA_VERSION + 1
REVISION_NEXT = textwrap.dedent(f'''
    """Revision {NEXT} (a test's): a column and an index."""
    import sqlalchemy as sa
    from alembic import op

    revision = "{NEXT}"
    down_revision = "{HEAD}"
    branch_labels = None
    depends_on = None


    def upgrade() -> None:
        with op.batch_alter_table("submissions") as batch:
            batch.add_column(sa.Column("licence", sa.String(50), nullable=True))
        op.create_index("ix_scores_task", "scores", ["task"])
        op.execute("UPDATE schema_version SET version = {NEXT_VERSION}")
        op.execute("UPDATE submissions SET licence = 'cc-by'")
''')


@pytest.fixture()
def with_next_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / f"{NEXT}_licence.py").write_text(REVISION_NEXT)
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", folder)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", NEXT_VERSION)
    return folder


def test_a_store_at_the_head_upgrades_to_a_newer_head_and_keeps_its_rows(
        store_url: str, with_next_revision: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy as sa

    with monkeypatch.context() as mp:  # made by the babylm whose head is HEAD
        mp.setattr(migrate, "MIGRATIONS_DIR", migrate.Path(migrate.__file__).parent / "migrations")
        old = Store(store_url)
        assert old.revision() == HEAD
        _fill(old)
        before = old.counts()
        old.close()
    s = Store(store_url)
    assert migrate.head() == NEXT and s.revision() == NEXT and s.schema_version() == NEXT_VERSION
    assert s.counts() == before
    with s.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT licence FROM submissions")).scalar_one() == "cc-by"
        assert "ix_scores_task" in {ix["name"] for ix in sa.inspect(conn).get_indexes("scores")}
    tok = s.state_token()
    assert Store(store_url).state_token() == tok  # at head: opening again changes nothing


def test_a_store_newer_than_this_babylm_is_refused(store_url: str, with_next_revision: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    Store(store_url).close()  # upgraded to the test's next revision
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrate.Path(migrate.__file__).parent / "migrations")
    with pytest.raises(BabyLMError, match=f"revision {NEXT}, newer than this babylm") as err:
        Store(store_url)
    assert err.value.hint == "upgrade babylm"


def test_an_unknown_legacy_schema_version_is_refused(store_url: str) -> None:
    import sqlalchemy as sa

    _legacy_store(store_url)
    engine = sa.create_engine(normalize_url(store_url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = 7"))
    engine.dispose()
    with pytest.raises(BabyLMError, match="schema version 7"):
        Store(store_url)
