"""Organizer throughput: N submissions x 28 checkpoints (the strict track) x the fast tasks, scored on a
local Ray instance with 1 and with 2 workers; jobs/s, the scaling ratio, and the projected wall time
for 100 submissions on k GPU workers from the measured per-job cost.

The jobs are the scorer's own (`ScoreJob`, `run_job`, committed to a fresh SQLite store by the
driver's `run_jobs`): per submission, one "gold" job per (checkpoint, task) that re-scores the bundle's
per-item scores against gold, and `--sample` "reeval" jobs per task that load a checkpoint (tiny GPT-2)
and evaluate it. Each fast task of the 2025 track is stood in for by a generated minimal-pair task of
`--items` items (no evaluation data needed), so the figures are the harness's own overhead per job
(Ray scheduling, metric and bootstrap, store commit, a tiny model's load and forward), not a real
model's GPU time: add your models' evaluation time per re-evaluation job to the projection.

    .venv/bin/python bench/score_throughput.py [--submissions 2] [--items 200] [--sample 2]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FACTORY = HERE.parent / "tests" / "submissions"
FAST_TASKS = ("blimp", "blimp_supplement", "ewok", "entity_tracking", "reading", "aoa", "wug_adj", "wug_past")
CHECKPOINTS = 28  # the strict track's schedule
PLUGIN = "score_throughput:register_standins"
N_ITEMS_ENV = "BABYLM_BENCH_ITEMS"


def standin(task: str) -> str:
    return f"bench_{task}"


def register_standins() -> None:
    """Plugin (runs on every Ray worker): one generated minimal-pair task per fast task."""
    from babylm.evaluation.api import TASKS, Item, ScoreRequest, TaskSpec, register_task
    from babylm.evaluation.metrics.accuracy import accuracy_result

    sys.path.insert(0, str(FACTORY))
    import submission_factory as factory

    n = int(os.environ.get(N_ITEMS_ENV, "200"))
    for i, task in enumerate(FAST_TASKS):
        name = standin(task)
        if name in TASKS:
            continue
        rows = factory.toy_items(seed=i, n_per_sub=n // 2)

        def loader(root: Path, split: str, rows: list[dict[str, Any]] = rows) -> list[Item]:
            return [Item(r["id"], r["subtask"], [ScoreRequest("", r["good"]), ScoreRequest("", r["bad"])], 0)
                    for r in rows]

        def compute(items: list[Item], scores: list[list[float]], compat: str, name: str = name) -> Any:
            return accuracy_result(name, "1", items, scores, compat, n_boot=200)  # type: ignore[arg-type]

        register_task(TaskSpec(name, "1", "accuracy", loader, compute, expected_counts={}, splits=("fast",),
                               official_key=name, on_demand=True))


def make_jobs(n_subs: int, checkpoints: list[Path], n_items: int, sample: int) -> tuple[list[Any], list[str]]:
    """Every job of `n_subs` submissions, and their ids."""
    from babylm.submissions.score.jobs import JobBase, ScoreJob

    rng = random.Random(0)
    jobs, sids = [], []
    names = [f"chck_{i + 1}M" for i in range(CHECKPOINTS)]
    for s in range(n_subs):
        sid = f"bench-team-{s}"
        sids.append(sid)
        base = JobBase(submission_id=sid, backend="causal", compat="babylm", split="fast", harness_version="bench",
                       tolerance=1.0, plugins=(PLUGIN,), gold="/nonexistent")
        reeval = set(rng.sample(names, sample))
        for c, ck in enumerate(names):
            for task in FAST_TASKS:
                items = [{"id": f"{sub}_{i}", "scores": [rng.uniform(-30, -5), rng.uniform(-30, -5)]}
                         for sub in ("agreement", "order") for i in range(n_items // 2)]
                jobs.append(ScoreJob.of(base, kind="gold", checkpoint=ck, task=standin(task), items=items,
                                        content_hash=f"{sid}-{ck}"))
                if ck in reeval:
                    jobs.append(ScoreJob.of(base, kind="reeval", checkpoint=ck, task=standin(task),
                                            path=str(checkpoints[c % len(checkpoints)]),
                                            content_hash=f"{sid}-{ck}"))
    return jobs, sids


def prepare_store(url: str, sids: list[str]) -> Any:
    from babylm.leaderboard.store import Store

    store = Store(url)
    for sid in sids:
        store.upsert_submission(submission_id=sid, team=sid, model="tiny", edition=2025, track="strict",
                                backend="causal", synthetic=True)
        store.upsert_checkpoints(sid, [dict(name=f"chck_{i + 1}M", words_seen=(i + 1) * 10**6, train_flops=None,
                                            content_hash=f"{sid}-chck_{i + 1}M") for i in range(CHECKPOINTS)])
    return store


def run(workers: int, jobs: list[Any], sids: list[str], url: str) -> tuple[float, float, dict[str, Any]]:
    """(seconds to start Ray, seconds to run and commit every job, summaries) on `workers` local workers."""
    from babylm.submissions.score.driver import run_jobs
    from babylm.submissions.score.executors import JobLimits, make_executor
    from babylm.submissions.score.summary import ScoreSummary

    store = prepare_store(url, sids)
    t0 = time.perf_counter()
    ex = make_executor("ray", limits=JobLimits(), num_cpus=workers)
    t_start = time.perf_counter() - t0
    by_sid = {s: ScoreSummary(submission_id=s, store=url, valid=True) for s in sids}
    t1 = time.perf_counter()
    try:
        run_jobs(ex, jobs, store, by_sid, progress=False)
    finally:
        t_run = time.perf_counter() - t1
        ex.close()
        store.close()
    return t_start, t_run, by_sid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=2)
    ap.add_argument("--items", type=int, default=200, help="items of each stand-in fast task (2 sub-tasks)")
    ap.add_argument("--sample", type=int, default=2, help="checkpoints re-evaluated per submission")
    ap.add_argument("--cluster", type=int, nargs="*", default=[1, 4, 8, 16, 32], help="k GPU workers to project")
    args = ap.parse_args()

    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), str(FACTORY), os.environ.get("PYTHONPATH", "")])
    os.environ[N_ITEMS_ENV] = str(args.items)
    sys.path[:0] = [str(HERE), str(FACTORY)]
    register_standins()
    import submission_factory as factory

    base = Path(tempfile.mkdtemp(prefix="babylm-bench-throughput-"))
    run_dir = factory.make_run(base / "run", n_checkpoints=2)
    checkpoints = sorted(p.parent for p in run_dir.rglob("config.json"))
    jobs, sids = make_jobs(args.submissions, checkpoints, args.items, args.sample)
    n_reeval = sum(j.kind == "reeval" for j in jobs)
    print(f"{args.submissions} submissions x {CHECKPOINTS} checkpoints x {len(FAST_TASKS)} fast tasks "
          f"({args.items} items each): {len(jobs)} jobs ({len(jobs) - n_reeval} gold, {n_reeval} reeval)")
    results = {}
    for w in (1, 2):
        t_start, t_run, summ = run(w, jobs, sids, f"sqlite:///{base / f'w{w}.db'}")
        fails = sum(len(s.failures) for s in summ.values())
        rows = sum(s.rows_inserted for s in summ.values())
        results[w] = t_run
        print(f"ray, {w} worker{'s' if w > 1 else ' '}: {t_run:7.2f} s  {len(jobs) / t_run:7.1f} jobs/s  "
              f"(+ {t_start:.1f} s to start Ray; {rows} rows, {fails} failures)")
    ratio = results[1] / results[2]
    print(f"scaling 1 -> 2 workers: {ratio:.2f}x (ideal 2.00x); parallel efficiency {ratio / 2:.0%}")

    # Two limits: the workers (per-job cost / k) and the one driver that commits every job's rows
    # (its measured peak rate, whatever k). Re-evaluations of real models add their GPU time / k.
    per_job = results[1] / len(jobs)  # seconds of one worker per job (the 1-worker run)
    peak = len(jobs) / min(results.values())  # jobs/s: the best measured rate bounds one driver
    n_100 = 100 * len(jobs) // args.submissions
    n_reeval_100 = 100 * args.sample * len(FAST_TASKS)
    print(f"per job: {per_job * 1000:.1f} ms of one worker; driver ceiling {peak:.0f} jobs/s; "
          f"100 submissions = {n_100} jobs ({n_reeval_100} re-evaluations)")
    for k in args.cluster:
        wall = max(n_100 / peak, n_100 * per_job / k)
        print(f"  projected wall time, 100 submissions on {k:3d} GPU workers: {wall / 60:6.1f} min "
              f"{'(driver-bound)' if n_100 / peak > n_100 * per_job / k else '(worker-bound)'}"
              f" + {n_reeval_100} x (your model's re-evaluation time) / {k}")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs (shared machine)")
    import shutil

    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
