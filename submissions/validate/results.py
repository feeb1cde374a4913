"""results.json: every required checkpoint and task, finite scores, official item counts, bundled weights."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from babylm.evaluation import registry
from babylm.evaluation.formats import RESULTS_FORMAT
from babylm.submissions.findings import error, warning
from babylm.submissions.validate.context import Context
from babylm.submissions.validate.items import bad_ci, bad_name, finite, is_id, unknown_items
from babylm.submissions.validate.recompute import check_task_score

if TYPE_CHECKING:  # pragma: no cover
    from babylm.submissions.formats import SubmissionManifest
    from babylm.tracks.rules import Track


def check_results(c: Context, m: SubmissionManifest) -> None:
    rel = m.files.results
    if not rel or not (c.root / rel).is_file():
        return
    data = c.json(rel, "E_RESULTS")
    if not isinstance(data, dict):
        return
    if data.get("format") != RESULTS_FORMAT:
        c.F.add(error("E_RESULTS_FORMAT", f"{rel}: format {data.get('format')!r} is not '{RESULTS_FORMAT}'",
                      "write it with `babylm eval run`", rel))
        return
    split = c.split or data.get("split") or "fast"
    if not isinstance(split, str):
        c.F.add(error("E_RESULTS_SCHEMA", f"{rel}: split {str(split)[:60]} is not a string",
                      "write it with `babylm eval run`", rel))
        return
    c.results_split = split
    c.results_compat = str(data.get("compat") or "babylm")
    ckpts = data.get("checkpoints")
    if not isinstance(ckpts, dict) or not ckpts:
        c.F.add(error("E_RESULTS_SCHEMA", f"{rel}: no 'checkpoints'", "write it with `babylm eval run`", rel))
        return
    for name in c.required:
        if name not in ckpts:
            c.F.add(error("E_RESULTS_CHECKPOINT", f"{rel}: no results for checkpoint {name}",
                          "evaluate every checkpoint (`babylm eval run RUN`)", rel))
    seen_tasks: set[str] = set()
    for name, entry in ckpts.items():
        seen_tasks |= _checkpoint_results(c, m, rel, name, entry, split)
    for t in missing_tasks(c.track, split, seen_tasks):
        sev, code = (warning, "W_TASK_MISSING") if c.track.is_scaled else (error, "E_TASK_MISSING")
        c.F.add(sev(code, f"{rel}: task {t} ({split}) has no results", f"evaluate with --tasks {split}", rel))
    c.rep.summary["results_tasks"] = sorted(seen_tasks)
    check_across(c, rel, data, ckpts)
    _check_shape(c, rel, data)


def _checkpoint_results(c: Context, m: SubmissionManifest, rel: str, name: str, entry: Any, split: str) -> set[str]:
    """Check one checkpoint's entry; the task names it holds."""
    results_hash(c, rel, m, name, entry)
    if c.required and name not in c.required and name in (c.track.names if c.track else ()):
        c.F.add(error("E_RESULTS_CHECKPOINT", f"{rel}: results for {name}, which the ledger never reached",
                      "evaluate the bundled checkpoints only", rel))
    results = entry.get("tasks") if isinstance(entry, dict) else None
    if not isinstance(results, dict):
        c.F.add(error("E_RESULTS_SCHEMA", f"{rel}: checkpoint {name} has no 'tasks'", "", rel))
        return set()
    for tname, t in results.items():
        result_task(c, rel, name, tname, t, split)
    return set(results)


def missing_tasks(track: Track, split: str, seen: set[str]) -> list[str]:
    """The track's required tasks (`registry.task_sets(track).required`) that have official counts on
    `split` and no results, in registry order. A task the track does not list is never required, and a
    track whose task sets are `partial` requires none."""
    sets = registry.task_sets(track)
    if sets.partial:  # 2026 multilingual: "incomplete evaluation is allowed", a missing task scores 0
        return []
    required = set(sets.required)
    return [name for name, s in registry.tasks().items()
            if name in required and split in s.splits and s.expected_counts.get(split)  # type: ignore[call-overload]
            and s.category != "finetune" and name not in seen]


def _check_shape(c: Context, rel: str, data: dict[str, Any]) -> None:
    """The results format model (`evaluation.formats.ResultsFile`, the reader scoring uses) accepts the
    file; only asked when the checks above found nothing, so its message adds to them, never repeats."""
    from babylm.errors import BabyLMError
    from babylm.evaluation.formats import ResultsFile

    if any(f.where == rel and f.severity == "error" for f in c.F.items):
        return
    try:
        ResultsFile.from_dict(data, where=rel)
    except BabyLMError as exc:
        c.F.add(error("E_RESULTS_SCHEMA", str(exc), exc.hint or "write it with `babylm eval run`", rel))


