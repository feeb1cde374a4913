"""WUG adj / past: softmax P(candidate 0) vs the human ratio (Spearman); wug_past data absent here."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from task_scoring import FnScorer, ShortScorer, score_items, write_plain_task

from babylm.errors import BabyLMError
from babylm.evaluation.api import TASKS, ScoreRequest
from babylm.evaluation.tasks import wug as tasks_wug
from babylm.evaluation.tasks.datafiles import DataFileError

PAST = [  # nonce verbs: candidate 0 is the regular -ed form
    ("spling", "splinged", "splung", 0.4), ("blick", "blicked", "bluck", 0.9), ("frink", "frinked", "frunk", 0.3),
    ("gloop", "glooped", "glept", 0.8), ("trink", "trinked", "trunk", 0.5),
]


def past_rows() -> list[dict[str, object]]:
    return [{"sentences": f"Today I {v}. Yesterday I {a}.\tToday I {v}. Yesterday I {b}.", "ratio": r}
            for v, a, b, r in PAST]


def test_wug_past_works_on_a_generated_file(tmp_path: Path) -> None:
    write_plain_task(tmp_path, "fast", "wug_past_tense", {"wug_past_tense": past_rows()})
    items = tasks_wug.load_wug_past(tmp_path, "fast")
    assert [i.id for i in items] == [f"wug_past_{n}" for n in range(5)]
    assert items[1].candidates == [ScoreRequest("", "Today I blick. Yesterday I blicked."),
                                   ScoreRequest("", "Today I blick. Yesterday I bluck.")]
    assert items[1].gold is None and items[1].extra["ratio"] == 0.9
    # A scorer whose preference for candidate 0 rises with the human ratio: rho = 1.
    ratio = {f"Today I {v}. Yesterday I {a}.": r for v, a, _, r in PAST}
    scorer = FnScorer(lambda req: 10 * ratio.get(req.continuation, 0.5) if req.continuation in ratio else 5.0)
    res = TASKS["wug_past"].compute(items, score_items(scorer, items), "babylm")
    assert res.metric == "spearman" and res.score == pytest.approx(1.0)
    rows = res.details["official_predictions"]["wug_past"]
    assert rows[1]["id"] == "wug_past_1" and rows[1]["prob"] == pytest.approx(1 / (1 + math.exp(-4.0)))
    assert rows[1]["pred"] == "Today I blick. Yesterday I blicked."


def test_wug_past_absent_is_reported_as_not_available(tmp_path: Path) -> None:
    (tmp_path / "fast_eval").mkdir()
    with pytest.raises(DataFileError, match="wug_past: data not available"):
        tasks_wug.load_wug_past(tmp_path, "fast")
    assert tasks_wug.available(tmp_path, "fast") == {"wug_adj": False, "wug_past": False}


def test_constant_preferences_score_zero_with_a_warning(tmp_path: Path) -> None:
    write_plain_task(tmp_path, "fast", "wug_past_tense", {"w": past_rows()})
    items = tasks_wug.load_wug_past(tmp_path, "fast")
    res = tasks_wug.compute_wug_past(items, [[-1.0, -1.0] for _ in items], "babylm")
    assert res.score == 0.0 and "undefined" in res.details["warning"]
    assert res.tie_rate == 1.0


def test_bad_rows(tmp_path: Path) -> None:
    write_plain_task(tmp_path, "fast", "wug_past_tense", {"w": [{"sentences": "only one", "ratio": 0.5}]})
    with pytest.raises(DataFileError, match="line 1: bad wug_past row.*TAB"):
        tasks_wug.load_wug_past(tmp_path, "fast")
    write_plain_task(tmp_path, "fast", "wug_past_tense", {"w": [{"sentences": "a\tb", "ratio": 1.5}]})
    with pytest.raises(DataFileError, match="not a proportion"):
        tasks_wug.load_wug_past(tmp_path, "fast")
    write_plain_task(tmp_path, "fast", "wug_past_tense", {"w": past_rows()})
    items = tasks_wug.load_wug_past(tmp_path, "fast")
    with pytest.raises(BabyLMError, match="wug_past_2 candidate 0"):
        tasks_wug.compute_wug_past(items, [[-1.0, -2.0]] * 2 + [[float("-inf"), -1.0]] + [[-1.0, -2.0]] * 2, "babylm")


def test_wug_adj_count_mismatch_is_an_error(tmp_path: Path) -> None:
    write_plain_task(tmp_path, "fast", "wug_adj_nominalization", {"wug_adj_nominalization": past_rows()})
    with pytest.raises(DataFileError, match=r"wug_adj \(fast\): 5 items .* expected 200"):
        tasks_wug.load_wug_adj(tmp_path, "fast")


@pytest.mark.realdata
def test_real_wug_adj(shared_data: Path) -> None:
    for split in ("fast", "full"):
        items = tasks_wug.load_wug_adj(shared_data, split)  # type: ignore[arg-type]
        assert len(items) == 200
    assert items[0].candidates[0].continuation.endswith("ity")
    assert items[0].candidates[1].continuation.endswith("ness")
    res = tasks_wug.compute_wug_adj(items, score_items(ShortScorer(), items), "babylm")
    assert -1.0 <= res.score <= 1.0 and res.n_items == 200
    with pytest.raises(DataFileError, match="not available"):
        tasks_wug.load_wug_past(shared_data, "fast")
