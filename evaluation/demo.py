"""Demo stage `evaluate`: every demo checkpoint on the generated agreement pairs (and BLiMP fast when
the shared data is there and time allows), then a learning-curve table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.markup import escape

BUDGET_S = 100.0  # the stage's share of the demo's 10 minutes


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add `extra`'s task results (a subset of checkpoints) into `base`."""
    for task in extra["tasks"]:
        if task not in base["tasks"]:
            base["tasks"].append(task)
    base["official_keys"].update(extra["official_keys"])
    base["unavailable"].update(extra["unavailable"])
    base["failures"].extend(extra["failures"])
    base["warnings"].extend(extra["warnings"])
    for name, ck in extra["checkpoints"].items():
        base["checkpoints"].setdefault(name, ck)["tasks"].update(ck["tasks"])


def _spread(names: list[str], k: int) -> list[str]:
    """k names spread evenly over `names`, always including the last."""
    if k >= len(names):
        return list(names)
    step = len(names) / k
    picked = {names[min(len(names) - 1, int(len(names) - 1 - i * step))] for i in range(k)}
    return [n for n in names if n in picked]


def stage_evaluate(ctx: Any) -> None:
    from babylm.demo import blimp_skip_reason, find_eval_data
    from babylm.evaluation.cli import render_table
    from babylm.evaluation.runner import evaluate_run, write_outputs
    from babylm.output import console

    t0 = time.perf_counter()
    ckpts = [Path(p) for p in ctx.state.get("checkpoints", [])]
    if not ckpts:
        console.print("[yellow]no checkpoints to evaluate (did the train stage run?)[/]")
        return
    run_dir = Path(ctx.state.get("run_dir") or ckpts[0].parent)
    names = [p.name for p in ckpts]
    out_dir = Path(ctx.workdir) / "eval"
    cache_dir = out_dir / "cache"
    common = dict(track=ctx.track, backend="causal", split="fast", cache_dir=cache_dir, progress=not ctx.fast)
    results = evaluate_run(run_dir, checkpoints=names, tasks=["demo"], **common)
    summary = ctx.state.setdefault("eval_summary", {"scored": {}, "skipped": {}})
    summary["scored"]["demo"] = f"all {len(names)} checkpoints (generated agreement pairs)"

    lookup = find_eval_data(getattr(ctx, "eval_data", None))
    why = "the fast test run skips it" if ctx.fast else blimp_skip_reason(lookup)
    data_root = None if why else lookup.root
    if why:
        summary["skipped"]["BLiMP"] = why
        console.print(f"[yellow]BLiMP skipped: {escape(why)}[/]")
    if data_root is not None:
        t1 = time.perf_counter()
        last = evaluate_run(run_dir, checkpoints=[names[-1]], tasks=["blimp"], data_root=data_root, **common)
        per_ckpt = max(time.perf_counter() - t1, 1e-3)
        left = BUDGET_S - (time.perf_counter() - t0)
        k = max(1, min(len(names), int(left / per_ckpt)))
        subset = _spread(names, k)
        if k < len(names):
            console.print(f"[dim]BLiMP fast takes {per_ckpt:.1f} s per checkpoint here: scoring {k} of "
                          f"{len(names)} checkpoints to stay within the stage budget[/]")
        rest = [n for n in subset if n != names[-1]]
        blimp = evaluate_run(run_dir, checkpoints=rest, tasks=["blimp"], data_root=data_root, **common) if rest \
            else last
        if rest:
            _merge(blimp, last)
        _merge(results, blimp)
        summary["scored"]["blimp"] = (f"{len(subset)} of {len(names)} checkpoints (BLiMP fast from {data_root}, "
                                      f"found through {lookup.source})")
        results["checkpoints"] = {n: results["checkpoints"][n] for n in names}
    res_path, off_path = write_outputs(results, out_dir)
    ctx.state["results_json"] = str(res_path)
    ctx.state["official_preds_json"] = str(off_path)
    render_table(console, results, title="learning curve (accuracy; ties score 0.5)")
    console.print(f"results: {res_path}\nofficial predictions: {off_path}")
