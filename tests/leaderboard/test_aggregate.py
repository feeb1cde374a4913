"""Aggregation and ranking rules, on hand-made frames (no store, no Streamlit)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from babylm.evaluation.api import TaskSpec
from babylm.leaderboard import aggregate as ag
from babylm.leaderboard import board_tasks
from babylm.tracks.rules import TEXT_TASKS, all_tracks

LING = TEXT_TASKS.linguistic
HUMAN = TEXT_TASKS.human_likeness


def subs(*ids: str, **cols: list) -> pd.DataFrame:
    n = len(ids)
    base = {
        "submission_id": list(ids), "team": [f"team-{i}" for i in ids], "model": ["m"] * n,
        "edition": [2025] * n, "track": ["strict-small"] * n, "backend": ["causal"] * n,
        "n_params": [1e7] * n, "train_flops": [1e15] * n, "words_seen": [10**8] * n, "synthetic": [False] * n,
        "created": pd.to_datetime(["2026-01-01"] * n, utc=True),
    }
    base.update(cols)
    return pd.DataFrame(base)


def rows(sid: str, task: str, value: float | None = None, subtasks: dict[str, float] | None = None,
         ci: tuple[float, float] | None = None, checkpoint: str = "chck_100M") -> list[dict]:
    out = []
    if value is not None:
        out.append(dict(submission_id=sid, checkpoint=checkpoint, task=task, subtask="", metric="accuracy",
                        value=value, ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None))
    for s, v in (subtasks or {}).items():
        out.append(dict(submission_id=sid, checkpoint=checkpoint, task=task, subtask=s, metric="accuracy",
                        value=v, ci_low=None, ci_high=None))
    return out


def full_entry(sid: str, ling: float, human: float = 0.2, **extra: float) -> list[dict]:
    out = []
    for t in LING:
        out += rows(sid, t, extra.get(t, ling))
    for t in HUMAN:
        out += rows(sid, t, human * (100 if t == "reading" else 1))
    return out


def latest(*parts: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([r for p in parts for r in p])


NO_FLAGS = pd.DataFrame(columns=["submission_id", "reason", "by", "checkpoint", "task", "created"])


def board(s: pd.DataFrame, lat: pd.DataFrame, flags: pd.DataFrame = NO_FLAGS, **kw: object) -> ag.Board:
    return ag.score_board(s, lat, flags, edition=2025, track="strict-small", n_boot=400, **kw)


def test_a_board_ranks_its_tracks_task_sets_and_falls_back_to_the_text_set() -> None:
    for tr in all_tracks():
        assert ag.tasks_for(tr.edition, tr.name) is tr.tasks
    assert ag.tasks_for(2025, "multimodal").linguistic[-2:] == ("vqa", "winoground")
    assert ag.tasks_for(1999, "nope") is TEXT_TASKS
    assert ag.tasks_for(2025, "multilingual") is TEXT_TASKS  # a 2026 track, not a 2025 one
    assert set(TEXT_TASKS.human_likeness) == {"reading", "aoa", "wug_adj", "wug_past"}
    assert not set(TEXT_TASKS.human_likeness) & set(TEXT_TASKS.linguistic)


def test_scale_and_metric_come_from_the_task_registry() -> None:
    assert board_tasks.board_scale("reading") == pytest.approx(0.01)
    assert board_tasks.board_scale("aoa") == 1.0
    assert board_tasks.primary_metric("reading") == "delta_r2"
    # a task the store has rows for but no registry knows (vqa before it is implemented)
    assert board_tasks.board_scale("not_a_task") == 1.0 and board_tasks.primary_metric("not_a_task") is None
    info = board_tasks.task_info("not_a_task")
    assert info.name == "not_a_task" and info.help == ""


def test_task_info_help_names_what_the_spec_knows() -> None:
    info = board_tasks.TaskInfo("x", description="Minimal pairs.", unit="accuracy", chance=0.5,
                                higher_is_better=False)
    assert info.help == "Minimal pairs.; unit: accuracy; chance: 0.5; lower is better"
    assert board_tasks.task_info("blimp").name == "blimp"


def test_a_registered_tasks_metric_wins_over_the_first_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from babylm.evaluation import registry

    spec = TaskSpec(name="zz_task", version="1", metric="f1", loader=lambda *a, **k: [], compute=lambda *a, **k: None)
    monkeypatch.setitem(registry.tasks(), "zz_task", spec)
    lat = latest(rows("a", "zz_task", 0.7))
    lat = pd.concat([lat, lat.assign(metric="f1", value=0.1)])
    assert ag.task_scores(lat).loc["a", "zz_task"] == pytest.approx(0.1)


def test_task_score_is_the_task_row_else_the_mean_of_subtasks() -> None:
    lat = latest(rows("a", "blimp", 0.7, {"x": 0.6, "y": 0.8}), rows("a", "ewok", None, {"d1": 0.5, "d2": 0.7}))
    wide = ag.task_scores(lat)
    assert wide.loc["a", "blimp"] == pytest.approx(0.7)
    assert wide.loc["a", "ewok"] == pytest.approx(0.6)


def test_primary_metric_picks_one_row_per_task() -> None:
    lat = latest(rows("a", "glue", 0.7))
    lat = pd.concat([lat, lat.assign(metric="f1", value=0.1)])
    assert ag.task_scores(lat).loc["a", "glue"] == pytest.approx(0.7)


def test_macro_is_mean_of_linguistic_tasks_and_human_likeness_is_separate() -> None:
    lat = latest(full_entry("a", 0.6, human=0.3, blimp=0.9))
    b = board(subs("a"), lat)
    r = b.frame.iloc[0]
    assert r["macro"] == pytest.approx((0.9 + 0.6 * 4) / 5)
    # reading 30 (delta R^2 x 100) is mapped to 0.30 before averaging with the correlations
    assert r["human_likeness"] == pytest.approx(0.3)
    assert r["missing"] == ""
    assert b.macro_tasks == LING


def test_missing_task_counts_as_zero_and_is_listed() -> None:
    full = full_entry("a", 0.6)
    partial = [x for x in full_entry("b", 0.6) if x["task"] not in ("ewok", "aoa")]
    b = board(subs("a", "b"), latest(full, partial))
    fr = b.frame.set_index("submission_id")
    assert fr.loc["b", "macro"] == pytest.approx(0.6 * 4 / 5)
    assert fr.loc["b", "missing"] == "ewok, aoa"
    assert fr.loc["a", "rank"] == 1 and fr.loc["b", "rank"] == 2


def test_optional_glue_joins_the_macro_only_when_every_ranked_entry_has_it() -> None:
    a = full_entry("a", 0.6) + rows("a", "glue", 1.0)
    b_ = full_entry("b", 0.6)
    without = board(subs("a", "b"), latest(a, b_))
    assert "glue" not in without.macro_tasks
    assert without.frame.set_index("submission_id").loc["a", "glue"] == pytest.approx(1.0)  # still shown
    both = board(subs("a", "b"), latest(a, b_ + rows("b", "glue", 0.5)))
    assert "glue" in both.macro_tasks
    assert both.frame.set_index("submission_id").loc["a", "macro"] == pytest.approx((0.6 * 5 + 1.0) / 6)


def test_tie_breaks_follow_the_stated_order() -> None:
    lat = latest(full_entry("a", 0.6, human=0.1), full_entry("b", 0.6, human=0.2), full_entry("c", 0.6, human=0.2),
                 full_entry("d", 0.6, human=0.2), full_entry("e", 0.6, human=0.2))
    s = subs("a", "b", "c", "d", "e", train_flops=[1e14, 2e15, 1e15, 1e15, 1e15], n_params=[1, 1, 5e7, 1e7, 1e7],
             created=pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-01", "2026-01-03", "2026-01-02"], utc=True))
    order = list(board(s, lat).frame["submission_id"])
    # equal macro: higher human-likeness first (b..e before a); then fewer FLOPs (c, d, e before b);
    # then fewer parameters (d, e before c); then earlier submission (e before d)
    assert order == ["e", "d", "c", "b", "a"]
    assert ag.TIE_BREAKS[0] == "macro desc"


def test_flagged_entries_are_not_ranked_and_sort_last() -> None:
    lat = latest(full_entry("a", 0.9), full_entry("b", 0.6), full_entry("c", 0.5))
    flags = pd.DataFrame([{"submission_id": "a", "reason": "over cap", "by": "org", "checkpoint": "", "task": "",
                           "created": None}])
    fr = board(subs("a", "b", "c"), lat, flags).frame
    assert list(fr["submission_id"]) == ["b", "c", "a"]
    assert list(fr["rank"][:2]) == [1, 2] and math.isnan(fr["rank"].iloc[2])
    assert fr["flags"].iloc[2] == "over cap (org)" and fr["flagged"].iloc[2]
    assert not ag.apply_filters(fr, show_flagged=False)["flagged"].any()
    assert len(ag.apply_filters(fr, show_flagged=True)) == 3


def test_entries_without_any_task_score_are_listed_but_not_ranked() -> None:
    lat = latest(full_entry("a", 0.4), full_entry("b", 0.6))
    b = board(subs("a", "b", "game"), lat)
    fr = b.frame
    assert list(fr["submission_id"]) == ["b", "a", "game"]
    assert list(fr["rank"][:2]) == [1, 2] and math.isnan(fr["rank"].iloc[2])
    assert fr["unscored"].tolist() == [False, False, True] and fr["rank_range"].iloc[2] == ""
    assert any("not ranked" in n for n in b.notes)


def _noisy_entry(sid: str, level: float, rng: np.random.Generator, spread: float) -> list[dict]:
    out = []
    for t in LING:
        subs_ = {f"s{k}": level + rng.normal(0, spread) for k in range(8)}
        out += rows(sid, t, None, subs_)
    return out


def test_bootstrap_interval_and_distinguishability() -> None:
    rng = np.random.default_rng(0)
    # a and b differ by much less than their sub-task spread; c is far below
    lat = latest(_noisy_entry("a", 0.70, rng, 0.05), _noisy_entry("b", 0.699, rng, 0.05),
                 _noisy_entry("c", 0.40, rng, 0.05))
    fr = board(subs("a", "b", "c"), lat).frame.set_index("submission_id")
    for sid in "abc":
        assert fr.loc[sid, "macro_low"] <= fr.loc[sid, "macro"] <= fr.loc[sid, "macro_high"]
        assert fr.loc[sid, "macro_high"] - fr.loc[sid, "macro_low"] > 0.005
    second = fr.index[fr["rank"] == 2][0]
    assert fr.loc[second, "same_as_above"]  # cannot be told from the leader
    assert not fr.loc["c", "same_as_above"]
    assert fr.loc["a", "rank_range"] == "1-2" and fr.loc["b", "rank_range"] == "1-2"
    assert fr.loc["c", "rank_range"] == "3"


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(3)
    lat = latest(_noisy_entry("a", 0.7, rng, 0.05), _noisy_entry("b", 0.6, rng, 0.05))
    one = board(subs("a", "b"), lat, seed=5).frame
    two = board(subs("a", "b"), lat, seed=5).frame
    assert one["macro_low"].tolist() == two["macro_low"].tolist()


def test_task_without_subtasks_uses_its_stored_interval() -> None:
    wide = [r for t in LING for r in rows("a", t, 0.6, ci=(0.5, 0.7))]
    narrow = [r for t in LING for r in rows("b", t, 0.6, ci=(0.599, 0.601))]
    fr = board(subs("a", "b"), latest(wide, narrow)).frame.set_index("submission_id")
    width = fr["macro_high"] - fr["macro_low"]
    assert width["a"] > 10 * width["b"] > 0


def test_pareto_frontier() -> None:
    x = [1, 2, 3, 4, np.nan, 2]
    y = [0.5, 0.7, 0.6, 0.9, 1.0, 0.7]
    assert ag.pareto_frontier(x, y).tolist() == [True, True, False, True, False, False]
    assert ag.pareto_frontier([], []).tolist() == []


def test_filters_by_backend_size_and_synthetic() -> None:
    lat = latest(full_entry("a", 0.6), full_entry("b", 0.5), full_entry("c", 0.4))
    s = subs("a", "b", "c", backend=["causal", "mlm", "causal"], n_params=[5e6, 5e7, None],
             synthetic=[True, False, False])
    fr = board(s, lat).frame
    assert set(ag.apply_filters(fr, backends=["causal"])["submission_id"]) == {"a", "c"}
    assert set(ag.apply_filters(fr, sizes=["10M-100M"])["submission_id"]) == {"b"}
    assert set(ag.apply_filters(fr, sizes=["unknown"])["submission_id"]) == {"c"}
    assert set(ag.apply_filters(fr, show_synthetic=False)["submission_id"]) == {"b", "c"}
    assert len(ag.apply_filters(fr)) == 3


def test_size_bucket_edges() -> None:
    assert ag.size_bucket(9_999_999) == "< 10M"
    assert ag.size_bucket(10_000_000) == "10M-100M"
    assert ag.size_bucket(2e9) == ">= 1B"
    assert ag.size_bucket(None) == "unknown" and ag.size_bucket(float("nan")) == "unknown"


def test_learning_curves_take_task_rows_else_subtask_means_and_skip_across_checkpoint_rows() -> None:
    sc = pd.DataFrame([
        dict(submission_id="a", checkpoint="chck_1M", task="blimp", subtask="", metric="accuracy", value=0.6,
             words_seen=1e6),
        dict(submission_id="a", checkpoint="chck_1M", task="blimp", subtask="x", metric="accuracy", value=0.1,
             words_seen=1e6),
        dict(submission_id="a", checkpoint="chck_2M", task="ewok", subtask="x", metric="accuracy", value=0.4,
             words_seen=2e6),
        dict(submission_id="a", checkpoint="chck_2M", task="ewok", subtask="y", metric="accuracy", value=0.6,
             words_seen=2e6),
        dict(submission_id="a", checkpoint="all", task="aoa", subtask="", metric="aoa_pearson", value=0.3,
             words_seen=None),
    ])
    cur = ag.learning_curves(sc).set_index("task")
    assert cur.loc["blimp", "value"] == pytest.approx(0.6)
    assert cur.loc["ewok", "value"] == pytest.approx(0.5)
    assert "aoa" not in cur.index
    assert ag.learning_curves(sc.iloc[0:0]).empty


def test_budget_rows_from_given_amounts_or_the_validator_summary() -> None:
    out = ag.budget_rows({"budgets": {"words_budget": 100, "words_used": 50, "exposure_cap": 1000,
                                      "words_seen": 1100}})
    assert [r["share"] for r in out] == [0.5, 1.1]
    # the validator's shape: caps in budgets, amounts in data_words and the ledger summary
    out = ag.budget_rows({"budgets": {"word_budget": 200, "exposure_cap": 400, "student_generation_cap": None},
                          "data_words": 150, "ledger_summary": {"words": 100}})
    assert [(r["used"], r["cap"], r["share"]) for r in out] == [(150, 200, 0.75), (100, 400, 0.25)]
    assert ag.budget_rows({}) == []


def test_interaction_series_keeps_only_numeric_rounds() -> None:
    meta = {"interaction": {"feedback": [0.1, 0.2], "teacher": {"model_id": "x"}, "empty": []}}
    assert ag.interaction_series(meta) == {"feedback": [0.1, 0.2]}
    assert ag.interaction_series({"interaction": "nope"}) == {}


def test_check_metrics_do_not_replace_the_plain_metric() -> None:
    lat = latest(rows("a", "blimp", 0.7), rows("b", "blimp", 0.6))
    reeval = lat.assign(metric="accuracy:reeval", value=0.1)
    only_b = reeval[reeval.submission_id == "b"].assign(task="ewok")
    wide = ag.task_scores(pd.concat([lat, reeval, only_b]))
    assert wide.loc["a", "blimp"] == pytest.approx(0.7) and wide.loc["b", "blimp"] == pytest.approx(0.6)
    assert wide.loc["b", "ewok"] == pytest.approx(0.1)  # a check metric alone still counts


def test_empty_board() -> None:
    b = board(subs(), latest())
    assert b.frame.empty

_pts = st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 1)), min_size=0, max_size=30)


@given(_pts)
@settings(max_examples=60, deadline=None)
def test_pareto_frontier_properties(pts: list[tuple[float, float]]) -> None:
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    front = ag.pareto_frontier(x, y)

    def dominated(i: int) -> bool:
        return bool(np.any((x <= x[i]) & (y >= y[i]) & ((x < x[i]) | (y > y[i]))))

    for i in range(len(pts)):
        if front[i]:
            assert not dominated(i)
        else:  # off the frontier: something beats it, or it duplicates a frontier point
            assert dominated(i) or any(front[j] and x[j] == x[i] and y[j] == y[i] for j in range(len(pts)))


@given(st.lists(st.floats(0.3, 0.9), min_size=1, max_size=12), st.integers(0, 3))
@settings(max_examples=25, deadline=None)
def test_rank_properties(levels: list[float], n_flagged: int) -> None:
    rng = np.random.default_rng(0)
    ids = [f"e{i}" for i in range(len(levels))]
    lat = latest(*[_noisy_entry(sid, lv, rng, 0.03) for sid, lv in zip(ids, levels, strict=True)])
    flagged = ids[:n_flagged]
    flags = pd.DataFrame([{"submission_id": f, "reason": "x", "by": "y", "checkpoint": "", "task": "",
                           "created": None} for f in flagged], columns=NO_FLAGS.columns)
    fr = board(subs(*ids), lat, flags).frame
    ranked = fr[~fr["flagged"]]
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert (ranked["macro"].diff().dropna() <= 1e-12).all()  # best first
    assert ((ranked["rank_best"] <= ranked["rank"]) & (ranked["rank"] <= ranked["rank_worst"])).all()
    assert fr["rank"][fr["flagged"]].isna().all() and list(fr["flagged"]) == sorted(fr["flagged"])
