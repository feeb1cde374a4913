"""Reading: does the model's surprisal predict human reading times beyond frequency and length?

Data: `<split>_eval/reading/reading_data.csv` (de Varda et al. 2023; Frank et al. 2013), one row per
word with its left context `item`. Surprisal = -ln P(" " + word | item), summed over the word's
tokens (sub-token probabilities multiply). Per measure: OLS baseline dv ~ Subtlex_log10 + length +
context_length + pairwise interactions; the full model adds surprisal; score = delta R^2 /
(1 - R^2_base) x 100.
- eye tracking: mean over RTfirstfix, RTfirstpass, RTgopast, RTrightbound (no spillover);
- self-paced reading: the baseline also has prev_length and the previous word's surprisal
  (`prev_word` given `prev_item`), with their interactions (1-word spillover).
The task score is the mean of the two (both are reported as sub-tasks). Rows with a missing value
in a regression's columns are left out of that regression, as in the official code.
One row of the official CSV lost the context "None" to a CSV reader (empty `item`); empty contexts
are rebuilt from the first `context_length` words of `sentence`, which reproduces every other row.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.human import delta_r2
from babylm.evaluation.tasks.common import check_scores, register, unscored
from babylm.evaluation.tasks.datafiles import DataFileError, check_count, read_csv, task_files

NAME = "reading"
VERSION = "1"
EXPECTED: dict[Split, int] = {"fast": 1726, "full": 1726}
EYE_TRACKING = ("RTfirstfix", "RTfirstpass", "RTgopast", "RTrightbound")
SELF_PACED = "self_paced_reading_time"
BASELINE = ("Subtlex_log10", "length", "context_length")
NUMERIC = (*BASELINE, "prev_length", *EYE_TRACKING, SELF_PACED)
REQUIRED = ("item", "word", "sentence", "context_length", "prev_word", "prev_item", *NUMERIC)


def _num(value: str) -> float:
    value = value.strip()
    if value in ("", "NA", "NaN", "nan"):
        return math.nan
    return float(value)


def _context(given: str, sentence: str, n_words: int) -> str:
    if given or n_words <= 0:
        return given
    return " ".join(sentence.split()[:n_words])


def load(data_root: Path, split: Split, *, strict: bool | None = None, password: str | bytes | None = None) -> list[Item]:
    """One item per word row: candidate 0 scores the word, candidate 1 (when present) the previous word."""
    files = [f for f in task_files(data_root, split, "reading", suffixes=(".csv",), task=NAME) if f.stem == "reading_data"]
    if not files:
        raise DataFileError(f"{NAME}: no reading_data.csv in {split}_eval/reading", hint="check the data folder")
    df = files[0]
    rows = read_csv(df, password)
    if rows:
        missing = [c for c in REQUIRED if c not in rows[0]]
        if missing:
            raise DataFileError(f"{df.label}: missing column(s) {', '.join(missing)}", hint="is this reading_data.csv?")
    items = []
    for n, row in enumerate(rows):
        line = n + 2  # header is line 1
        try:
            values = {k: _num(row[k]) for k in NUMERIC}
        except ValueError as exc:
            raise DataFileError(f"{df.label} line {line}: not a number ({exc})") from exc
        word = row["word"].strip()
        if not word:
            raise DataFileError(f"{df.label} line {line}: empty word")
        ctx_len = int(values["context_length"]) if math.isfinite(values["context_length"]) else 0
        context = _context(row["item"], row["sentence"], ctx_len)
        candidates = [ScoreRequest(context, " " + word)]
        prev_word = row["prev_word"].strip()
        if prev_word:
            candidates.append(ScoreRequest(_context(row["prev_item"], row["sentence"], ctx_len - 1), " " + prev_word))
        index = row.get("", "").strip()
        extra: dict[str, Any] = {"index": int(index) if index.isdigit() else n, "line": line, **values}
        items.append(Item(f"{NAME}_{extra['index']}", NAME, candidates, None, extra))
    check_count(NAME, split, len(items), EXPECTED.get(split), df.label, strict=True if strict is None else strict)
    return items


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores(NAME, items, scores)
    if not items:
        raise BabyLMError(f"{NAME}: no items to score")
    surprisal = [-sc[0] for sc in scores]
    prev = [-sc[1] if len(sc) > 1 else math.nan for sc in scores]
    col = {k: [float(it.extra[k]) for it in items] for k in NUMERIC}
    base = {k: col[k] for k in BASELINE}
    eye = {dv: delta_r2(col[dv], base, surprisal) for dv in EYE_TRACKING}
    spr = delta_r2(col[SELF_PACED], {**base, "prev_length": col["prev_length"], "prev_surprisal": prev}, surprisal)
    eye_score = sum(r.score for r in eye.values()) / len(eye)
    subtasks = {"eye_tracking": eye_score, "self_paced_reading": spr.score}
    scored = unscored(items, scores)
    details = {
        "eye_tracking": {dv: r.as_dict() for dv, r in eye.items()},
        "self_paced_reading": spr.as_dict(),
        # The official predictions file has, per CSV row index, the surprisal and the previous word's.
        "official_predictions": {NAME: [{"id": int(it.extra["index"]), "pred": s, "prev_pred": p}
                                        for it, s, p in zip(items, surprisal, prev, strict=True)]},
        "aggregation": "score = mean of eye_tracking (mean of 4 measures) and self_paced_reading; each is "
        "delta R^2 / (1 - R^2_base) x 100",
    }
    return TaskResult(
        task=NAME, version=VERSION, metric="delta_r2", score=sum(subtasks.values()) / 2, subtasks=subtasks,
        n_items=len(items), items=scored, details=details,
    )


SPEC = register(
    name=NAME, version=VERSION, metric="delta_r2", loader=load, compute=compute, expected_counts=dict(EXPECTED),
    category="human_likeness", official_key="reading",
    description="Reading: how much surprisal adds to predicting eye-tracking and self-paced reading times",
    unit="ΔR² ×100", chance=0.0, board_scale=0.01,
)
