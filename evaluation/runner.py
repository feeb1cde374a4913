"""The checkpoint runner: tasks x checkpoints, cached, with per-item scores and failure records.

`evaluate_run` is the one entry point (the CLI, the demo and organizer re-evaluation call it). A
checkpoint that does not load, a task whose data is broken or a NaN score is recorded in
`results["failures"]` and the other checkpoints and tasks still run; tasks whose data is absent are
listed in `results["unavailable"]`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import TASKS, Compat, Item, Split, TaskSpec

DEMO_TASKS = ("demo",)  # generated tasks: run only when named
CHUNK_ITEMS = 1024  # items per scorer call (progress granularity; results do not depend on it)


@dataclass
class CheckpointRef:
    name: str
    path: Path | None  # local folder
    repo: str | None = None  # Hub repo id (revision = name)
    words_seen: int | None = None


def import_task_modules() -> None:
    """Import every module of babylm.evaluation.tasks so each registers its TaskSpec."""
    import importlib
    import pkgutil

    import babylm.evaluation.tasks as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"babylm.evaluation.tasks.{mod.name}")


def default_data_root(data_root: str | Path | None = None) -> Path | None:
    """--data, else $BABYLM_EVAL_DATA, else ./evaluation_data, else ../shared/data/babylm_eval_2025."""
    if data_root is not None:
        root = Path(data_root).expanduser()
        if not root.is_dir():
            raise BabyLMError(f"evaluation data folder not found: {root}",
                              hint="pass the folder holding fast_eval/ and full_eval/ with --data")
        return root
    env = os.environ.get("BABYLM_EVAL_DATA")
    candidates = [Path(env)] if env else []
    candidates += [Path.cwd() / "evaluation_data", Path.cwd().parent / "shared" / "data" / "babylm_eval_2025",
                   Path(__file__).resolve().parents[2] / "shared" / "data" / "babylm_eval_2025"]
    return next((c for c in candidates if c.is_dir()), None)


def _words_seen(folder: Path, name: str) -> int | None:
    meta = folder / "babylm_checkpoint.json"
    if meta.is_file():
        try:
            return int(json.loads(meta.read_text(encoding="utf-8"))["words_seen"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    from babylm.tracks.rules import parse_checkpoint_name

    try:
        return parse_checkpoint_name(name)
    except ValueError:
        return None


def discover_checkpoints(model: str | Path, checkpoints: str | Sequence[str] | None, track: Any) -> list[
    CheckpointRef
]:
    """Checkpoints to evaluate, in schedule order: `chck_{N}M` sub-folders (+ the folder itself as
    "main" when it holds a model), or Hub revisions when `model` is not a local path."""
    from babylm.tracks.rules import parse_checkpoint_name

    wanted = None
    if isinstance(checkpoints, str) and checkpoints != "all":
        wanted = [c.strip() for c in checkpoints.split(",") if c.strip()]
    elif checkpoints is not None and not isinstance(checkpoints, str):
        wanted = list(checkpoints)
    root = Path(model).expanduser()
    if not root.exists():
        if "/" not in str(model) or str(model).startswith((".", "/", "~")):
            raise BabyLMError(f"model folder not found: {model}", hint="pass a run folder or a Hub repo id")
        names = wanted or list(track.checkpoint_names)
        return [CheckpointRef(n, None, repo=str(model), words_seen=_nominal(n)) for n in names]
    if not root.is_dir():
        raise BabyLMError(f"not a folder: {root}", hint="pass the run folder that holds chck_*M checkpoints")
    found: dict[str, Path] = {}
    for p in root.iterdir():
        if p.is_dir() and p.name.startswith("chck_"):
            try:
                parse_checkpoint_name(p.name)
            except ValueError:
                continue
            found[p.name] = p
    ordered = sorted(found, key=parse_checkpoint_name)
    if (root / "config.json").is_file():
        found["main"] = root
        ordered.append("main")
    if wanted is not None:
        missing = [w for w in wanted if w not in found]
        if missing:
            raise BabyLMError(f"checkpoint(s) not found in {root}: {', '.join(missing)}",
                              hint=f"available: {', '.join(ordered) or 'none'}")
        ordered = [n for n in ordered if n in wanted]
    if not ordered:
        raise BabyLMError(f"no checkpoints in {root}", hint="expected chck_<N>M folders or a model folder")
    return [CheckpointRef(n, found[n], words_seen=_words_seen(found[n], n)) for n in ordered]


def _nominal(name: str) -> int | None:
    from babylm.tracks.rules import parse_checkpoint_name

    try:
        return parse_checkpoint_name(name)
    except ValueError:
        return None


def resolve_tasks(tasks: str | Sequence[str], split: Split) -> list[str]:
    """Task names: "fast"/"full" = every registered non-demo task with that split; else a list."""
    import_task_modules()
    if isinstance(tasks, str) and tasks in ("fast", "full"):
        return sorted(n for n, s in TASKS.items() if split in s.splits and n not in DEMO_TASKS)
    names = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise BabyLMError(f"unknown task(s): {', '.join(unknown)}", hint=f"known tasks: {', '.join(sorted(TASKS))}")
    bad = [n for n in names if split not in TASKS[n].splits]
    if bad:
        raise BabyLMError(f"task(s) without a {split!r} split: {', '.join(bad)}", hint="pick another --split")
    return names


def load_task_items(spec: TaskSpec, data_root: Path | None, split: Split) -> tuple[list[Item] | None, str | None,
                                                                                 bool]:
    """(items, problem, unavailable): problem is None when the items loaded."""
    from babylm.evaluation.tasks.datafiles import DataFileError

    if data_root is None and spec.name not in DEMO_TASKS:
        return None, "no evaluation data folder found (pass --data)", True
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
) -> dict[str, Any]:
    """Evaluate tasks x checkpoints; returns the results object (babylm.results/1).

    With `out_dir`, also writes `results.json` and `all_full_preds_and_fast_scores_<backend>.json`.
    """
    from babylm import __version__
    from babylm.evaluation.cache import ResultCache
    from babylm.evaluation.results import RESULTS_FORMAT, task_result_to_dict
    from babylm.evaluation.scorers.load import BACKENDS, ENGINES, CheckpointError, ScoreError, make_scorer
    from babylm.tracks.rules import Track, get_track

    t0 = time.perf_counter()
    if backend not in BACKENDS:
        raise BabyLMError(f"unknown backend {backend!r}", hint=f"choose one of {', '.join(BACKENDS)}")
    if compat not in ("babylm", "official"):
        raise BabyLMError(f"unknown compat {compat!r}", hint="use 'babylm' or 'official'")
    if engine not in ENGINES:
        raise BabyLMError(f"unknown engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    trk = track if isinstance(track, Track) else get_track(str(track))
    split = split or ("full" if tasks == "full" else "fast")
    if split not in ("fast", "full"):
        raise BabyLMError(f"unknown split {split!r}", hint="use 'fast' or 'full'")
    names = resolve_tasks(tasks, split)
    refs = discover_checkpoints(model, checkpoints, trk)
    root = default_data_root(data_root)
    local_model = Path(model).expanduser()
    cache = ResultCache(Path(cache_dir) if cache_dir else (
        local_model / ".babylm_cache" if local_model.is_dir() else Path.home() / ".cache" / "babylm"))

    results: dict[str, Any] = {
        "format": RESULTS_FORMAT, "harness_version": __version__, "model": str(model), "backend": backend,
        "engine": engine, "compat": compat, "track": trk.key, "split": split, "data_root": str(root) if root else None,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "tasks": names,
        "official_keys": {n: TASKS[n].official_key for n in names if TASKS[n].official_key},
        "checkpoints": {}, "across_checkpoints": {}, "unavailable": {}, "failures": [], "warnings": [],
    }
    loaded: dict[str, list[Item]] = {}
    for n in names:
        spec = TASKS[n]
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

    total = len(refs) * sum(len(v) for v in loaded.values())
    across: dict[str, dict[str, tuple[int, list[list[float]]]]] = {}
    with _progress(progress, total) as bar:
        for ref in refs:
            entry: dict[str, Any] = {"words_seen": ref.words_seen, "path": str(ref.path) if ref.path else None,
                                     "content_hash": None, "tasks": {}}
            results["checkpoints"][ref.name] = entry
            try:
                chash = _content_hash(cache, ref)
            except OSError as exc:
                results["failures"].append({"checkpoint": ref.name, "task": None, "error": f"unreadable: {exc}"})
                bar.advance(sum(len(v) for v in loaded.values()))
                continue
            entry["content_hash"] = chash
            scorer: Any = None
            load_error: str | None = None
            for n, items in loaded.items():
                spec = TASKS[n]
                key = {"content_hash": chash, "task": n, "version": spec.version, "backend": backend,
                       "compat": compat, "split": split}
                ids = [it.id for it in items]
                scores = cache.get(key, ids)
                cached = scores is not None
                bar.describe(f"{ref.name} {n}" + (" (cached)" if cached else ""))
                if scores is None:
                    if scorer is None and load_error is None:
                        try:
                            scorer = make_scorer(ref.path or ref.repo, backend, compat=compat, batch_size=batch_size,
                                                 revision=ref.name if ref.repo else None, engine=engine)
                            entry["engine"] = getattr(scorer, "engine", "transformers")
                        except (CheckpointError, BabyLMError) as exc:
                            load_error = str(exc)
                            results["failures"].append({"checkpoint": ref.name, "task": None,
                                                        "error": f"load: {exc}"})
                    if scorer is None:
                        entry["tasks"][n] = {"status": "failed", "error": f"checkpoint did not load: {load_error}"}
                        bar.advance(len(items))
                        continue
                    try:
                        scores = score_task_items(scorer, items, bar.advance)
                    except (ScoreError, BabyLMError) as exc:
                        _fail(results, entry, ref.name, n, f"{ref.name}/{n}: {exc}")
                        continue
                    except Exception as exc:  # keep going: record and move to the next task
                        _fail(results, entry, ref.name, n, f"{ref.name}/{n}: {type(exc).__name__}: {exc}")
                        continue
                    cache.put(key, ids, scores)
                else:
                    bar.advance(len(items))
                if spec.across_checkpoints is not None:
                    across.setdefault(n, {})[ref.name] = (ref.words_seen or 0, scores)
                    entry["tasks"][n] = {"status": "scored", "version": spec.version, "n_items": len(items),
                                         "cached": cached}
                    continue
                result_key = {**key, "items": include_items,
                              "item_ids": hashlib.sha256("\n".join(ids).encode()).hexdigest()}
                d = cache.get_derived(result_key) if cached else None  # bootstrap intervals take a while
                if d is None:
                    try:
                        tr = spec.compute(items, scores, compat)
                    except Exception as exc:
                        _fail(results, entry, ref.name, n,
                              f"{ref.name}/{n}: metric failed: {type(exc).__name__}: {exc}")
                        continue
                    d = task_result_to_dict(tr, include_items=include_items)
                    cache.put_derived(result_key, d)
                d["status"], d["cached"] = "ok", cached
                entry["tasks"][n] = d
            del scorer
    for n, per_ckpt in across.items():
        spec = TASKS[n]
        derived_key = {"task": n, "version": spec.version, "backend": backend, "compat": compat, "split": split,
                       "items": include_items, "checkpoints": [
                           [name, words, results["checkpoints"][name]["content_hash"]]
                           for name, (words, _) in per_ckpt.items()]}
        try:
            d = cache.get_derived(derived_key)
            if d is None:
                tr = spec.across_checkpoints(loaded[n], per_ckpt)  # type: ignore[misc]
                d = task_result_to_dict(tr, include_items=include_items)
                d["status"], d["checkpoints"] = "ok", list(per_ckpt)
                cache.put_derived(derived_key, d)
            results["across_checkpoints"][n] = d
        except Exception as exc:
            results["failures"].append({"checkpoint": None, "task": n,
                                        "error": f"across checkpoints: {type(exc).__name__}: {exc}"})
    _add_pred_texts(results, loaded)
    results["wall_time_s"] = round(time.perf_counter() - t0, 3)
    if out_dir is not None:
        write_outputs(results, out_dir)
    return results


def write_outputs(results: dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """results.json and the official predictions file in `out_dir`."""
    from babylm.evaluation.results import write_official_predictions, write_results

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res = write_results(results, out / "results.json")
    off = write_official_predictions(results, out / f"all_full_preds_and_fast_scores_{results['backend']}.json")
    return res, off


def _fail(results: dict[str, Any], entry: dict[str, Any], ckpt: str, task: str, msg: str) -> None:
    entry["tasks"][task] = {"status": "failed", "error": msg}
    results["failures"].append({"checkpoint": ckpt, "task": task, "error": msg})


def _content_hash(cache: Any, ref: CheckpointRef) -> str:
    import hashlib

    if ref.path is not None:
        return cache.content_hash(ref.path)
    # Hub revision: the name is all we have before downloading (a moved branch is not detected).
    return hashlib.sha256(f"hub:{ref.repo}@{ref.name}".encode()).hexdigest()


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


class _Bar:
    def __init__(self, prog: Any, task_id: Any) -> None:
        self.prog, self.task_id = prog, task_id

    def advance(self, n: int) -> None:
        if self.prog is not None:
            self.prog.advance(self.task_id, n)

    def describe(self, text: str) -> None:
        if self.prog is not None:
            self.prog.update(self.task_id, description=text)


class _progress:
    """Rich progress bar with items/s (or nothing when disabled)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total, self.prog = enabled, total, None

    def __enter__(self) -> _Bar:
        if not self.enabled:
            return _Bar(None, None)
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(f"{task.speed:,.0f} items/s" if task.speed else "- items/s")

        from babylm.output import err_console

        self.prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                             TimeElapsedColumn(), console=err_console, transient=False)
        self.prog.start()
        return _Bar(self.prog, self.prog.add_task("evaluating", total=self.total))

    def __exit__(self, *exc: Any) -> None:
        if self.prog is not None:
            self.prog.stop()
