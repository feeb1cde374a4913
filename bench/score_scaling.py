"""Organizer scoring: Ray executor (local, N workers) against the in-process executor, same bundle.

Builds a bundle of tiny GPT-2 checkpoints with a generated minimal-pair task, then scores it twice into
fresh SQLite stores with every checkpoint re-evaluated: once in-process, once on a local Ray instance.
Prints wall times (Ray with and without its start-up) and the speed-up; checks both stores are equal.

    .venv/bin/python bench/score_scaling.py [--checkpoints 8] [--items 400] [--workers 2] [--width 128]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FACTORY = HERE.parent / "tests" / "submissions"
sys.path.insert(0, str(FACTORY))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoints", type=int, default=8)
    ap.add_argument("--items", type=int, default=400, help="items of the generated task (2 sub-tasks)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    args = ap.parse_args()

    import submission_factory as factory

    from babylm.submissions.executors import RayExecutor
    from babylm.submissions.score import score_bundle

    os.environ["PYTHONPATH"] = os.pathsep.join([str(FACTORY), os.environ.get("PYTHONPATH", "")])
    factory.register_toy_task()
    base = Path(tempfile.mkdtemp(prefix="babylm-bench-score-"))
    bundle, gold = factory.make_bundle(base, n_checkpoints=args.checkpoints, n_per_sub=args.items // 2,
                                       n_layer=args.layers, width=args.width)
    common = dict(gold=gold, allow_scaled=True, sample=args.checkpoints, load=False,
                  plugins=["submission_factory:register_toy_task"], progress=False)

    from babylm.submissions.validate import validate_bundle

    report = validate_bundle(bundle, allow_scaled=True, load=False, data_root=gold)
    t0 = time.perf_counter()
    s1 = score_bundle(bundle, f"sqlite:///{base / 'inproc.db'}", report=report, **common)
    t_in = time.perf_counter() - t0

    t0 = time.perf_counter()
    ex = RayExecutor(num_cpus=args.workers)  # start Ray (counted separately)
    t_start = time.perf_counter() - t0
    t1 = time.perf_counter()
    s2 = score_bundle(bundle, f"sqlite:///{base / 'ray.db'}", report=report, executor="ray", **common)
    t_ray = time.perf_counter() - t1
    ex.close()
    same = factory.dump_store(f"sqlite:///{base / 'inproc.db'}") == factory.dump_store(f"sqlite:///{base / 'ray.db'}")
    load = os.getloadavg()
    print(f"bundle: {args.checkpoints} checkpoints, {args.items} items, gpt2 {args.layers}x{args.width}; "
          f"jobs {s1.jobs_run} (in-process) / {s2.jobs_run} (ray), failures {len(s1.failures)}/{len(s2.failures)}")
    print(f"in-process:            {t_in:7.2f} s")
    print(f"ray, {args.workers} workers:        {t_ray:7.2f} s  (+ {t_start:.2f} s to start Ray)")
    print(f"speed-up ray/in-process: {t_in / t_ray:5.2f}x  (with start-up {t_in / (t_ray + t_start):.2f}x)")
    print(f"stores equal: {same}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    import shutil

    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
