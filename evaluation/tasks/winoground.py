"""Winoground (BabyLM 2025 multimodal track): which of two captions (the same words in another order)
fits an image?

Official data (`full_eval/winoground_filtered/*.jsonl`, 746 rows, one per image): `caption_0`,
`caption_1`, `image_idx` + `image_key` (the image in facebook/winoground test; see
`babylm.evaluation.multimodal.data`), `tag`, `secondary_tag`, `collapsed_tag`. The pipeline's label is
always 0: `caption_0` is the caption of the row's image. Each candidate is log P(caption | image)
over the whole caption (babylm/evaluation-pipeline-2025, read_files.py decode_winoground).

Score: accuracy over the rows (ids `WinoGround_<n>`, one sub-task "WinoGround"), the number the
2025 pipeline reports. Winoground's own metrics are in `details["winoground"]`, over the examples
whose two images are both in the data (rows sharing `image_idx`, keys image_0 and image_1; with c0,
c1 the captions of i0, i1 and s(c, i) = log P(c | i)): text score (s(c0,i0) > s(c1,i0) and
s(c1,i1) > s(c0,i1)), image score (s(c0,i0) > s(c0,i1) and s(c1,i1) > s(c1,i0)) and group score
(both), strict comparisons as Thrush et al. (2022) define them; also per `collapsed_tag`.

Compat "official": a tie counts as correct in the row accuracy (the official `torch.max` picks the
first index, the gold caption); "babylm" counts it 0.5. Full split only.
"""

from __future__ import annotations

from typing import Any

from babylm.evaluation.api import Item, Split
from babylm.evaluation.multimodal.data import image_accuracy_task, row_image
from babylm.evaluation.multimodal.requests import ImageScoreRequest
from babylm.evaluation.tasks.common import jsonl_loader
from babylm.evaluation.tasks.datafiles import DataFile

NAME = "winoground"
VERSION = "1"
SUBTASK = "WinoGround"
FOLDERS: dict[Split, str] = {"full": "winoground_filtered"}
EXPECTED: dict[Split, int] = {"full": 746}
FIELDS = ("caption_0", "caption_1")


def _parse(df: DataFile, lineno: int, row: dict[str, Any]) -> tuple[str, list[ImageScoreRequest], int, dict[str, Any]]:
    stem = f"{row['image_idx']}_{row['image_key']}" if "image_idx" in row and "image_key" in row else None
    image = row_image(df, lineno, row, stem)
    c0, c1 = str(row["caption_0"]), str(row["caption_1"])
    extra = {k: row[k] for k in ("image_idx", "image_key", "tag", "secondary_tag", "collapsed_tag") if k in row}
    return SUBTASK, [ImageScoreRequest("", c0, image), ImageScoreRequest("", c1, image)], 0, {"image": image, **extra}


load = jsonl_loader(NAME, FOLDERS, _parse, fields=FIELDS, expected=EXPECTED)
load.__doc__ = """Winoground items (full split, one per image); `strict=False` accepts another size."""


def pair_scores(items: list[Item], scores: list[list[float]]) -> list[dict[str, Any]]:
    """One record per example whose two images are both present: its four scores s(c, i) and tag."""
    by_example: dict[Any, dict[str, tuple[Item, list[float]]]] = {}
    for it, sc in zip(items, scores, strict=True):
        if "image_idx" in it.extra and "image_key" in it.extra:
            by_example.setdefault(it.extra["image_idx"], {})[str(it.extra["image_key"])] = (it, sc)
    out = []
    for idx, rows in by_example.items():
        if "image_0" not in rows or "image_1" not in rows:
            continue
        (it0, s0), (it1, s1) = rows["image_0"], rows["image_1"]
        c0, c1 = it0.candidates[0].continuation, it0.candidates[1].continuation
        caps1 = [c.continuation for c in it1.candidates]
        if sorted(caps1) != sorted([c0, c1]) or c0 == c1:
            continue  # not the same caption pair: not a Winoground example
        s1_of = dict(zip(caps1, s1, strict=True))
        out.append({"image_idx": idx, "tag": it0.extra.get("collapsed_tag"),
                    "c0_i0": s0[0], "c1_i0": s0[1], "c0_i1": s1_of[c0], "c1_i1": s1_of[c1]})
    return out


def winoground_metrics(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Text, image and group scores (strict comparisons) over `pairs`, overall and per tag."""

    def scores(ps: list[dict[str, Any]]) -> dict[str, float]:
        text = [p["c0_i0"] > p["c1_i0"] and p["c1_i1"] > p["c0_i1"] for p in ps]
        image = [p["c0_i0"] > p["c0_i1"] and p["c1_i1"] > p["c1_i0"] for p in ps]
        group = [t and i for t, i in zip(text, image, strict=True)]
        n = len(ps)
        return {"text_score": sum(text) / n, "image_score": sum(image) / n, "group_score": sum(group) / n,
                "n_examples": n}

    if not pairs:
        return {"n_examples": 0}
    out: dict[str, Any] = scores(pairs)
    tags = sorted({str(p["tag"]) for p in pairs if p["tag"] is not None})
    if tags:
        out["by_tag"] = {t: scores([p for p in pairs if str(p["tag"]) == t]) for t in tags}
    return out


compute, SPEC = image_accuracy_task(
    NAME, VERSION, load, EXPECTED, "winoground",
    "Winoground: which of two same-word captions fits the image (text/image/group scores in details)", 0.5,
    lambda items, scores: {"winoground": winoground_metrics(pair_scores(items, scores))},
)
