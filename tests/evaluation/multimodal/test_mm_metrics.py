"""Winoground and VQA: the official row format, image resolution and the metrics, exactly, on a stub
scorer whose log-likelihoods are fixed by hand."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest

from babylm.evaluation import registry
from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.multimodal.evaluate import score_tasks
from babylm.evaluation.multimodal.requests import ImageScoreRequest, image_of
from babylm.evaluation.multimodal.synthetic import write_eval_data
from babylm.evaluation.tasks import vqa, winoground
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError


class TableScorer:
    """log P(continuation | image) from a table keyed by (image file stem, continuation); 0 elsewhere."""

    backend = "stub"

    def __init__(self, table: dict[tuple[str, str], float]) -> None:
        self.table, self.seen = table, []

    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        self.seen.extend(requests)
        return [self.table.get((Path(image_of(r)).stem, r.continuation), 0.0) for r in requests]


def _load(fn, root: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        return fn(root, "full", strict=False)


def write_rows(root: Path, folder: str, rows: list[dict], images: list[str]) -> Path:
    from PIL import Image

    d = root / "full_eval" / folder
    (d / "images").mkdir(parents=True, exist_ok=True)
    for stem in images:
        Image.new("RGB", (8, 8), (255, 0, 0)).save(d / "images" / f"{stem}.png")
    (d / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


def wino_row(c0: str, c1: str, idx: int, key: str, tag: str = "Object") -> dict:
    return {"caption_0": c0, "caption_1": c1, "image_idx": idx, "image_key": key, "tag": tag,
            "secondary_tag": "x", "collapsed_tag": tag}


def test_the_tasks_are_registered_with_their_metadata() -> None:
    for name, key, chance in (("winoground", "winoground", 0.5), ("vqa", "vqa", 0.125)):
        spec = registry.get_task(name)
        assert spec.official_key == key and spec.splits == ("full",) and spec.metric == "accuracy"
        assert spec.chance == chance and spec.higher_is_better and spec.unit == "accuracy" and spec.description
    assert registry.get_task("winoground").expected_counts == {"full": 746}
    assert registry.get_task("vqa").expected_counts == {"full": 25230}
    assert "vqa" not in registry.UNSCORED_OFFICIAL_KEYS and "winoground" not in registry.UNSCORED_OFFICIAL_KEYS
    assert {"vqa", "winoground"} <= set(registry.official_keys())


def test_winoground_rows_ids_and_images(tmp_path: Path) -> None:
    d = write_rows(tmp_path, "winoground_filtered", [wino_row("a b", "b a", 7, "image_0"),
                                                     wino_row("b a", "a b", 7, "image_1")],
                   ["7_image_0", "7_image_1"])
    items = _load(winoground.load, tmp_path)
    assert [i.id for i in items] == ["WinoGround_0", "WinoGround_1"] and all(i.gold == 0 for i in items)
    assert items[0].candidates == [ImageScoreRequest("", "a b", str((d / "images" / "7_image_0.png").resolve())),
                                   ImageScoreRequest("", "b a", str((d / "images" / "7_image_0.png").resolve()))]
    assert items[1].extra["image_key"] == "image_1" and items[1].extra["collapsed_tag"] == "Object"


def test_winoground_text_image_and_group_scores_exactly() -> None:
    def item(idx: int, key: str, c0: str, c1: str, tag: str):
        from babylm.evaluation.api import Item

        img = f"/x/{idx}_{key}.png"
        return Item(f"WinoGround_{idx}{key}", "WinoGround",
                    [ImageScoreRequest("", c0, img), ImageScoreRequest("", c1, img)], 0,
                    {"image_idx": idx, "image_key": key, "collapsed_tag": tag})

    # Per example the four scores s(c, i); rows of image_1 list its own caption (c1) first.
    ex = {  # (c0_i0, c1_i0, c0_i1, c1_i1) -> text, image, group
        0: ((-1, -2, -3, -1), (True, True, True)),  # everything right
        1: ((-1, -2, -0.5, -1), (False, False, False)),  # c0 wins on both images
        2: ((-1, -2, -3, -2.5), (True, False, False)),  # captions right per image, image 1 scores all low
        3: ((-1, -1, -2, -1), (False, False, False)),  # a tie is not "greater"
    }
    items, scores = [], []
    for idx, ((c0i0, c1i0, c0i1, c1i1), _) in ex.items():
        tag = "A" if idx < 2 else "B"
        items += [item(idx, "image_0", f"c0 {idx}", f"c1 {idx}", tag), item(idx, "image_1", f"c1 {idx}", f"c0 {idx}", tag)]
        scores += [[c0i0, c1i0], [c1i1, c0i1]]
    items.append(item(9, "image_0", "lone", "enol", "B"))  # its other image is missing: rows only
    scores.append([-1, -2])
    for idx, (_, (text, image, group)) in ex.items():
        one = winoground.winoground_metrics(winoground.pair_scores(items[2 * idx: 2 * idx + 2], scores[2 * idx: 2 * idx + 2]))
        assert (one["text_score"], one["image_score"], one["group_score"]) == (float(text), float(image), float(group))
    res = winoground.compute(items, scores, "babylm")
    w = res.details["winoground"]
    assert w["n_examples"] == 4
    assert w["text_score"] == 2 / 4 and w["image_score"] == 1 / 4 and w["group_score"] == 1 / 4
    assert w["by_tag"]["A"] == {"text_score": 0.5, "image_score": 0.5, "group_score": 0.5, "n_examples": 2}
    assert w["by_tag"]["B"]["text_score"] == 0.5 and w["by_tag"]["B"]["image_score"] == 0.0
    # Row accuracy (the official number): right rows 0a 0b 1a 2a 2b 3b 9, wrong 1b, tie 3a.
    assert res.score == pytest.approx((7 + 0.5) / 9) and res.tie_rate == pytest.approx(1 / 9)
    assert winoground.compute(items, scores, "official").score == pytest.approx(8 / 9)  # argmax takes gold
    assert res.subtasks == {"WinoGround": pytest.approx(7.5 / 9)}


def test_vqa_rows_candidates_and_accuracy_with_ties(tmp_path: Path) -> None:
    rows = [{"question": "what colour ?", "target_ans": "red", "distractors": ["blue", "green"], "idx_in_hf_dataset": 3},
            {"question": "what shape ?", "target_ans": "circle", "distractors": ["square"], "idx_in_hf_dataset": 5},
            {"question": "what colour ?", "target_ans": "blue", "distractors": ["red"], "idx_in_hf_dataset": 3}]
    d = write_rows(tmp_path, "vqa_filtered", rows, ["3", "5"])
    items = _load(vqa.load, tmp_path)
    img3 = str((d / "images" / "3.png").resolve())
    assert [i.id for i in items] == ["VQA_0", "VQA_1", "VQA_2"]
    assert items[0].candidates == [ImageScoreRequest("what colour ?", " red", img3),
                                   ImageScoreRequest("what colour ?", " blue", img3),
                                   ImageScoreRequest("what colour ?", " green", img3)]
    table = {("3", " red"): -1.0, ("3", " blue"): -2.0, ("3", " green"): -3.0,  # VQA_0 right, VQA_2 wrong
             ("5", " circle"): -4.0, ("5", " square"): -4.0}  # VQA_1 a tie
    stub = TableScorer(table)
    res = score_tasks(stub, ["vqa"], tmp_path, strict=False)["vqa"]
    assert res.score == pytest.approx(1.5 / 3) and res.tie_rate == pytest.approx(1 / 3)
    assert res.details["chance"] == pytest.approx((1 / 3 + 1 / 2 + 1 / 2) / 3)
    assert [s.pred for s in res.items] == [0, 0, 1]
    off = score_tasks(stub, ["vqa"], tmp_path, compat="official", strict=False)["vqa"]
    assert off.score == pytest.approx(2 / 3)


def test_generated_data_is_in_the_official_format(tmp_path: Path) -> None:
    write_eval_data(tmp_path, n_winoground=5, n_vqa=6)
    wino, q = _load(winoground.load, tmp_path), _load(vqa.load, tmp_path)
    assert len(wino) == 10 and len(q) == 6
    assert all(Path(image_of(c)).is_file() for it in wino + q for c in it.candidates)
    # A perfect stub (the row's own caption, the target answer) scores 1 everywhere.
    perfect = TableScorer({})
    perfect.score = lambda reqs: [0.0 if r in {it.candidates[0] for it in wino + q} else -1.0 for r in reqs]
    res = score_tasks(perfect, ["winoground", "vqa"], tmp_path, strict=False)
    assert res["vqa"].score == 1.0 and res["winoground"].score == 1.0
    assert res["winoground"].details["winoground"]["text_score"] == 1.0
    assert res["winoground"].details["winoground"]["image_score"] == 1.0  # s(c0,i0)=0 > s(c0,i1)=-1


def test_missing_images_wrong_paths_and_official_counts(tmp_path: Path) -> None:
    rows = [{"question": "q", "target_ans": "a", "distractors": ["b"], "idx_in_hf_dataset": 1}]
    write_rows(tmp_path, "vqa_filtered", rows, [])
    with pytest.raises(DataFileError, match=r"images/1\.\* not found"):
        _load(vqa.load, tmp_path)
    write_rows(tmp_path, "vqa_filtered", [{**rows[0], "image": "../../../etc/passwd"}], [])
    with pytest.raises(DataFileError, match="leaves the task folder"):
        _load(vqa.load, tmp_path)
    write_rows(tmp_path, "vqa_filtered", rows, ["1"])
    with pytest.raises(DataFileError, match="expected 25230"):
        vqa.load(tmp_path, "full")  # the official split is checked strictly
    with pytest.raises(DataFileError, match="no fast split"):
        vqa.load(tmp_path, "fast")
    write_rows(tmp_path, "vqa_filtered", [{**rows[0], "distractors": []}], ["1"])
    with pytest.raises(DataFileError, match="distractors"):
        _load(vqa.load, tmp_path)
