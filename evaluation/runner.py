"""The checkpoint runner: tasks x checkpoints, cached, with per-item scores and failure records.

`evaluate_run` is the one entry point (the CLI, the demo and organizer re-evaluation call it). A
checkpoint that does not load, a task whose data is broken or a NaN score is recorded in
`results["failures"]` and the other checkpoints and tasks still run; tasks whose data is absent are
listed in `results["unavailable"]`. Checkpoint discovery is in `checkpoints`, the data folder lookup
in `data_root`, the task list in `registry`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import COMPATS, SPLITS, Compat, Item, Split, TaskSpec
from babylm.evaluation.checkpoints import CheckpointRef, content_hash, discover_checkpoints
from babylm.evaluation.data_root import default_data_root
from babylm.evaluation.progress import Bar, progress
from babylm.evaluation.registry import DEMO_TASKS, import_task_modules
from babylm.evaluation.registry import tasks as registered_tasks

__all__ = ["DEMO_TASKS", "CheckpointRef", "EvalJob", "default_data_root", "discover_checkpoints", "evaluate_run",
           "import_task_modules", "load_task_items", "resolve_tasks", "score_task_items", "write_outputs"]

CHUNK_ITEMS = 1024  # items per scorer call (progress granularity; results do not depend on it)
Across = dict[str, dict[str, tuple[int, list[list[float]]]]]  # task -> checkpoint -> (words seen, scores)


@dataclass(frozen=True)
class EvalJob:
    """The scoring setup every (checkpoint, task) of a run shares; part of every cache key."""

    backend: str = "causal"
    compat: Compat = "babylm"
    split: Split = "fast"
    engine: str = "auto"
    batch_size: int | None = None
    include_items: bool = True
    # Checkpoints with their own model code (auto_map) run in the sandbox only when this is set.
    trust_remote_code: bool = False
    sandbox_limits: Any = None  # babylm.evaluation.sandbox.SandboxLimits; None = the defaults

    def __post_init__(self) -> None:
        from babylm.evaluation.registry import backend_names
        from babylm.evaluation.scorers.load import ENGINES

        if self.backend not in backend_names():
            raise BabyLMError(f"unknown backend {self.backend!r}", hint=f"choose one of {', '.join(backend_names())}")
        if self.compat not in COMPATS:
            raise BabyLMError(f"unknown compat {self.compat!r}", hint="use 'babylm' or 'official'")
        if self.engine not in ENGINES:
            raise BabyLMError(f"unknown engine {self.engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
        if self.split not in SPLITS:
            raise BabyLMError(f"unknown split {self.split!r}", hint="use 'fast' or 'full'")

    def key(self, chash: str, spec: TaskSpec) -> dict[str, str]:
        """The score cache key of one (checkpoint, task)."""
        return {"content_hash": chash, "task": spec.name, "version": spec.version, "backend": self.backend,
                "compat": self.compat, "split": self.split}


def resolve_tasks(tasks: str | Sequence[str], split: Split) -> list[str]:
    """Task names: "fast"/"full" = every registered task with that split that is not on demand; else a list."""
    known = registered_tasks()
    if isinstance(tasks, str) and tasks in SPLITS:
        return sorted(n for n, s in known.items() if split in s.splits and not s.on_demand)
    names = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BabyLMError(f"unknown task(s): {', '.join(unknown)}", hint=f"known tasks: {', '.join(sorted(known))}")
    bad = [n for n in names if split not in known[n].splits]
    if bad:
        raise BabyLMError(f"task(s) without a {split!r} split: {', '.join(bad)}", hint="pick another --split")
    return names


def load_task_items(spec: TaskSpec, data_root: Path | None, split: Split) -> tuple[list[Item] | None, str | None,
                                                                                 bool]:
    """(items, problem, unavailable): problem is None when the items loaded."""
    from babylm.evaluation.tasks.datafiles import DataFileError

    if data_root is None and spec.needs_data:
        return None, "no evaluation data folder found (pass --eval-data)", True
    try:
        items = list(spec.loader(data_root or Path("."), split))
    except DataFileError as exc:
        msg = str(exc)
        missing = "not available" in msg or "not found" in msg or "no fast_eval" in msg
        return None, msg, missing
    except Exception as exc:  # a task's own loader bug must not stop the other tasks
        return None, f"{type(exc).__name__}: {exc}", False
    if not items:
        return None, "no items loaded", False
    return items, None, False


def score_task_items(scorer: Any, items: list[Item], on_items: Callable[[int], None] | None = None) -> list[
    list[float]
]:
    """Candidate scores per item; a ScoreError is re-raised naming the item."""
    from babylm.evaluation.scorers.load import ScoreError

    out: list[list[float]] = []
    for s in range(0, len(items), CHUNK_ITEMS):
        chunk = items[s: s + CHUNK_ITEMS]
        reqs = [c for it in chunk for c in it.candidates]
        try:
            flat = scorer.score(reqs)
        except ScoreError as exc:
            if exc.index is None:
                raise
            k, j = exc.index, 0
            while k >= len(chunk[j].candidates):
                k -= len(chunk[j].candidates)
                j += 1
            raise ScoreError(f"item {chunk[j].id} candidate {k}: {exc}", index=exc.index) from exc
        k = 0
        for it in chunk:
            out.append([float(v) for v in flat[k: k + len(it.candidates)]])
            k += len(it.candidates)
        if on_items:
            on_items(len(chunk))
    return out


def evaluate_run(
    model: str | Path,
    *,
    track: Any = "strict-small",
    checkpoints: str | Sequence[str] | None = None,
    tasks: str | Sequence[str] = "fast",
    backend: str = "causal",
    compat: Compat = "babylm",
    data_root: str | Path | None = None,
    out_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    batch_size: int | None = None,
    engine: str = "auto",
    split: Split | None = None,
    progress: bool = True,
    include_items: bool = True,
    trust_remote_code: bool = False,
    sandbox_limits: Any = None,
) -> dict[str, Any]:
    """Evaluate tasks x checkpoints; returns the results object (babylm.results/1).

    With `out_dir`, also writes `results.json` and `all_full_preds_and_fast_scores_<backend>.json`.
    A checkpoint with its own model code (auto_map) is refused unless `trust_remote_code`, and then
    scored in the bubblewrap sandbox (`babylm.evaluation.sandbox`), never in this process.
    """
    from babylm.evaluation.cache import ResultCache
    from babylm.tracks.rules import resolve_track

    t0 = time.perf_counter()
    job = EvalJob(backend, compat, split or ("full" if tasks == "full" else "fast"), engine, batch_size,
                  include_items, trust_remote_code, sandbox_limits)
    trk = resolve_track(track)
    names = resolve_tasks(tasks, job.split)
    refs = discover_checkpoints(model, checkpoints, trk)
    root = default_data_root(data_root)
    local_model = Path(model).expanduser()
    cache = ResultCache(Path(cache_dir) if cache_dir else (
        local_model / ".babylm_cache" if local_model.is_dir() else Path.home() / ".cache" / "babylm"))
    results = _new_results(model, job, trk.key, root, names)
    loaded = _load_items(names, root, job.split, results)
    across: Across = {}
    with _progress_bar(progress, len(refs) * sum(len(v) for v in loaded.values())) as bar:
        for ref in refs:
            _CheckpointRun(ref, job, cache, results, bar).run(loaded, across)
    for n, per_ckpt in across.items():
        _score_across(n, per_ckpt, loaded[n], job, cache, results)
    _add_pred_texts(results, loaded)
    results["wall_time_s"] = round(time.perf_counter() - t0, 3)
    if out_dir is not None:
        write_outputs(results, out_dir)
    return results


_progress_bar = progress  # evaluate_run's `progress` argument shadows the name


def _new_results(model: str | Path, job: EvalJob, track_key: str, root: Path | None, names: list[str]) -> dict[
    str, Any
]:
    from babylm import __version__
    from babylm.evaluation.formats import RESULTS_FORMAT

    specs = registered_tasks()
    return {
        "format": RESULTS_FORMAT, "harness_version": __version__, "model": str(model), "backend": job.backend,
        "engine": job.engine, "compat": job.compat, "track": track_key, "split": job.split,
        "data_root": str(root) if root else None,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "tasks": names,
        "official_keys": {n: specs[n].official_key for n in names if specs[n].official_key},
        "trust_remote_code": job.trust_remote_code,
        "checkpoints": {}, "across_checkpoints": {}, "unavailable": {}, "failures": [], "warnings": [],
    }


def _load_items(names: list[str], root: Path | None, split: Split, results: dict[str, Any]) -> dict[str, list[Item]]:
    """Each task's items; absent data goes to `unavailable`, broken data to `failures`, odd counts to
    `warnings`."""
    loaded: dict[str, list[Item]] = {}
    for n in names:
        spec = registered_tasks()[n]
        items, problem, missing = load_task_items(spec, root, split)
        if items is None:
            if missing:
                results["unavailable"][n] = problem
            else:
                results["failures"].append({"checkpoint": None, "task": n, "error": f"data: {problem}"})
            continue
        expected = spec.expected_counts.get(split)
        if expected is not None and len(items) != expected:
            results["warnings"].append({"task": n, "warning": f"{len(items)} items loaded, official count "
                                        f"is {expected} ({split})"})
        loaded[n] = items
    return loaded


class _CheckpointRun:
    """One checkpoint through every task: cached scores where they exist, the model loaded at most once
    (only when something is not cached), each task's result or failure recorded in `results`."""

    def __init__(self, ref: CheckpointRef, job: EvalJob, cache: Any, results: dict[str, Any], bar: Bar) -> None:
        self.ref, self.job, self.cache, self.results, self.bar = ref, job, cache, results, bar
        self.entry: dict[str, Any] = {"words_seen": ref.words_seen, "path": str(ref.path) if ref.path else None,
                                      "content_hash": None, "tasks": {}}
        results["checkpoints"][ref.name] = self.entry
        self.scorer: Any = None
        self.load_error: str | None = None

    def run(self, loaded: dict[str, list[Item]], across: Across) -> None:
        try:
            self.chash = content_hash(self.cache, self.ref)
        except OSError as exc:
            self.results["failures"].append({"checkpoint": self.ref.name, "task": None, "error": f"unreadable: {exc}"})
            self.bar.advance(sum(len(v) for v in loaded.values()))
            return
        self.entry["content_hash"] = self.chash
        for n, items in loaded.items():
            spec = registered_tasks()[n]
            key = self.job.key(self.chash, spec)
            ids = [it.id for it in items]
            scores = self.cache.get(key, ids)
            cached = scores is not None
            self.bar.describe(f"{self.ref.name} {n}" + (" (cached)" if cached else ""))
            if scores is None:
                scores = self._score(n, items)
                if scores is None:
                    continue
                self.cache.put(key, ids, scores)
            else:
                self.bar.advance(len(items))
            if spec.across_checkpoints is not None:
                across.setdefault(n, {})[self.ref.name] = (self.ref.words_seen or 0, scores)
                self.entry["tasks"][n] = {"status": "scored", "version": spec.version, "n_items": len(items),
                                          "cached": cached}
            else:
                self._result(spec, key, items, ids, scores, cached)
        close = getattr(self.scorer, "close", None)
        if close is not None:  # a sandboxed scorer: end its process now, not at garbage collection
            close()
        self.scorer = None

    def _load_scorer(self) -> Any:
        from babylm.evaluation.scorers import load as scorers

        if self.scorer is None and self.load_error is None:
            ref, job = self.ref, self.job
            try:
                code = _custom_code(ref.path)
                if code is not None:
                    self.entry["custom_code"] = code
                    self._refuse_code(code)
                self.scorer = scorers.make_scorer(ref.path or ref.repo, job.backend, compat=job.compat,
                                                  batch_size=job.batch_size, revision=ref.name if ref.repo else None,
                                                  engine=job.engine, trust_remote_code=job.trust_remote_code,
                                                  sandbox_limits=job.sandbox_limits, label=ref.name)
                self.entry["engine"] = getattr(self.scorer, "engine", "transformers")
                if code is not None:
                    self.entry["sandbox"] = {"model_class": self.scorer.model_class,
                                             "n_params": self.scorer.loaded.n_params}
            except (scorers.CheckpointError, BabyLMError) as exc:
                self.load_error = str(exc)
                self.results["failures"].append({"checkpoint": ref.name, "task": None, "error": f"load: {exc}"})
        return self.scorer

    def _refuse_code(self, code: dict[str, Any]) -> None:
        """A checkpoint with its own model code is scored only with trust_remote_code (in the sandbox)."""
        from babylm.evaluation.scorers.load import CheckpointError

        if not self.job.trust_remote_code:
            files = ", ".join(code["files"]) or "none in the folder"
            raise CheckpointError(f"{self.ref.path}: has custom model code (auto_map: "
                                  f"{', '.join(code['auto_map']) or '-'}; files: {files}); pass "
                                  "--trust-remote-code to run it in the sandbox",
                                  hint="the sandbox: no network, read-only checkpoint, resource limits")

    def _score(self, n: str, items: list[Item]) -> list[list[float]] | None:
        """Fresh scores, or None after recording why there are none."""
        from babylm.evaluation.scorers.load import ScoreError

        scorer = self._load_scorer()
        if scorer is None:
            self.entry["tasks"][n] = {"status": "failed", "error": f"checkpoint did not load: {self.load_error}"}
            self.bar.advance(len(items))
            return None
        try:
            return score_task_items(scorer, items, self.bar.advance)
        except (ScoreError, BabyLMError) as exc:
            self._fail(n, f"{self.ref.name}/{n}: {exc}")
        except Exception as exc:  # keep going: record and move to the next task
            self._fail(n, f"{self.ref.name}/{n}: {type(exc).__name__}: {exc}")
        return None

    def _result(self, spec: TaskSpec, key: dict[str, str], items: list[Item], ids: list[str],
                scores: list[list[float]], cached: bool) -> None:
        from babylm.evaluation.results import task_result_to_dict

        include = self.job.include_items
        result_key = {**key, "items": include, "item_ids": hashlib.sha256("\n".join(ids).encode()).hexdigest()}
        d = self.cache.get_derived(result_key) if cached else None  # bootstrap intervals take a while
        if d is None:
            try:
                tr = spec.compute(items, scores, self.job.compat)
            except Exception as exc:
                self._fail(spec.name, f"{self.ref.name}/{spec.name}: metric failed: {type(exc).__name__}: {exc}")
                return
            d = task_result_to_dict(tr, include_items=include)
            self.cache.put_derived(result_key, d)
        d["status"], d["cached"] = "ok", cached
        self.entry["tasks"][spec.name] = d

    def _fail(self, task: str, msg: str) -> None:
        self.entry["tasks"][task] = {"status": "failed", "error": msg}
        self.results["failures"].append({"checkpoint": self.ref.name, "task": task, "error": msg})


