"""`babylm leaderboard serve|table|seed-demo` (JSON, errors), the synthetic field, and the demo stage.
Seeding and the table run on SQLite and on PostgreSQL (`store_url`)."""

from __future__ import annotations

import json
import urllib.request
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from babylm.cli import app
from babylm.leaderboard.seed import SYNTH_TASKS, SYNTHETIC_NOTE, seed_demo
from babylm.leaderboard.store import Store
from babylm.tracks.rules import get_track

runner = CliRunner()


def test_seed_marks_everything_synthetic_and_covers_every_checkpoint(store_url: str) -> None:
    s = Store(store_url)
    counts = seed_demo(s, 5, track="strict-small", seed=7)
    tr = get_track("strict-small")
    assert counts["submissions"] == 5 and counts["checkpoints"] == 5 * len(tr.schedule)
    subs = s.submissions_frame()
    assert subs["synthetic"].all() and subs["submission_id"].str.startswith("synth-").all()
    assert all(m["synthetic_note"] == SYNTHETIC_NOTE for m in subs["meta"])
    ck = s.checkpoints_frame(list(subs["submission_id"]))
    assert set(ck["name"]) == set(tr.checkpoint_names)
    assert (ck.groupby("submission_id")["words_seen"].max() <= tr.exposure_cap).all()
    sc = s.scores_frame(list(subs["submission_id"]), task_level_only=True)
    per_ck = sc.groupby(["submission_id", "checkpoint"])["task"].nunique()
    assert per_ck.min() == 8 and per_ck.max() == len(SYNTH_TASKS)  # GLUE and AoA on the last checkpoint only
    # re-seeding the same field adds nothing
    assert seed_demo(s, 5, track="strict-small", seed=7)["scores"] == 0


def test_seed_every_task_every_checkpoint(store_url: str) -> None:
    s = Store(store_url)
    seed_demo(s, 2, track="strict", every_task_every_checkpoint=True, subtasks_final_only=True)
    sc = s.scores_frame(list(s.submissions_frame()["submission_id"]))
    assert (sc[sc.subtask == ""].groupby(["submission_id", "checkpoint"])["task"].nunique() == 10).all()
    assert sc[sc.subtask == ""]["checkpoint"].nunique() == 28
    assert set(sc[sc.subtask != ""]["checkpoint"]) == {"chck_1000M"}


