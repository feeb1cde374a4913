"""Demo stage of the submissions part: bundle the demo run, validate it, score it into the SQLite store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def stage_submit(ctx: Any) -> None:
    """`submission init` from the demo run + results, `validate` (report printed), `score` into store.db."""
    from babylm.output import console
    from babylm.submissions.bundle import init_bundle
    from babylm.submissions.score import score_bundle
    from babylm.submissions.validate import render_report, validate_bundle

    run_dir = Path(ctx.state["run_dir"])
    results = Path(ctx.state["results_json"])
    res = json.loads((results if results.is_file() else results / "results.json").read_text(encoding="utf-8"))
    backend = str(res.get("backend", "causal"))
    bundle = init_bundle(run_dir, team="Demo Team", model=f"{run_dir.name}-demo", out=ctx.workdir / "bundle",
                         results_dir=results, backend=backend, overwrite=True)
    # The demo task generates its items; the evaluation stage's data root (if any) is the organizers' gold.
    gold = Path(res.get("data_root") or ctx.workdir)
    report = validate_bundle(bundle, allow_scaled=True, load=True, data_root=None)
    render_report(report, console)
    if not report.ok:
        raise RuntimeError(f"the demo's own bundle is invalid: {[f.code for f in report.findings.errors]}")
    store_url = f"sqlite:///{(ctx.workdir / 'store.db').resolve()}"
    summary = score_bundle(bundle, store_url, gold=gold, allow_scaled=True, sample=1 if ctx.fast else 2,
                           seed=ctx.seed, report=report, progress=not ctx.fast,
                           reeval_tasks=["demo"])
    console.print(f"scored {summary.submission_id}: {summary.rows_inserted} new rows "
                  f"({summary.jobs_run} jobs, {summary.jobs_skipped} already stored), re-evaluated "
                  f"{', '.join(summary.sampled_checkpoints) or '-'}, {len(summary.flags)} flag(s), "
                  f"{len(summary.failures)} failure(s) -> {store_url}")
    for f in summary.failures:
        console.print(f"[red]scoring failed[/] {f['checkpoint']}/{f['task']}: {f['error']}")
    ctx.state["bundle_dir"] = bundle
    ctx.state["store_url"] = store_url
    ctx.state["submission_id"] = summary.submission_id
