"""The demo stage on a real (tiny, fast) demo run: bundle, validate, score into SQLite."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from babylm.demo import DemoContext
from babylm.tracks.rules import get_track


@pytest.mark.slow
def test_stage_submit_on_the_demo_run(tmp_path: Path) -> None:
    from babylm.evaluation.runner import evaluate_run, write_outputs
    from babylm.leaderboard.store import Store
    from babylm.submissions.demo import stage_submit
    from babylm.tracks.demo import stage_data, stage_train

    scale = Fraction(1, 100)
    ctx = DemoContext(workdir=tmp_path, track=get_track("strict-small").scaled(scale), scale=scale, fast=True,
                      serve=False)
    stage_data(ctx)
    stage_train(ctx)
    if "results_json" not in ctx.state:  # the evaluation stage, as the demo runs it
        res = evaluate_run(ctx.state["run_dir"], track=ctx.track, tasks=["demo"], progress=False,
                           cache_dir=tmp_path / "cache")
        out, _ = write_outputs(res, tmp_path / "eval")
        ctx.state["results_json"] = out
    stage_submit(ctx)
    assert Path(ctx.state["bundle_dir"], "submission.json").is_file()
    st = Store(ctx.state["store_url"])
    counts = st.counts()
    n_ckpt = len(ctx.state["checkpoints"])
    assert counts["submissions"] == 1 and counts["checkpoints"] == n_ckpt
    assert counts["scores"] == (n_ckpt + 1) * 5  # task + 4 sub-tasks per checkpoint, + 1 re-evaluated
    assert counts["flags"] == 0
    token = st.state_token()
    stage_submit(ctx)  # idempotent: bundling and scoring again changes nothing in the store
    assert st.state_token() == token
