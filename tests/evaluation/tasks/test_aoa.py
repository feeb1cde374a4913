"""AoA: contexts built from text, child AoA from CDI proportions, sigmoid fits across checkpoints."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from babylm.errors import BabyLMError
from babylm.evaluation.api import TASKS, ScoreRequest
from babylm.evaluation.metrics.human import sigmoid
from babylm.evaluation.tasks import aoa as tasks_aoa
from babylm.evaluation.tasks.datafiles import DataFileError

CHILD = {"dog": 17.0, "ball": 18.5, "cup": 21.0, "happy": 24.0, "because": 28.0}


def make_sources(root: Path) -> Path:
    """A data root like ../shared/data: babylm_eval_2025/fast_eval, aoa/ and babylm_train_sample/."""
    (root / "babylm_eval_2025" / "fast_eval").mkdir(parents=True)
    cb = root / "aoa" / "wordbank_chang_bergen_2022"
    cb.mkdir(parents=True)
    months = list(range(16, 31))
    lines = ['"num_item_id","definition","type","category",' + ",".join(f'"{m}"' for m in months)]
    defs = {"dog": "dog", "ball": "ball", "cup": "cup (object)", "happy": "happy*", "because": "because",
            "night night": "night night"}
    for n, (word, definition) in enumerate(defs.items()):
        age = CHILD.get(word, 20.0)
        props = [1 / (1 + math.exp(-0.8 * (m - age))) for m in months]
        lines.append(f'{n},"{definition}","word","x",' + ",".join(f"{p:.4f}" for p in props))
    (cb / "child_american_english_proportions.csv").write_text("\n".join(lines) + "\n")
    text = root / "babylm_train_sample" / "train_100k"
    text.mkdir(parents=True)
    (text / "a.train").write_text(
        "The dog ran to the ball. I like my cup. She was happy because the dog came back. Dog days. "
        "He threw the ball, and the dog caught the ball! We are happy. Is it because of the cup?\n")
    (text / "b.train").write_text("*MOT: where is the ball? *CHI: ball. *MOT: a happy dog.\n")
    return root


def test_contexts_are_built_from_text(tmp_path: Path) -> None:
    root = make_sources(tmp_path)
    items = tasks_aoa.load(root / "babylm_eval_2025", "fast")
    by_word = {it.extra["word"]: it for it in items}
    assert sorted(by_word) == sorted(CHILD)  # "night night" is multi-word: left out
    assert by_word["happy"].extra["child_aoa"] == pytest.approx(24.0, abs=0.05)
    assert ScoreRequest("The", " dog") in by_word["dog"].candidates
    assert all(c.context and c.continuation.startswith(" ") for it in items for c in it.candidates)
    # "ball" occurs 5 times, 4 times after some context ("*CHI: ball." starts a turn)
    assert len(by_word["ball"].candidates) == 4
    assert len(tasks_aoa.load(root, "full", contexts_per_word=2)[0].candidates) == 2
    assert all(not c.context.startswith("*") for it in items for c in it.candidates)
    again = tasks_aoa.load(root, "fast")
    assert [i.candidates for i in again] == [i.candidates for i in items]  # reproducible draw


def test_clean_cdi_word() -> None:
    assert tasks_aoa.clean_cdi_word("chicken (animal)") == "chicken"
    assert tasks_aoa.clean_cdi_word("soda/pop") == "soda"
    assert tasks_aoa.clean_cdi_word("daddy*") == "daddy"
    assert tasks_aoa.clean_cdi_word("TV") == "tv"
    assert tasks_aoa.clean_cdi_word("baa baa") is None
    assert tasks_aoa.clean_cdi_word("a") is None


def test_missing_sources_are_not_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BABYLM_AOA_DIR", raising=False)
    monkeypatch.delenv("BABYLM_AOA_TEXT", raising=False)
    (tmp_path / "fast_eval").mkdir()
    with pytest.raises(DataFileError, match="child AoA norms not available"):
        tasks_aoa.load(tmp_path, "fast")
    root = make_sources(tmp_path / "x")
    import shutil

    shutil.rmtree(root / "babylm_train_sample")
    with pytest.raises(DataFileError, match="contexts not available"):
        tasks_aoa.load(root, "fast")
    monkeypatch.setenv("BABYLM_AOA_TEXT", str(tmp_path / "nowhere"))
    with pytest.raises(DataFileError, match="does not exist"):
        tasks_aoa.load(root, "fast")


def test_official_contexts_file_is_used_when_present(tmp_path: Path) -> None:
    import json

    root = make_sources(tmp_path)
    aoa = root / "babylm_eval_2025" / "full_eval" / "aoa"
    aoa.mkdir(parents=True)
    (aoa / "cdi_childes.json").write_text(json.dumps({"dog": [{"context": "I see a "}, {"context": "my"}],
                                                      "a": [{"context": "x"}], "zebra": [{"context": "the"}]}))
    items = tasks_aoa.load(root, "full")
    assert [i.id for i in items] == ["aoa_dog"]  # one-letter words dropped, zebra has no child AoA
    assert items[0].candidates == [ScoreRequest("I see a", " dog"), ScoreRequest("my", " dog")]
    (aoa / "cdi_childes.json").write_text("{broken")
    with pytest.raises(DataFileError, match="cdi_childes.json: malformed JSON"):
        tasks_aoa.load(root, "full")


def planted_scores(items: list, checkpoints: dict[str, int], noise: float = 0.0) -> dict:
    """Per checkpoint, each context's log-prob follows a sigmoid whose midpoint tracks the child AoA."""
    rng = np.random.default_rng(0)
    out = {}
    for name, words in checkpoints.items():
        x = math.log10(words + 1)
        per_item = []
        for it in items:
            mid = 5.5 + (it.extra["child_aoa"] - 16) / 14 * 2.0  # AoA 16..30 months -> 5.5..7.5 log10 words
            y = float(sigmoid(np.array(x), 6.0, 5.0, mid, -12.0))
            per_item.append([y + rng.normal(0, noise) for _ in it.candidates])
        out[name] = (words, per_item)
    return out


