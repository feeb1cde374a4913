"""The 2026 zero-shot tasks: loaders on generated data in each official format, acc / acc_norm by hand,
GlobalPIQA's official prediction rows, the tiny model through babylm's scorer, and real data."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from task_data_2026 import HELLASWAG, MULTIBLIMP, write_global_piqa, write_multilingual
from task_scoring import FnScorer, score_items

from babylm.evaluation.api import ScoreRequest
from babylm.evaluation.registry import tasks
from babylm.evaluation.scorers.multiple_choice import mc_result, score_choices
from babylm.evaluation.tasks import global_piqa
from babylm.evaluation.tasks.datafiles import CountMismatchWarning, DataFileError
from babylm.tracks.rules import MULTILINGUAL_TASKS, get_track

TASKS = tasks()

ZERO_SHOT = ("multiblimp_eng", "multiblimp_nld", "blimp_nl", "zhoblimp", "blimp_eng", "xcomps_nl", "xcomps_zh",
             *(f"{f}_{c}_mubench" for f in ("hellaswag", "winogrande", "xstorycloze") for c in ("en", "nl", "zh")))


def test_every_board_zero_shot_task_is_registered() -> None:
    known = tasks()
    for _lang, sets in MULTILINGUAL_TASKS:
        assert set(sets.linguistic) <= set(known), set(sets.linguistic) - set(known)
    assert set(get_track("2026/strict").tasks.linguistic) <= set(known)
    for name in ZERO_SHOT:
        assert known[name].splits == ("full",) and known[name].chance in (0.25, 0.5)


@pytest.mark.parametrize("name,n,first", [
    ("multiblimp_eng", 2, [ScoreRequest("", "The cats sleep."), ScoreRequest("", "The cats sleeps.")]),
    ("multiblimp_nld", 3, [ScoreRequest("", "De katten slapen."), ScoreRequest("", "De katten slaapt.")]),
    ("blimp_nl", 3, [ScoreRequest("", "Het huis is groot."), ScoreRequest("", "De huis is groot.")]),
    ("zhoblimp", 3, [ScoreRequest("", "他没把书看完。"), ScoreRequest("", "他把书没看完。")]),
    ("xcomps_zh", 2, [ScoreRequest("", "知更鸟会飞。"), ScoreRequest("", "石头会飞。")]),
    ("hellaswag_nl_mubench", 3, [ScoreRequest("Hij pakt een kopje en", " " + c) for c in HELLASWAG["nl"][0]["choices"]]),
    ("winogrande_zh_mubench", 1, [ScoreRequest("奖杯放不进箱子，因为", " 奖杯太大了。"),
                                  ScoreRequest("奖杯放不进箱子，因为", " 箱子太大了。")]),
])
def test_loaders_read_each_official_format(tmp_path: Path, name: str, n: int, first: list[ScoreRequest]) -> None:
    items = list(TASKS[name].loader(write_multilingual(tmp_path), "full"))
    assert len(items) == n
    assert items[0].candidates == first and items[0].gold == 0
    assert len({it.id for it in items}) == n


def test_gold_label_and_ids(tmp_path: Path) -> None:
    items = list(TASKS["xstorycloze_nl_mubench"].loader(write_multilingual(tmp_path), "full"))
    assert [(it.id, it.gold) for it in items] == [("nl_0", 1)]
    pairs = list(TASKS["blimp_nl"].loader(tmp_path, "full"))
    assert [it.id for it in pairs] == ["determiners_0", "verb_second_0", "verb_second_1"]
    assert pairs[0].extra["norm_len"] == [len("Het huis is groot."), len("De huis is groot.")]


def test_no_fast_split_and_missing_data(tmp_path: Path) -> None:
    write_multilingual(tmp_path)
    with pytest.raises(DataFileError, match="no fast split"):
        TASKS["zhoblimp"].loader(tmp_path, "fast")
    (tmp_path / "other" / "full_eval").mkdir(parents=True)
    with pytest.raises(DataFileError, match="not available"):
        TASKS["multiblimp_nld"].loader(tmp_path / "other", "full")


def test_bad_rows_name_file_and_line(tmp_path: Path) -> None:
    from task_scoring import write_plain_task

    write_plain_task(tmp_path, "full", "hellaswag_mubench", {"nl": [{"prompt": "x", "choices": ["a", "b"], "label": 5}]})
    with pytest.raises(DataFileError, match=r"nl.jsonl line 1: bad hellaswag_nl_mubench row"):
        TASKS["hellaswag_nl_mubench"].loader(tmp_path, "full")
    write_plain_task(tmp_path, "full", "multiblimp", {"nld": [{"sen": "a"}]})
    with pytest.raises(DataFileError, match="missing field.*wrong_sen"):
        TASKS["multiblimp_nld"].loader(tmp_path, "full")


def test_acc_and_acc_norm_by_hand(tmp_path: Path) -> None:
    items = list(TASKS["hellaswag_nl_mubench"].loader(write_multilingual(tmp_path), "full"))
    # log P = -(number of characters): raw acc picks the shortest choice, acc_norm sees -1 per char
    # everywhere (a 4-way tie: 0.5 under babylm, first index = gold under official).
    scores = score_items(FnScorer(lambda r: -float(len(r.continuation) - 1)), items)
    shortest = [min(range(4), key=lambda k: len(it.candidates[k].continuation)) for it in items]
    assert shortest == [0, 1, 1]  # only item 0's gold ("drinkt thee.") is its shortest choice
    res = TASKS["hellaswag_nl_mubench"].compute(items, scores, "babylm")
    assert res.details["metrics"]["acc"] == pytest.approx(1 / 3)
    assert res.score == res.details["metrics"]["acc"]
    assert res.details["metrics"]["acc_norm"] == pytest.approx(0.5)
    official = TASKS["hellaswag_nl_mubench"].compute(items, scores, "official")
    assert official.details["metrics"]["acc_norm"] == 1.0 and official.score == pytest.approx(1 / 3)
    assert [r.scores for r in res.items] == scores


def test_micro_and_macro_groups(tmp_path: Path) -> None:
    items = list(TASKS["zhoblimp"].loader(write_multilingual(tmp_path), "full"))
    # right on BA_negation, right on 1 of 2 classifier items: micro 2/3, macro (1 + 0.5) / 2
    scores = [[0.0, -1.0], [0.0, -1.0], [-1.0, 0.0]]
    assert TASKS["zhoblimp"].compute(items, scores, "babylm").score == pytest.approx(2 / 3)
    assert mc_result("x", "1", items, scores, "babylm", aggregate="macro").score == pytest.approx(0.75)
    eng = list(TASKS["blimp_eng"].loader(tmp_path, "full"))
    assert TASKS["blimp_eng"].compute(eng, [[-1.0, -2.0]], "babylm").details["aggregation"] == "macro"


def test_global_piqa_length_normalised(tmp_path: Path) -> None:
    root = write_global_piqa(tmp_path, "fast", 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountMismatchWarning)
        par = global_piqa.load_part("parallel", root, "fast", strict=False)
        both = global_piqa.load(root, "fast", strict=False)
    assert [(it.id, it.subtask) for it in par] == [(f"eng_latn_00{i}_0", f"eng_latn_00{i}") for i in range(3)]
    assert par[1].gold == 1 and par[1].candidates[1] == ScoreRequest("To open a jar,", " twist the lid.")
    assert [it.id for it in both][:2] == ["parallel_eng_latn_000", "parallel_eng_latn_001"]
    assert [it.subtask for it in both] == ["parallel"] * 3 + ["nonparallel"] * 2
    # Summed log P = -2 per character: raw acc always prefers the shorter solution, which is gold here,
    # and the normalised score ties every pair (first index under official).
    scores = score_items(FnScorer(lambda r: -2.0 * (len(r.continuation) - 1)), par)
    res = TASKS["global_piqa_parallel"].compute(par, scores, "official")
    assert res.details["metrics"]["acc"] == 1.0
    assert res.score == res.details["metrics"]["acc_norm"] == pytest.approx(2 / 3)  # items 0 and 2: gold = 0
    assert [r.pred for r in res.items] == [0, 0, 0]
    # Normalisation flips a choice: long gold with a better per-character score wins under acc_norm only.
    item = par[0]
    item.extra["norm_len"] = [30, 10]
    one = TASKS["global_piqa_parallel"].compute([item], [[-30.0, -20.0]], "babylm")
    assert one.details["metrics"] == {"acc": 0.0, "acc_norm": 1.0} and one.score == 1.0
    mean = TASKS["global_piqa"].compute(both, score_items(FnScorer(lambda r: -float(len(r.continuation))), both),
                                        "babylm")
    assert set(mean.subtasks) == {"parallel", "nonparallel"}
    assert mean.score == pytest.approx(sum(mean.subtasks.values()) / 2)


def test_global_piqa_official_predictions_file(tmp_path: Path, tiny_causal_lm: Path) -> None:
    """Through the runner: the official file has both keys, keyed by example_id, one row each."""
    import shutil

    from babylm.evaluation.results import official_predictions
    from babylm.evaluation.runner import evaluate_run

    model = tmp_path / "model"
    shutil.copytree(tiny_causal_lm, model)
    root = write_global_piqa(tmp_path / "data", "fast")
    res = evaluate_run(model, tasks=["global_piqa_parallel", "global_piqa_nonparallel", "global_piqa"],
                       data_root=root, split="fast")
    tasks_done = next(iter(res["checkpoints"].values()))["tasks"]
    assert tasks_done["global_piqa"]["n_items"] == 203
    par, non = tasks_done["global_piqa_parallel"]["score"], tasks_done["global_piqa_nonparallel"]["score"]
    assert tasks_done["global_piqa"]["score"] == pytest.approx((par + non) / 2)
    off = official_predictions(res)
    assert set(off) >= {"global_piqa_parallel", "global_piqa_nonparallel"} and "global_piqa" not in off
    block = off["global_piqa_parallel"]
    assert len(block) == 103 and block["eng_latn_001"]["predictions"][0]["id"] == "eng_latn_001_0"
    pred = block["eng_latn_001"]["predictions"][0]["pred"]
    assert pred in (" twist the lid.", " twist the table very hard.")


def test_global_piqa_official_counts(tmp_path: Path) -> None:
    root = write_global_piqa(tmp_path / "ok", "full")
    assert len(TASKS["global_piqa"].loader(root, "full")) == 203
    bad = write_global_piqa(tmp_path / "bad", "full", 5, 100)
    with pytest.raises(DataFileError, match="5 items .* expected 103"):
        TASKS["global_piqa_parallel"].loader(bad, "full")


def test_tiny_model_through_babylm_scorer(tmp_path: Path, tiny_causal_lm: Path) -> None:
    from babylm.evaluation.scorers.load import make_scorer

    scorer = make_scorer(tiny_causal_lm, "causal")
    root = write_multilingual(tmp_path)
    for name in ("multiblimp_nld", "zhoblimp", "hellaswag_zh_mubench", "xcomps_zh"):
        items = list(TASKS[name].loader(root, "full"))
        scores = score_choices(scorer, items)
        assert all(math.isfinite(v) and v < 0 for sc in scores for v in sc)
        res = TASKS[name].compute(items, scores, "babylm")
        assert 0.0 <= res.score <= 1.0 and res.n_items == len(items)
        # the first candidate alone scores the same as within the batch (independent of batching)
        assert scorer.score([items[0].candidates[0]])[0] == pytest.approx(scores[0][0], abs=1e-4)


def test_runner_scores_and_caches_a_2026_task(tmp_path: Path, tiny_causal_lm: Path) -> None:
    import shutil

    from babylm.evaluation.runner import evaluate_run

    model = tmp_path / "model"
    shutil.copytree(tiny_causal_lm, model)
    root = write_multilingual(tmp_path / "data")
    first = evaluate_run(model, tasks=["multiblimp_nld", "xstorycloze_nl_mubench"], data_root=root, split="full")
    again = evaluate_run(model, tasks=["multiblimp_nld", "xstorycloze_nl_mubench"], data_root=root, split="full")
    a = next(iter(first["checkpoints"].values()))["tasks"]
    b = next(iter(again["checkpoints"].values()))["tasks"]
    assert a["multiblimp_nld"]["score"] == b["multiblimp_nld"]["score"]
    assert a["multiblimp_nld"]["n_items"] == len(MULTIBLIMP["nld"])
    assert a["xstorycloze_nl_mubench"]["details"]["metrics"].keys() == {"acc", "acc_norm"}
    assert list((model / ".babylm_cache").rglob("multiblimp_nld-v1-causal-babylm-full.json"))


@pytest.mark.realdata
def test_blimp_eng_reads_the_original_blimp(shared_data: Path, tmp_path: Path) -> None:
    """The multilingual English board's BLiMP is the original 67 x 1,000 pairs (../shared/data/blimp)."""
    folder = tmp_path / "full_eval" / "blimp_eng"
    folder.mkdir(parents=True)
    for p in sorted((shared_data / "blimp").glob("*.jsonl")):
        (folder / p.name).symlink_to(p)  # a link in tmp, never a copy
    items = list(TASKS["blimp_eng"].loader(tmp_path, "full"))
    assert len(items) == 67_000 and len({it.subtask for it in items}) == 67
    assert all(it.candidates[0].context == "" for it in items[:100])