def results_hash(c: Context, rel: str, m: SubmissionManifest, name: str, entry: Any) -> None:
    """Results must come from the bundled weights: compare the claimed content hash with the files."""
    from babylm.submissions.formats import checkpoint_content_hash

    claimed = entry.get("content_hash") if isinstance(entry, dict) else None
    folder = c.root / (m.model_location.path or "") / name
    if m.model_location.kind != "local" or not claimed or not folder.is_dir() or name not in c.required:
        return
    if checkpoint_content_hash(folder) != claimed:
        c.F.add(error("E_RESULTS_HASH", f"{rel}: results of {name} were computed on other weights (content "
                         "hash differs from the bundled checkpoint)", "re-evaluate the bundled checkpoints", rel))


def result_task(c: Context, rel: str, ck: str, tname: str, t: Any, split: str) -> None:
    where = f"{rel}: {ck}/{tname}"
    if not isinstance(t, dict):
        c.F.add(error("E_RESULTS_SCHEMA", f"{where} is not an object", "", rel))
        return
    if not _names_ok(c, rel, where, tname, t):
        return
    if t.get("status", "ok") != "ok":
        c.F.add(warning("W_TASK_FAILED", f"{where}: the evaluation failed ({str(t.get('error', ''))[:200]})",
                           "fix the failure and re-evaluate", rel))
        return
    score = t.get("score")
    if not finite(score):
        c.F.add(error("E_NAN", f"{where}: score {str(score)[:40]!r} is not a finite number", "re-run the evaluation",
                      rel))
    subs = t.get("subtasks")
    if subs is not None and not isinstance(subs, dict):
        c.F.add(error("E_RESULTS_SCHEMA", f"{where}: subtasks must be an object {{subtask: score}}", "", rel))
        subs = None
    for sub, v in (subs or {}).items():
        if not finite(v):
            c.F.add(error("E_NAN", f"{where}/{sub}: {str(v)[:40]!r} is not a finite number", "re-run the evaluation",
                          rel))
    if "ci95" in t and t["ci95"] is not None and (why := bad_ci(t["ci95"])):
        code, what = ("E_NAN", "finite numbers") if why == "finite" else ("E_RESULTS_SCHEMA", "[low, high], low <= high")
        c.F.add(error(code, f"{where}: ci95 {str(t['ci95'])[:60]} is not {what}", "re-run the evaluation", rel))
    items = t.get("items")
    n = t.get("n_items")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
        c.F.add(error("E_RESULTS_SCHEMA", f"{where}: n_items {str(n)[:40]!r} is not an integer", "", rel))
        n = None
    if items is not None and not isinstance(items, list):
        c.F.add(error("E_RESULTS_SCHEMA", f"{where}: items must be a list", "re-run the evaluation", rel))
        return
    if isinstance(items, list):
        if not all(isinstance(i, dict) and is_id(i.get("id")) and isinstance(i.get("subtask", ""), str)
                   for i in items):
            c.F.add(error("E_RESULTS_SCHEMA", f"{where}: every item must be an object with a string or integer id "
                          "(and a string subtask)", "re-run the evaluation", rel))
            return
        _items(c, rel, where, tname, split, items, n)
        check_task_score(c, rel, where, tname, t, items, c.results_compat)
        n = len(items)
    exp = expected_count(c, tname, split)
    if exp is not None and n is not None and n != exp and not c.track.is_scaled:
        c.F.add(error("E_ITEM_COUNT", f"{where}: {n} items, the official {split} set has {exp}",
                         "evaluate on the official data, all items", rel))


def _names_ok(c: Context, rel: str, where: str, tname: str, t: dict[str, Any]) -> bool:
    """The names a task result brings to the store (task, metric, version, sub-tasks) can be stored; a task
    the registry does not know is stored nowhere (W_UNKNOWN_TASK)."""
    named: list[tuple[str, Any]] = [("task", tname)]
    if "metric" in t:
        named.append(("metric", t["metric"]))
    if "version" in t and not (isinstance(t["version"], int) and abs(t["version"]) < 10**40):
        named.append(("version", t["version"]))
    subs = t.get("subtasks")
    named += [("subtask", s) for s in (subs if isinstance(subs, dict) else {})]
    for kind, v in named:
        why = bad_name(v, kind)
        if why:
            c.F.add(error("E_RESULTS_SCHEMA", f"{rel}: {kind} name {str(v)[:60]!r} {why}", "write it with "
                          "`babylm eval run`", rel))
            return False
    if tname not in registry.tasks() and t.get("status", "ok") == "ok":
        c.F.add(warning("W_UNKNOWN_TASK", f"{where}: not a task of this harness (a plugin not loaded?); its "
                        "result is not stored", "score with the plugin that registers it (--plugin)", rel))
    return True


