"""The harness's results JSON (`babylm.results/1`) and the official
`all_full_preds_and_fast_scores_<backend>.json` (2025 pipeline format): writers and readers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import TaskResult
from babylm.evaluation.cache import atomic_write_text

RESULTS_FORMAT = "babylm.results/1"
OFFICIAL_KEYS = ("blimp", "blimp_supplement", "ewok", "entity_tracking", "wug_adj", "wug_past", "comps",
                 "reading", "aoa", "glue", "vqa", "winoground", "devbench")


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
    path = Path(path)
    # compact: the C encoder (indent forces the pure-Python one, seconds on 13,400 items x checkpoints)
    atomic_write_text(path, json.dumps(results, separators=(",", ":"), allow_nan=False))
    return path


def _read_json(path: Path, what: str) -> Any:
    """Parse a JSON file; a missing or corrupt file is a user error naming it."""
    if not path.is_file():
        raise BabyLMError(f"{what} file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BabyLMError(f"{path}: not valid JSON ({exc})", hint="the file is truncated or corrupt") from exc


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and check a results file (format field, checkpoints object)."""
    path = Path(path)
    data = _read_json(path, "results")
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise BabyLMError(f"{path}: field 'format' is {got!r}, expected {RESULTS_FORMAT!r}",
                          hint="is this a babylm results.json?")
    if not isinstance(data.get("checkpoints"), dict):
        raise BabyLMError(f"{path}: field 'checkpoints' missing or not an object")
    return data


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
    path = Path(path)
    atomic_write_text(path, json.dumps(official_predictions(results), separators=(",", ":"), allow_nan=False))
    return path


def read_official_predictions(path: str | Path) -> dict[str, Any]:
    """Read an official predictions file, checking its shape; errors name the file and the key."""
    path = Path(path)
    data = _read_json(path, "predictions")
    if not isinstance(data, dict):
        raise BabyLMError(f"{path}: expected a JSON object at the top level")
    for key, block in data.items():
        if key == "fast_eval_results":
            if not isinstance(block, dict) or not all(isinstance(v, list) for v in block.values()):
                raise BabyLMError(f"{path}: 'fast_eval_results' must map task -> list of {{subtask: score}}")
            continue
        if key not in OFFICIAL_KEYS:
            raise BabyLMError(f"{path}: unknown top-level key {key!r}", hint=f"known: {', '.join(OFFICIAL_KEYS)}")
        if not isinstance(block, dict):
            raise BabyLMError(f"{path}: {key!r} must be an object of sub-tasks")
        for sub, body in block.items():
            preds = body.get("predictions") if isinstance(body, dict) else None
            if not isinstance(preds, list) or not all(isinstance(p, dict) and "id" in p for p in preds):
                raise BabyLMError(f"{path}: {key}.{sub} must hold 'predictions': [{{'id': ..., 'pred': ...}}]")
    return data
