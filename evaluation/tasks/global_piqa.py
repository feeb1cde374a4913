"""GlobalPIQA (2026 Strict / Strict-Small): which of two solutions completes a physical-commonsense prompt?

Data, as the 2026 strict pipeline reads it (babylm-org/babylm-eval strict/evaluation_pipeline/
collate_preds.py): `<split>_eval/global_piqa_parallel/eng_latn.jsonl` (103 items) and
`<split>_eval/global_piqa_nonparallel/eng_latn.jsonl` (100 items), one JSON object per line with
`example_id`, `prompt`, `solution0`, `solution1` and `label` (the gold solution's index). The fast split
is the same data under fast_eval/ (GlobalPIQA is not subsampled).

Scoring: each solution is the continuation " " + solution after the prompt; the prediction is the
highest length-normalised log-probability (log P / characters of the solution, lm-eval's `acc_norm`),
so a long solution is not penalised for its length. Raw `acc` is kept in the details.

Three tasks: `global_piqa_parallel` and `global_piqa_nonparallel` carry the two official prediction keys:
their sub-task is the example_id and their item id `<example_id>_0`, so the official file holds
`{example_id: {"predictions": [{"id": "<example_id>_0", "pred": " " + solution}]}}` as the official
collator expects; `global_piqa`, the board's task, is the mean of the two accuracies (sub-tasks
`parallel` and `nonparallel`, ids `<part>_<example_id>`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import bootstrap_ci
from babylm.evaluation.scorers.multiple_choice import choice_lengths, mc_result
from babylm.evaluation.tasks.common import check_scores, load_jsonl_items, register
from babylm.evaluation.tasks.datafiles import DataFile

VERSION = "1"
PARTS = {"parallel": "global_piqa_parallel", "nonparallel": "global_piqa_nonparallel"}
EXPECTED = {"parallel": 103, "nonparallel": 100}
FIELDS = ("example_id", "prompt", "solution0", "solution1", "label")
LANGUAGE_FILE = "eng_latn"


def _parser(part: str):
    def parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ScoreRequest], int, dict[str, Any]]:
        solutions = []
        while f"solution{len(solutions)}" in row:
            solutions.append(str(row[f"solution{len(solutions)}"]))
        label = int(row["label"])
        if not 0 <= label < len(solutions):
            raise ValueError(f"label {label} is not a solution index")
        prompt = str(row["prompt"])
        return str(row["example_id"]), [ScoreRequest(prompt, " " + s) for s in solutions], label, {
            "example_id": str(row["example_id"]), "part": part, "norm_len": choice_lengths(solutions, "chars")}

    return parse


def load_part(part: str, data_root: Path, split: Split, *, strict: bool | None = None) -> list[Item]:
    """One GlobalPIQA file's items: sub-task = example_id, id = `<example_id>_0` (the official ids)."""
    items = load_jsonl_items(
        f"global_piqa_{part}", data_root, split, PARTS[part], _parser(part), fields=FIELDS,
        expected_per_file={LANGUAGE_FILE: EXPECTED[part]}, subtasks=[LANGUAGE_FILE],
        strict=True if strict is None else strict,
    )
    seen: set[str] = set()
    for it in items:
        if it.subtask in seen:
            from babylm.evaluation.tasks.datafiles import DataFileError

            raise DataFileError(f"global_piqa_{part}: example_id {it.subtask!r} appears twice")
        seen.add(it.subtask)
        it.id = f"{it.subtask}_0"
    return items


def load(data_root: Path, split: Split, *, strict: bool | None = None) -> list[Item]:
    """Both files' items, sub-task = the file (`parallel`, `nonparallel`), id = `<part>_<example_id>`."""
    items = []
    for part in PARTS:
        for it in load_part(part, data_root, split, strict=strict):
            it.id, it.subtask = f"{part}_{it.extra['example_id']}", part
            items.append(it)
    return items


def _compute_part(part: str):
    name = PARTS[part]

    def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
        check_scores(name, items, scores)
        return mc_result(name, VERSION, items, scores, compat, primary="acc_norm")

    return compute


def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
    check_scores("global_piqa", items, scores)
    res = mc_result("global_piqa", VERSION, items, scores, compat, primary="acc_norm", aggregate="macro")
    per: dict[str, list[float]] = {}
    for s in res.items:
        per.setdefault(s.subtask, []).append(s.correct)
    res.ci95 = bootstrap_ci(per)
    res.details["aggregation"] = "mean of the parallel and nonparallel accuracies (acc_norm)"
    return res


_COMMON: dict[str, Any] = dict(
    version=VERSION, metric="accuracy", category="linguistic", unit="accuracy", chance=0.5,
)
for _part, _name in PARTS.items():
    register(
        name=_name, loader=lambda root, split, _p=_part: load_part(_p, root, split), compute=_compute_part(_part),
        expected_counts={"fast": EXPECTED[_part], "full": EXPECTED[_part]}, official_key=_name,
        description=f"GlobalPIQA {_part} (English): physical commonsense, length-normalised log-probs",
        **_COMMON,
    )
SPEC = register(
    name="global_piqa", loader=load, compute=compute,
    expected_counts={"fast": sum(EXPECTED.values()), "full": sum(EXPECTED.values())},
    description="GlobalPIQA: mean of the parallel and nonparallel sets (2026 strict board task)",
    **_COMMON,
)
