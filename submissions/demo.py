"""Demo stage of the submissions part: bundle the demo run, validate it, score it into the SQLite store;
then the same for the interaction stage's runs (each a scaled entry on the 2025/interaction board)."""

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
    _submit_interaction(ctx, store_url)


def _submit_interaction(ctx: Any, store_url: str) -> None:
    """Bundle, validate and score each interaction run of the demo (no LM results: facts + curve only)."""
    from babylm.output import console
    from babylm.submissions.bundle import init_bundle
    from babylm.submissions.score import score_bundle
    from babylm.submissions.validate import validate_bundle

    runs = (ctx.state.get("interaction_summary") or {}).get("runs") or {}
    ids: dict[str, str] = {}  # run name -> the submission page's query (edition, track, id)
    for name, run_dir in runs.items():
        bundle = init_bundle(Path(run_dir), team="Demo Team", model=f"{name}-demo", out=ctx.workdir / f"bundle_{name}",
                             overwrite=True)
        report = validate_bundle(bundle, allow_scaled=True, load=True)
        if not report.ok:
            raise RuntimeError(f"the demo's {name} bundle is invalid: {[f.code for f in report.findings.errors]}")
        summary = score_bundle(bundle, store_url, allow_scaled=True, report=report, progress=False)
        curves = report.summary.get("interaction", {}).get("variants", {})
        console.print(f"scored interaction entry {summary.submission_id} ({name}; {', '.join(curves)} per round)")
        m = report.manifest or {}
        ids[name] = f"edition={m.get('edition')}&track={m.get('track')}&id={summary.submission_id}"
    if ids:
        ctx.state["interaction_bundles"] = {n: str(ctx.workdir / f"bundle_{n}") for n in ids}
        ctx.state["interaction_pages"] = ids
