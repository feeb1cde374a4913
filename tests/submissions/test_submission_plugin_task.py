"""A task from a test package's `babylm.tasks` entry point goes from evaluation through the bundle,
validation and scoring to the leaderboard board, with no edit anywhere in babylm; it is never required."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugins import DEMO, use_plugins
from submission_factory import make_run

PLUGIN_TASK = "plugin_agreement"  # tests/plugins/babylm_plugin_demo: boards=("strict-small",)


@pytest.fixture
def demo_plugin(monkeypatch):
    yield from use_plugins(monkeypatch, DEMO)


def test_an_entry_point_task_flows_from_evaluation_to_the_board(demo_plugin, tmp_path: Path) -> None:
    from babylm.evaluation.runner import evaluate_run
    from babylm.leaderboard.store import Store
    from babylm.leaderboard.terminal import load_board
    from babylm.submissions.bundle import init_bundle
    from babylm.submissions.score import score_bundle
    from babylm.submissions.validate import validate_bundle

    run = make_run(tmp_path / "run", 3, 0)
    out = tmp_path / "eval"
    res = evaluate_run(run, tasks=PLUGIN_TASK, out_dir=out, cache_dir=tmp_path / "cache", progress=False)
    claimed = res["checkpoints"]["chck_3M"]["tasks"][PLUGIN_TASK]["score"]
    bundle = init_bundle(run, team="Plugin Team", model="tiny", out=tmp_path / "bundle", results_dir=out)

    rep = validate_bundle(bundle, allow_scaled=True, load=False)
    rep.cleanup()
    assert rep.ok, [f.to_dict() for f in rep.findings.errors]
    assert "W_UNKNOWN_TASK" not in rep.findings.codes()
    # the track's required tasks are missing (a warning on a scaled entry); the plugin task is not one of them
    missing = " ".join(f.message for f in rep.findings.items if f.code == "W_TASK_MISSING")
    assert "blimp" in missing and PLUGIN_TASK not in missing

    url = f"sqlite:///{tmp_path / 'store.db'}"
    s = score_bundle(bundle, url, allow_scaled=True, load=False, sample=1, progress=False)
    assert s.valid and not s.failures and not s.flags, (s.failures, s.flags)
    store = Store(url)
    try:
        board = load_board(store, 2025, "strict-small")
    finally:
        store.close()
    assert PLUGIN_TASK in board.tasks.optional and PLUGIN_TASK not in board.tasks.required
    row = board.frame.set_index("submission_id").loc[s.submission_id]
    assert row[PLUGIN_TASK] == pytest.approx(claimed)


def test_a_registered_task_the_track_does_not_list_is_not_required(demo_plugin) -> None:
    from babylm.evaluation import registry
    from babylm.tracks.rules import resolve_track

    assert PLUGIN_TASK in registry.tasks()
    strict = registry.task_sets(resolve_track("strict", 2025))  # not on the plugin's boards
    assert PLUGIN_TASK not in strict.all
    small = registry.task_sets(resolve_track("strict-small", 2025))
    assert PLUGIN_TASK in small.optional and PLUGIN_TASK not in small.required