def test_cli_seed_and_table_json(store_url: str) -> None:
    db = store_url if "postgresql" in store_url else store_url.split("///", 1)[1]  # SQLite: a bare path
    r = runner.invoke(app, ["leaderboard", "seed-demo", "--store", str(db), "--n", "4"])
    assert r.exit_code == 0, r.output
    assert "seeded 4 SYNTHETIC submissions" in r.stdout
    r = runner.invoke(app, ["leaderboard", "table", "--store", str(db), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["board"] == "2025/strict-small" and doc["counts"]["submissions"] == 4
    assert doc["store"].startswith("postgresql+psycopg://" if "postgresql" in store_url else "sqlite:///")
    assert len(doc["entries"]) == 4 and doc["entries"][0]["rank"] == 1
    e = doc["entries"][0]
    assert {"macro", "macro_ci95", "human_likeness", "tasks", "flags", "synthetic", "rank_range"} <= set(e)
    assert e["synthetic"] is True and e["macro_ci95"][0] <= e["macro"] <= e["macro_ci95"][1]
    r = runner.invoke(app, ["leaderboard", "table", "--store", str(db)])
    assert r.exit_code == 0 and "2025/strict-small" in r.stdout and "(synthetic)" in r.stdout
    # re-seeding the same field adds no rows
    r = runner.invoke(app, ["leaderboard", "seed-demo", "--store", str(db), "--n", "4"])
    assert r.exit_code == 0 and "0 new score rows" in r.stdout


def test_cli_table_of_another_board_and_limit(store_url: str) -> None:
    db = store_url
    assert runner.invoke(app, ["leaderboard", "seed-demo", "--store", str(db), "--n", "3", "--edition", "2026",
                               "--track", "strict"]).exit_code == 0
    r = runner.invoke(app, ["leaderboard", "table", "--store", str(db), "--edition", "2026", "--track", "strict",
                            "--json"])
    doc = json.loads(r.stdout)
    assert doc["board"] == "2026/strict" and len(doc["entries"]) == 3
    assert "comps" in doc["entries"][0]["tasks"]  # the 2026 board ranks the track's own task set
    assert "vqa" not in doc["entries"][0]["tasks"]
    r = runner.invoke(app, ["leaderboard", "table", "--store", str(db), "--edition", "2026", "--track", "strict",
                            "--limit", "1"])
    assert r.exit_code == 0 and "2 more entries" in r.stdout
    r = runner.invoke(app, ["leaderboard", "table", "--store", str(db), "--json"])  # a board with no entries
    assert r.exit_code == 0 and json.loads(r.stdout)["entries"] == []


def test_cli_help_and_user_errors(tmp_path: Path) -> None:
    r = runner.invoke(app, ["leaderboard", "--help"])
    assert r.exit_code == 0 and all(c in r.stdout for c in ("serve", "table", "seed-demo"))
    r = runner.invoke(app, ["leaderboard"])
    assert "serve" in r.stdout  # no command: the group's help
    for cmd in ("serve", "table", "seed-demo"):
        r = runner.invoke(app, ["leaderboard", cmd, "--help"], env={"COLUMNS": "200"})
        assert r.exit_code == 0 and "--store" in r.stdout
    r = runner.invoke(app, ["leaderboard", "table", "--help"], env={"COLUMNS": "200"})
    assert "strict-small" in r.stdout and "2025" in r.stdout  # the choices are shown
    from babylm.errors import BabyLMError

    for cmd in ("serve", "table"):
        r = runner.invoke(app, ["leaderboard", cmd, "--store", str(tmp_path / "absent.sqlite")])
        assert isinstance(r.exception, BabyLMError) and "no results store" in str(r.exception)
        assert "babylm leaderboard seed-demo" in r.exception.hint
    assert not (tmp_path / "absent.sqlite").exists()
    r = runner.invoke(app, ["leaderboard", "seed-demo", "--store", str(tmp_path / "x.sqlite"), "--edition", "2025",
                            "--track", "multilingual"])
    assert isinstance(r.exception, BabyLMError) and "unknown track" in str(r.exception)
    assert not (tmp_path / "x.sqlite").exists()  # refused before anything is written
    r = runner.invoke(app, ["leaderboard", "seed-demo", "--store", str(tmp_path / "x.sqlite"), "--track", "nope"])
    assert r.exit_code == 2 and "nope" in r.output  # not a choice: a usage error
    for old in (["leaderboard", "--store", "x.sqlite"], ["leaderboard", "--seed-demo"], ["leaderboard", "--table"]):
        assert runner.invoke(app, old).exit_code == 2  # the old spellings are gone


def test_cli_table_of_an_empty_postgresql_database_is_a_user_error(pg_database: str) -> None:
    from babylm.errors import BabyLMError

    r = runner.invoke(app, ["leaderboard", "table", "--store", pg_database])
    assert isinstance(r.exception, BabyLMError) and "no results store" in str(r.exception)
    assert "babylm leaderboard seed-demo" in r.exception.hint
    r = runner.invoke(app, ["leaderboard", "table", "--store", pg_database.rsplit("/", 1)[0] + "/absent_db"])
    assert isinstance(r.exception, BabyLMError) and "cannot connect" in str(r.exception)


def test_cli_refuses_a_busy_port(tmp_path: Path) -> None:
    import socket

    from babylm.errors import BabyLMError

    db = tmp_path / "lb.sqlite"
    seed_demo(Store(db), 1)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        r = runner.invoke(app, ["leaderboard", "serve", "--store", str(db), "--port", str(port)])
    assert isinstance(r.exception, BabyLMError) and "already in use" in str(r.exception)


def test_demo_stage_seeds_when_no_store_and_serves(tmp_path: Path) -> None:
    from babylm.demo import DemoContext
    from babylm.leaderboard.demo import stage_leaderboard

    tr = get_track("strict-small").scaled(Fraction(1, 100))
    ctx = DemoContext(workdir=tmp_path, track=tr, scale=Fraction(1, 100), serve=False, fast=True)
    stage_leaderboard(ctx)
    url = ctx.state["leaderboard_url"]
    assert url.startswith("http://127.0.0.1:")
    assert Store(ctx.state["store_url"], create=False).counts()["submissions"] == 6
    with pytest.raises(OSError):  # stopped after the stage (serve=False)
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)


@pytest.mark.slow  # the demo-stage test covers start/health/stop; this adds the CLI wrapper and SIGINT
def test_cli_serves_prints_the_url_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from babylm.leaderboard.serve import free_port

    db = tmp_path / "lb.sqlite"
    seed_demo(Store(db), 2)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "babylm.cli", "leaderboard", "serve", "--store", str(db),
                             "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, COLUMNS="200"))
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline and "leaderboard:" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        assert f"http://127.0.0.1:{port}" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
            assert r.status == 200
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
