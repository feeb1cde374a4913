"""The whole demo, end to end, at its smallest size: every stage runs and hands the next what it needs."""

from __future__ import annotations

from fractions import Fraction

from babylm.demo import STAGES, DemoContext, run_demo
from babylm.tracks.rules import get_track


def test_whole_demo_fast(tmp_path):
    scale = Fraction(1, 100)
    ctx = DemoContext(workdir=tmp_path / "demo", track=get_track("strict-small").scaled(scale), scale=scale,
                      serve=False, fast=True)
    run_demo(ctx)
    assert list(ctx.timings) == [title for title, _ in STAGES]
    for key in ("corpus_dir", "data_manifest", "run_dir", "checkpoints", "results_json", "bundle_dir",
                "store_url", "leaderboard_url", "interaction_dir"):
        assert ctx.state.get(key), key
    assert len(ctx.state["checkpoints"]) >= 3

    from babylm.leaderboard.store import Store

    subs = Store(ctx.state["store_url"]).submissions_frame()
    assert {"2025/strict-small", "2025/interaction"} <= {f"{e}/{t}" for e, t in zip(subs["edition"], subs["track"])}


def test_demo_cli_user_errors(run_cli, tmp_path):
    r = run_cli("demo", "--workdir", tmp_path, "--scale", "x")
    assert r.code == 2 and "--scale" in r.stderr
    r = run_cli("demo", "--workdir", tmp_path, "--only", "nope")
    assert r.code == 2 and "stages:" in r.stderr


def test_demo_refuses_a_folder_it_did_not_make(tmp_path, run_cli):
    (tmp_path / "mine.txt").write_text("keep me")
    r = run_cli("demo", "--workdir", tmp_path, "--no-serve")
    assert r.code == 2 and "not made by" in r.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_a_full_rerun_starts_from_an_empty_demo_folder(tmp_path):
    from babylm.demo import MARKER, _prepare_workdir

    work = tmp_path / "d"
    _prepare_workdir(work, fresh=True)
    (work / "stale").mkdir()
    _prepare_workdir(work, fresh=False)  # --only: keep what is there
    assert (work / "stale").exists()
    _prepare_workdir(work, fresh=True)
    assert not (work / "stale").exists() and (work / MARKER).exists()