def _custom_code(path: Path | None) -> dict[str, Any] | None:
    """The custom code (auto_map + hashed code files) of a local checkpoint that declares auto_map."""
    from babylm.evaluation.scorers.load import custom_code_of

    if path is None or custom_code_of(path) is None:
        return None
    from babylm.evaluation.sandbox.code import custom_code

    return custom_code(path)


def _score_across(n: str, per_ckpt: dict[str, tuple[int, list[list[float]]]], items: list[Item], job: EvalJob,
                  cache: Any, results: dict[str, Any]) -> None:
    """A task that needs every checkpoint at once (AoA): one result for the run, cached by the
    checkpoints' content."""
    from babylm.evaluation.results import task_result_to_dict

    spec = registered_tasks()[n]
    derived_key = {"task": n, "version": spec.version, "backend": job.backend, "compat": job.compat,
                   "split": job.split, "items": job.include_items, "checkpoints": [
                       [name, words, results["checkpoints"][name]["content_hash"]]
                       for name, (words, _) in per_ckpt.items()]}
    try:
        d = cache.get_derived(derived_key)
        if d is None:
            tr = spec.across_checkpoints(items, per_ckpt)  # type: ignore[misc]
            d = task_result_to_dict(tr, include_items=job.include_items)
            d["status"], d["checkpoints"] = "ok", list(per_ckpt)
            cache.put_derived(derived_key, d)
        results["across_checkpoints"][n] = d
    except Exception as exc:
        results["failures"].append({"checkpoint": None, "task": n,
                                    "error": f"across checkpoints: {type(exc).__name__}: {exc}"})


def write_outputs(results: dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """results.json and the official predictions file in `out_dir`."""
    from babylm.evaluation.results import write_official_predictions, write_results

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res = write_results(results, out / "results.json")
    off = write_official_predictions(results, out / f"all_full_preds_and_fast_scores_{results['backend']}.json")
    return res, off


def _add_pred_texts(results: dict[str, Any], loaded: dict[str, list[Item]]) -> None:
    """Give the last checkpoint's items the predicted candidate's text (for the official file)."""
    ckpts = list(results["checkpoints"].values())
    if not ckpts:
        return
    for n, tres in ckpts[-1]["tasks"].items():
        if n not in loaded or "items" not in tres:
            continue
        by_id = {it.id: it for it in loaded[n]}
        for row in tres["items"]:
            it = by_id.get(row["id"])
            if it is not None and 0 <= row["pred"] < len(it.candidates):
                row["pred_text"] = it.candidates[row["pred"]].continuation