REAL_FOLDERS = {
    "multiblimp": ("multiblimp_eng", "multiblimp_nld"), "blimp_nl": ("blimp_nl",), "zhoblimp": ("zhoblimp",),
    "xcomps": ("xcomps_nl", "xcomps_zh"),
    **{f"{f}_mubench": tuple(f"{f}_{c}_mubench" for c in ("en", "nl", "zh"))
       for f in ("hellaswag", "winogrande", "xstorycloze")},
    "global_piqa_parallel": ("global_piqa",),
}


@pytest.mark.realdata
@pytest.mark.parametrize("folder", sorted(REAL_FOLDERS))
def test_multilingual_real_data_when_present(shared_data: Path, folder: str) -> None:
    hits = [p for p in shared_data.rglob(folder) if p.is_dir() and p.parent.name in ("fast_eval", "full_eval")]
    if not hits:
        pytest.skip(f"no {folder}/ in {shared_data}: the 2026 evaluation data is not in the shared data (its "
                    "README lists only the 2025 sets, BLiMP, AoA and Natural Stories)")
    root = hits[0].parent.parent
    for name in REAL_FOLDERS[folder]:
        split = "full" if "full" in TASKS[name].splits and (root / "full_eval").is_dir() else "fast"
        items = list(TASKS[name].loader(root, split))
        assert items and all(it.gold is not None and len(it.candidates) >= 2 for it in items)


def test_validation_asks_only_for_registered_tasks_and_nothing_on_multilingual() -> None:
    from babylm.submissions.validate.results import missing_tasks

    assert missing_tasks(get_track("2026/multilingual"), "full", set()) == []
    strict = missing_tasks(get_track("2026/strict"), "fast", set())
    assert "global_piqa" in strict and "glue" not in strict
    assert set(strict) <= set(TASKS)
    assert missing_tasks(get_track("2026/strict"), "fast", set(strict)) == []