def _items(c: Context, rel: str, where: str, tname: str, split: str, items: list[dict[str, Any]],
           n: int | None) -> None:
    if n is not None and n != len(items):
        c.F.add(error("E_ITEM_COUNT", f"{where}: n_items {n} but {len(items)} items", "", rel))
    ids = [i["id"] for i in items]
    if len(set(ids)) != len(ids):
        c.F.add(error("E_DUPLICATE_ID", f"{where}: duplicate item ids", "re-run the evaluation", rel))
    for it in items:
        sc = it.get("scores")
        if sc is not None and not isinstance(sc, list):
            c.F.add(error("E_RESULTS_SCHEMA", f"{where}: item {str(it['id'])[:60]}: scores must be a list of numbers",
                          "re-run the evaluation", rel))
            break
        if isinstance(sc, list) and not all(finite(x) for x in sc):
            c.F.add(error("E_NAN", f"{where}: item {str(it['id'])[:60]} has non-finite scores",
                             "check the model for NaN outputs", rel))
            break
    unknown_items(c, rel, where, tname, split, ids)
    gold = gold_counts(c, tname, split)
    if gold is not None:
        have: dict[str, int] = {}
        for it in items:
            have[it.get("subtask", "")] = have.get(it.get("subtask", ""), 0) + 1
        for sub, k in gold.items():
            if have.get(sub, 0) != k:
                c.F.add(error("E_ITEM_COUNT", f"{where}/{sub}: {have.get(sub, 0)} items, expected {k}",
                                 "evaluate on the official data, all items", rel))


def check_across(c: Context, rel: str, data: dict[str, Any], ckpts: dict[str, Any]) -> None:
    """A result over all checkpoints (AoA) is backed by per-checkpoint results: a task that is scored across
    checkpoints, every checkpoint it names (all the required ones) scored for it, a finite score."""
    across = data.get("across_checkpoints")
    if across is None:
        return
    if not isinstance(across, dict):
        c.F.add(error("E_RESULTS_SCHEMA", f"{rel}: across_checkpoints must be an object", "", rel))
        return
    specs = registry.tasks()
    for task, t in across.items():
        where = f"{rel}: across_checkpoints/{task}"
        if not isinstance(t, dict) or t.get("status", "ok") != "ok":
            continue
        spec = specs.get(task)
        if spec is None or getattr(spec, "across_checkpoints", None) is None:
            c.F.add(error("E_ACROSS_UNBACKED", f"{where}: {task} is not a task scored across checkpoints",
                          "write it with `babylm eval run`", rel))
            continue
        if not finite(t.get("score")):
            c.F.add(error("E_NAN", f"{where}: score {str(t.get('score'))[:40]!r} is not a finite number", "", rel))
        named = t.get("checkpoints", c.required)
        names = named if isinstance(named, list) and all(isinstance(x, str) for x in named) else []
        unscored = [ck for ck in c.required if ck not in names or not _scored(ckpts.get(ck), task)]
        if unscored or not names:
            c.F.add(error("E_ACROSS_UNBACKED", f"{where}: claimed over checkpoints without per-checkpoint "
                          f"results for {task} ({', '.join(unscored[:5]) or 'none named'})",
                          "evaluate every checkpoint with `babylm eval run` (it writes both)", rel))


def _scored(entry: Any, task: str) -> bool:
    tasks = entry.get("tasks") if isinstance(entry, dict) else None
    t = tasks.get(task) if isinstance(tasks, dict) else None
    return isinstance(t, dict) and t.get("status") in ("scored", "ok")


def expected_count(c: Context, task: str, split: str) -> int | None:
    spec = registry.tasks().get(task)
    return None if spec is None else spec.expected_counts.get(split)  # type: ignore[call-overload]


def gold_counts(c: Context, task: str, split: str) -> dict[str, int] | None:
    """Items per sub-task from the organizers' data, when a data root was given."""
    if c.data_root is None:
        return None
    spec = registry.tasks().get(task)
    if spec is None:
        return None
    counts: dict[str, int] = {}
    try:
        for it in spec.loader(Path(c.data_root), split):  # type: ignore[arg-type]
            counts[it.subtask] = counts.get(it.subtask, 0) + 1
    except Exception as exc:  # organizer data problem: say so, do not blame the bundle
        c.F.add(warning("W_GOLD_UNREADABLE", f"cannot read {task}/{split} from {c.data_root}: {exc}", "", ""))
        return None
    return counts
