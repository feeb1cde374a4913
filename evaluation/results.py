"""Building the two output files from a run: task results as JSON-ready dicts, the official
predictions object; reading and writing go through the format models in `formats`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from babylm.evaluation.api import TaskResult
from babylm.evaluation.formats import RESULTS_FORMAT, OfficialPredictions, ResultsFile

__all__ = ["RESULTS_FORMAT", "clean_json", "load_results", "official_predictions", "read_official_predictions",
           "task_result_to_dict", "write_official_predictions", "write_results"]


def __getattr__(name: str) -> Any:
    if name == "OFFICIAL_KEYS":  # the official file's task keys, from the registry
        from babylm.evaluation.registry import official_keys

        return official_keys()
    raise AttributeError(name)


def _num(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def clean_json(obj: Any) -> Any:
    """A copy that strict JSON can hold: NaN/inf -> null, tuples -> lists, numpy scalars -> numbers."""
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_json(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and not isinstance(obj, str | bytes):
        try:
            obj = obj.item()
        except (TypeError, ValueError):
            return str(obj)
    if isinstance(obj, float):
        return _num(obj)
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    return str(obj)


def task_result_to_dict(tr: TaskResult, include_items: bool = True) -> dict[str, Any]:
    """JSON-ready dict of a TaskResult (non-finite numbers become null)."""
    d: dict[str, Any] = {
        "version": tr.version, "metric": tr.metric, "score": _num(tr.score),
        "ci95": [_num(tr.ci95[0]), _num(tr.ci95[1])] if tr.ci95 else None,
        "tie_rate": _num(tr.tie_rate), "n_items": tr.n_items,
        "subtasks": {k: _num(v) for k, v in tr.subtasks.items()},
    }
    if tr.details:
        d["details"] = clean_json(tr.details)
    if include_items:
        d["items"] = [
            {"id": it.id, "subtask": it.subtask, "scores": [round(s, 6) for s in it.scores], "pred": it.pred,
             "correct": _num(it.correct), "tie": it.tie}
            for it in tr.items
        ]
    return d


def write_results(results: dict[str, Any], path: str | Path) -> Path:
    """Write `results.json` (checked against `ResultsFile` first)."""
    return ResultsFile.from_dict(results).write(path)


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and check a results file (format field, checkpoints object); the plain dict."""
    return ResultsFile.read(path).to_dict()


def official_predictions(results: dict[str, Any]) -> dict[str, Any]:
    """The official submission object built from a results dict.

    Task blocks hold the predictions of the LAST checkpoint (the final model); `fast_eval_results`
    holds, per task, one {subtask: score} per checkpoint in order (fast split runs only). A task can
    supply its own prediction rows in `details["official_predictions"]` ({subtask: [{"id", "pred", ...}]});
    otherwise a row is {"id", "pred"} with pred = the predicted candidate's text (for minimal pairs,
    the sentence the model prefers, as the official collator compares it with sentence_good).
    """
    official_keys: dict[str, str] = results.get("official_keys", {})
    out: dict[str, Any] = {}
    ckpts = list(results["checkpoints"].items())
    if ckpts:
        _, last = ckpts[-1]
        for task, tres in last.get("tasks", {}).items():
            key = official_keys.get(task)
            if not key or tres.get("status", "ok") != "ok":
                continue
            custom = (tres.get("details") or {}).get("official_predictions")
            if custom:
                out[key] = {sub: {"predictions": rows} for sub, rows in custom.items()}
                continue
            block: dict[str, Any] = {}
            for it in tres.get("items", []):
                pred = it.get("pred_text", it["pred"])
                block.setdefault(it["subtask"], {"predictions": []})["predictions"].append(
                    {"id": it["id"], "pred": pred})
            out[key] = block
    for task, tres in (results.get("across_checkpoints") or {}).items():
        key = official_keys.get(task)
        custom = (tres.get("details") or {}).get("official_predictions")
        if key and custom:
            out[key] = {sub: {"predictions": rows} for sub, rows in custom.items()}
    if results.get("split") == "fast":
        fast: dict[str, list[dict[str, Any]]] = {}
        for _, ck in ckpts:
            for task, tres in ck.get("tasks", {}).items():
                key = official_keys.get(task)
                if key and tres.get("status", "ok") == "ok" and tres.get("subtasks"):
                    fast.setdefault(key, []).append(dict(tres["subtasks"]))
        out["fast_eval_results"] = fast
    return out


def write_official_predictions(results: dict[str, Any], path: str | Path) -> Path:
    # built by us from checked results: written without re-validating every row
    return OfficialPredictions.model_construct(official_predictions(results)).write(path)


def read_official_predictions(path: str | Path) -> dict[str, Any]:
    """Read an official predictions file, checking its shape; errors name the file and the key."""
    return OfficialPredictions.read(path).to_dict()