SCHEDULE = {f"chck_{n}M": n * 1_000_000 for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)}


def test_across_checkpoints_recovers_the_planted_order(tmp_path: Path) -> None:
    items = tasks_aoa.load(make_sources(tmp_path), "fast")
    # a 0.1 M-word checkpoint too, so every midpoint lies inside the observed range
    res = TASKS["aoa"].across_checkpoints(items, planted_scores(items, {"chck_0": 100_000, **SCHEDULE}, noise=0.01))
    assert res.metric == "aoa_pearson" and res.details["n_valid_words"] == 5
    assert res.score > 0.95
    assert res.details["model_aoa_log10_words"]["because"] > res.details["model_aoa_log10_words"]["dog"]
    rows = res.details["official_predictions"]["aoa"]
    assert {r["id"] for r in rows} == set(CHILD)


def test_too_few_checkpoints_or_words_score_zero(tmp_path: Path) -> None:
    items = tasks_aoa.load(make_sources(tmp_path), "fast")
    few = dict(list(SCHEDULE.items())[:3])
    res = TASKS["aoa"].across_checkpoints(items, planted_scores(items, few))
    assert res.score == 0.0 and "at least 4" in res.details["warning"]
    two = [it for it in items if it.extra["word"] in ("dog", "cup")]
    res = TASKS["aoa"].across_checkpoints(two, planted_scores(two, {"chck_0": 100_000, **SCHEDULE}))
    assert res.score == 0.0 and res.details["n_valid_words"] == 2


def test_checkpoints_without_words_seen_are_skipped(tmp_path: Path) -> None:
    items = tasks_aoa.load(make_sources(tmp_path), "fast")
    scores = planted_scores(items, {"chck_0": 100_000, **SCHEDULE})
    base = TASKS["aoa"].across_checkpoints(items, scores)
    scores["main"] = (0, [[0.0] * len(it.candidates) for it in items])
    res = TASKS["aoa"].across_checkpoints(items, scores)
    assert res.details["skipped_checkpoints"] == ["main"] and res.score == base.score
    with pytest.raises(BabyLMError, match="no checkpoint with a known number of words"):
        TASKS["aoa"].across_checkpoints(items, {"main": scores["main"]})


def test_nan_in_one_checkpoint_names_it(tmp_path: Path) -> None:
    items = tasks_aoa.load(make_sources(tmp_path), "fast")
    scores = planted_scores(items, SCHEDULE)
    scores["chck_7M"][1][0][0] = float("nan")
    with pytest.raises(BabyLMError, match=r"aoa \(chck_7M\): item aoa_ball candidate 0"):
        TASKS["aoa"].across_checkpoints(items, scores)


@pytest.mark.realdata
def test_real_sources_load(shared_data: Path) -> None:
    items = tasks_aoa.load(shared_data / "babylm_eval_2025", "fast")
    assert 400 <= len(items) <= 640
    assert all(1 <= len(it.candidates) <= 4 for it in items)
    assert all(10 <= it.extra["child_aoa"] <= 45 for it in items)
    assert items[0].extra["child_aoa_from"].startswith("wordbank_chang_bergen_2022")
