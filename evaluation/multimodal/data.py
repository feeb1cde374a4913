"""Where a multimodal task row's image is: the image files beside the task's JSONL files.

The official 2025 rows name their image by index into a Hugging Face dataset (VQA:
`idx_in_hf_dataset` into HuggingFaceM4/VQAv2 validation; Winoground: `image_idx` + `image_key` into
facebook/winoground test). babylm reads no dataset from the network at scoring time: export those
images once into `<task folder>/images/` named `<idx_in_hf_dataset>.png` (VQA) or
`<image_idx>_<image_key>.png` (Winoground), any of the suffixes in `images.IMAGE_SUFFIXES`.
A row may instead give `image`: a path relative to its JSONL file's folder (generated data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babylm.evaluation.api import Compat, Item, TaskResult
from babylm.evaluation.multimodal.images import find_image
from babylm.evaluation.tasks.datafiles import DataFile, DataFileError

IMAGES_FOLDER = "images"
EXPORT_HINT = ("export the images once into <task folder>/images/ (see babylm.evaluation.multimodal.data), "
               "or give each row an 'image' path")


def relative_image(df: DataFile, lineno: int, rel: Any) -> str:
    """The absolute path of an image named relative to the data file's folder (never outside it)."""
    if df.member is not None:
        raise DataFileError(f"{df.label}: images cannot be read from a zip", hint="unpack the task folder")
    folder = df.path.parent.resolve()
    path = (folder / str(rel)).resolve()
    if not path.is_relative_to(folder):
        raise DataFileError(f"{df.label} line {lineno}: image path {rel!r} leaves the task folder")
    if not path.is_file():
        raise DataFileError(f"{df.label} line {lineno}: image {rel!r} not found", hint=EXPORT_HINT)
    return str(path)


def row_image(df: DataFile, lineno: int, row: dict[str, Any], official_stem: str | None) -> str:
    """The absolute path of the row's image; a DataFileError ("... not found") when it is missing."""
    if df.member is not None:
        raise DataFileError(f"{df.label}: images cannot be read from a zip", hint="unpack the task folder")
    folder = df.path.parent.resolve()
    if "image" in row:
        return relative_image(df, lineno, row["image"])
    if official_stem is None:
        raise DataFileError(f"{df.label} line {lineno}: no image reference", hint=EXPORT_HINT)
    found = find_image(folder / IMAGES_FOLDER, official_stem)
    if found is None:
        raise DataFileError(f"{df.label} line {lineno}: image {IMAGES_FOLDER}/{official_stem}.* not found",
                            hint=EXPORT_HINT)
    return str(found)


def image_accuracy_task(name: str, version: str, loader: Any, expected: dict[str, int], official_key: str,
                        description: str, chance: float,
                        details: Callable[[list[Item], list[list[float]]], dict[str, Any]]) -> tuple[Any, Any]:
    """Register a 2025 multimodal task scored as accuracy over its candidates (full split only), with
    `details(items, scores)` added to the result's details; (its compute function, its TaskSpec)."""
    from babylm.evaluation.metrics.accuracy import accuracy_result
    from babylm.evaluation.tasks.common import check_scores, register

    def compute(items: list[Item], scores: list[list[float]], compat: Compat) -> TaskResult:
        check_scores(name, items, scores)
        result = accuracy_result(name, version, items, scores, compat)
        result.details.update(details(items, scores))
        return result

    spec = register(name=name, version=version, metric="accuracy", loader=loader, compute=compute,
                    expected_counts=dict(expected), category="linguistic", splits=("full",),
                    official_key=official_key, description=description, unit="accuracy", chance=chance)
    return compute, spec
