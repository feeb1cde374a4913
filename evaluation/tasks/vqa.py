"""VQA (BabyLM 2025 multimodal track): pick the answer to a question about an image.

Official data (`full_eval/vqa_filtered/*.jsonl`, 25,230 rows): `question`, `target_ans`,
`distractors` (a list) and `idx_in_hf_dataset` (the image in HuggingFaceM4/VQAv2 validation; see
`babylm.evaluation.multimodal.data` for where the image files go). Each candidate is
log P(" " + answer | image, question): the target first, then the distractors in file order, as
babylm/evaluation-pipeline-2025 builds them (sentence_zero_shot/read_files.py, decode_vqa).
Accuracy over one sub-task "VQA" (ids `VQA_<n>`, the official prediction ids; pred = the chosen
completion " " + answer). Full split only, as the official pipeline runs it.

Compat "official": a tie counts as correct (the official `torch.max` picks the first index, the
target); compat "babylm" counts it 0.5. The scorer's own compat covers tokenization (`multimodal.git`).
A text-only backend scores these requests blind to the image (a text-only baseline).
"""

from __future__ import annotations

from typing import Any

from babylm.evaluation.api import Split
from babylm.evaluation.multimodal.data import image_accuracy_task, row_image
from babylm.evaluation.multimodal.requests import ImageScoreRequest
from babylm.evaluation.tasks.common import jsonl_loader
from babylm.evaluation.tasks.datafiles import DataFile

NAME = "vqa"
VERSION = "1"
SUBTASK = "VQA"
FOLDERS: dict[Split, str] = {"full": "vqa_filtered"}
EXPECTED: dict[Split, int] = {"full": 25230}
FIELDS = ("question", "target_ans", "distractors")


def _parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ImageScoreRequest], int, dict[str, Any]]:
    distractors = row["distractors"]
    if not isinstance(distractors, list) or not distractors:
        raise ValueError("distractors must be a non-empty list")
    idx = row.get("idx_in_hf_dataset")
    image = row_image(df, lineno, row, None if idx is None else str(idx))
    question = str(row["question"])
    answers = [str(row["target_ans"]), *(str(a) for a in distractors)]
    candidates = [ImageScoreRequest(question, " " + a, image) for a in answers]
    return SUBTASK, candidates, 0, {"image": image}


load = jsonl_loader(NAME, FOLDERS, _parse, fields=FIELDS, expected=EXPECTED)
load.__doc__ = """VQA items (full split); `strict=False` accepts a data set of another size."""


# 1 / (1 + 7 distractors): the official row shape as we understand it, not checked against the data here
# (none is available); details["chance"] gives the loaded data's own chance level.
compute, SPEC = image_accuracy_task(
    NAME, VERSION, load, EXPECTED, "vqa",
    "VQA: the answer to a question about an image, among distractors (log-likelihood)", 0.125,
    lambda items, scores: {"chance": sum(1 / len(it.candidates) for it in items) / len(items) if items else None},
)
