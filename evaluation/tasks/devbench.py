"""DevBench (BabyLM 2025 multimodal track, optional): how human-like, across development, are a
model's image-text choices?

Implemented: the lexical task (visual vocabulary, `lex-viz_vocab`: a word, four pictures) and the
syntactic task (TROG, `gram-trog`: a sentence, four pictures). Each trial's candidates are
log P(text | image k) for its four images (image 1 is the target); the metric is DevBench's
model-human divergence D*_KL (`multimodal.devbench_metrics`: KL(human || softmax(beta * scores)),
beta fitted per age group) against the human response proportions, averaged over age groups, plus
the accuracy (the target scores highest). Sub-task score = exp(-D*_KL) in (0, 1], higher = more
human-like; the task score is their mean. The semantic task (THINGS: the RSA of the model's
image-embedding similarities with human similarity judgements) needs image embeddings, not
log-likelihoods, so it is not part of this task's score: `multimodal.evaluate.evaluate_checkpoint`
adds it to `details["devbench"]["sem-things"]` (`multimodal.things`); the runner does not.

Data (babylm's layout; the official pipeline reads DevBench's own assets, which are not in the
stored repository): `full_eval/devbench/<subtask>.jsonl`, one trial per line:
{"text": ..., "images": [4 paths relative to the file, target first], "human": {"<age bin>": [4 proportions]}}.
The official predictions file's `devbench` block (score arrays of shape (trials, 4, 1)) is not
produced: `devbench` stays among the registry's unscored official keys.
"""

from __future__ import annotations

import math
from typing import Any

from babylm.evaluation.api import Compat, Item, Split, TaskResult
from babylm.evaluation.metrics.accuracy import score_items
from babylm.evaluation.multimodal.data import relative_image
from babylm.evaluation.multimodal.devbench_metrics import fitted_kl
from babylm.evaluation.multimodal.requests import ImageScoreRequest
from babylm.evaluation.tasks.common import check_scores, jsonl_loader, register
from babylm.evaluation.tasks.datafiles import DataFile

NAME = "devbench"
VERSION = "1"
FOLDERS: dict[Split, str] = {"full": "devbench"}
SUBTASKS = ("lex-viz_vocab", "gram-trog")
EXPECTED: dict[Split, int] = {"full": 119 + 76}  # trials: visual vocabulary 119, TROG 76 (official shapes)
PER_FILE: dict[Split, dict[str, int]] = {"full": {"lex-viz_vocab": 119, "gram-trog": 76}}
FIELDS = ("text", "images", "human")


def _parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ImageScoreRequest], int, dict[str, Any]]:
    images, human = row["images"], row["human"]
    if not isinstance(images, list) or len(images) < 2:
        raise ValueError("images must list the trial's pictures, target first")
    if not isinstance(human, dict) or not human:
        raise ValueError("human must map age bins to response proportions")
    props = {}
    for age, p in human.items():
        if not isinstance(p, list) or len(p) != len(images) or not all(isinstance(v, (int, float)) and v >= 0 for v in p) \
                or sum(p) <= 0:
            raise ValueError(f"human[{age!r}] needs {len(images)} non-negative proportions")
        props[str(age)] = [float(v) for v in p]
    text = str(row["text"])
    candidates = [ImageScoreRequest("", text, relative_image(df, lineno, im)) for im in images]
    return df.stem, candidates, 0, {"human": props}


load = jsonl_loader(NAME, FOLDERS, _parse, fields=FIELDS, expected=EXPECTED, per_file=PER_FILE)
load.__doc__ = """DevBench lexical and syntactic trials; `subtasks` picks files ("lex-viz_vocab", "gram-trog")."""


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores(NAME, items, scores)
    scored = score_items(items, scores, compat)
    by_sub: dict[str, list[int]] = {}
    for k, it in enumerate(items):
        by_sub.setdefault(it.subtask, []).append(k)
    subtasks, details = {}, {}
    for sub, idx in by_sub.items():
        ages = sorted({a for k in idx for a in items[k].extra["human"]}, key=lambda a: (len(a), a))
        per_age = {}
        for age in ages:
            rows = [k for k in idx if age in items[k].extra["human"]]
            kl, beta = fitted_kl([items[k].extra["human"][age] for k in rows], [scores[k] for k in rows])
            per_age[age] = {"kl": kl, "beta": beta, "n_trials": len(rows)}
        mean_kl = sum(v["kl"] for v in per_age.values()) / len(per_age)
        subtasks[sub] = math.exp(-mean_kl)
        details[sub] = {"d_kl": mean_kl, "accuracy": sum(scored[k].correct for k in idx) / len(idx),
                        "by_age": per_age}
    score = sum(subtasks.values()) / len(subtasks) if subtasks else float("nan")
    return TaskResult(task=NAME, version=VERSION, metric="devbench_similarity", score=score, subtasks=subtasks,
                      n_items=len(items), tie_rate=sum(s.tie for s in scored) / len(scored) if scored else 0.0,
                      items=scored, details={"devbench": details})


SPEC = register(
    name=NAME, version=VERSION, metric="devbench_similarity", loader=load, compute=compute,
    expected_counts=dict(EXPECTED), category="human_likeness", splits=("full",), official_key=None,
    description="DevBench lexical + syntactic: model-human similarity of picture choices, exp(-D*_KL)",
    # A uniform guess scores exp(-(log 4 - H(human))): 0.25 when humans agree, more when they do not.
    unit="exp(-KL)", chance=0.25,
)
