"""BLiMP (filtered / fast) and the BLiMP supplement: minimal pairs, good sentence is candidate 0.

Item ids are `<UID>_<n>` with n the 0-based line number among the file's items (official ids).
The supplement has no UID field: the file stem is the UID. Accuracy is macro-averaged over UIDs;
a tie (e.g. the three BLiMP items whose two sentences are identical) scores 0.5 unless compat is
"official".
"""

from __future__ import annotations

from pathlib import Path

from babylm.evaluation.api import Compat, Item, ScoreRequest, Split, TaskResult
from babylm.evaluation.metrics.accuracy import accuracy_result
from babylm.evaluation.tasks.common import register
from babylm.evaluation.tasks.datafiles import read_jsonl, require_fields, task_files

FOLDERS = {
    "blimp": {"fast": "blimp_fast", "full": "blimp_filtered"},
    "blimp_supplement": {"fast": "supplement_fast", "full": "supplement_filtered"},
}
VERSION = "1"


def load_pairs(task: str, data_root: Path, split: Split) -> list[Item]:
    """Minimal-pair items of every file in the task's folder, sorted by file name."""
    items: list[Item] = []
    for df in task_files(data_root, split, FOLDERS[task][split], task=task):
        uid = df.stem
        for n, (lineno, obj) in enumerate(read_jsonl(df)):
            require_fields(df, lineno, obj, ("sentence_good", "sentence_bad"))
            extra = {k: obj[k] for k in ("pair_id", "pairID", "field", "linguistics_term") if k in obj}
            items.append(Item(
                id=f"{uid}_{n}", subtask=uid, gold=0, extra=extra,
                candidates=[ScoreRequest("", obj["sentence_good"]), ScoreRequest("", obj["sentence_bad"])],
            ))
    return items


def _compute(task: str):
    def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
        return accuracy_result(task, VERSION, items, scores, compat)

    return compute


BLIMP = register(
    name="blimp", version=VERSION, metric="accuracy",
    loader=lambda root, split: load_pairs("blimp", root, split),
    compute=_compute("blimp"), expected_counts={"fast": 13_400, "full": 59_875}, official_key="blimp",
    description="BLiMP: grammatical vs ungrammatical minimal pairs over 67 syntactic paradigms",
    unit="accuracy", chance=0.5,
)
BLIMP_SUPPLEMENT = register(
    name="blimp_supplement", version=VERSION, metric="accuracy",
    loader=lambda root, split: load_pairs("blimp_supplement", root, split),
    compute=_compute("blimp_supplement"), expected_counts={"fast": 250, "full": 5_218},
    official_key="blimp_supplement",
    description="BLiMP supplement: minimal pairs on dialogue, questions and other held-out phenomena",
    unit="accuracy", chance=0.5,
)
