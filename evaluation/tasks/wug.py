"""WUG tests: which derived form of a nonce word do people prefer, and does the model agree?

Each row has `sentences` (TAB-separated candidates, scored as whole sentences) and `ratio`, the share
of people who chose candidate 0. The model's preference is P(candidate 0) under a softmax over the
candidates' sentence log-probabilities; the score is Spearman's rho between it and `ratio`.
- wug_adj: adjective nominalization (-ity vs -ness; Hofmann et al.), 200 items in fast and full.
- wug_past: past tense of nonce verbs (Weissweiler et al.). The data is not public here: its loader
  reports "not available" unless a `wug_past_tense/` folder in the same format is present.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, Item, ItemScore, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import predict
from babylm.evaluation.metrics.human import softmax_first, spearman
from babylm.evaluation.tasks.common import check_scores, jsonl_loader, register
from babylm.evaluation.tasks.datafiles import DataFile

VERSION = "1"


def _parser(task: str):  # noqa: ANN202 - a RowParser
    def parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], None, dict[str, Any]]:
        sentences = str(row["sentences"]).split("\t")
        if len(sentences) < 2:
            raise ValueError("`sentences` must hold at least 2 TAB-separated candidates")
        ratio = float(row["ratio"])
        if not 0.0 <= ratio <= 1.0:
            raise ValueError(f"ratio {ratio} is not a proportion")
        return task, [ScoreRequest("", s) for s in sentences], None, {"ratio": ratio}

    return parse


def _compute(task: str):  # noqa: ANN202 - a TaskSpec compute
    def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
        check_scores(task, items, scores)
        if not items:
            raise BabyLMError(f"{task}: no items to score")
        probs = [softmax_first(sc) for sc in scores]
        ratios = [float(it.extra["ratio"]) for it in items]
        rho = spearman(probs, ratios)
        scored = []
        for it, sc in zip(items, scores, strict=True):
            pred, tie = predict(sc)
            scored.append(ItemScore(it.id, it.subtask, [float(s) for s in sc], pred, math.nan, tie))
        # The official predictions file has the preferred sentence and P(candidate 0) as "prob".
        rows = [{"id": it.id, "pred": it.candidates[s.pred].continuation, "prob": p}
                for it, s, p in zip(items, scored, probs, strict=True)]
        details: dict[str, Any] = {"official_predictions": {task: rows}}
        if math.isnan(rho):
            details["warning"] = "Spearman undefined (constant model preferences or ratios); scored 0"
            rho = 0.0
        return TaskResult(
            task=task, version=VERSION, metric="spearman", score=rho, subtasks={task: rho}, n_items=len(items),
            tie_rate=sum(s.tie for s in scored) / len(scored), items=scored, details=details,
        )

    return compute


WUG_ADJ_EXPECTED: dict[Split, int] = {"fast": 200, "full": 200}
FOLDERS = {"wug_adj": "wug_adj_nominalization", "wug_past": "wug_past_tense"}
load_wug_adj = jsonl_loader("wug_adj", dict.fromkeys(("fast", "full"), FOLDERS["wug_adj"]), _parser("wug_adj"),
                            fields=("sentences", "ratio"), expected=WUG_ADJ_EXPECTED)
load_wug_past = jsonl_loader("wug_past", dict.fromkeys(("fast", "full"), FOLDERS["wug_past"]), _parser("wug_past"),
                             fields=("sentences", "ratio"), expected={})  # official counts unknown here
load_wug_adj.__doc__ = "wug_adj items from `<split>_eval/wug_adj_nominalization/` (one sub-task, ids `wug_adj_<n>`)."
load_wug_past.__doc__ = "wug_past items from `<split>_eval/wug_past_tense/` (one sub-task, ids `wug_past_<n>`)."
compute_wug_adj = _compute("wug_adj")
compute_wug_past = _compute("wug_past")

WUG_ADJ = register(
    name="wug_adj", version=VERSION, metric="spearman", loader=load_wug_adj, compute=compute_wug_adj,
    expected_counts=dict(WUG_ADJ_EXPECTED), category="human_likeness", official_key="wug_adj",
    description="WUG adjectives: does the model prefer -ity or -ness for nonce adjectives as people do",
    unit="Spearman rho", chance=0.0,
)
WUG_PAST = register(
    name="wug_past", version=VERSION, metric="spearman", loader=load_wug_past, compute=compute_wug_past,
    expected_counts={}, category="human_likeness", official_key="wug_past",
    description="WUG past tense: does the model prefer the past-tense forms of nonce verbs people do",
    unit="Spearman rho", chance=0.0,
)


def available(data_root: Path, split: Split, names: Sequence[str] = ("wug_adj", "wug_past")) -> dict[str, bool]:
    """Which WUG tasks have data under `data_root` for `split`."""
    from babylm.evaluation.tasks.datafiles import DataFileError, task_files

    out = {}
    for name in names:
        try:
            task_files(data_root, split, FOLDERS[name])
            out[name] = True
        except DataFileError:
            out[name] = False
    return out
