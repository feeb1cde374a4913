"""The Streamlit app with streamlit.testing.v1.AppTest: every page and every filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_runner import run_app
from streamlit.testing.v1 import AppTest

from babylm.leaderboard.app_widgets import plain
from babylm.leaderboard.seed import SYNTHETIC_NOTE, seed_demo
from babylm.leaderboard.store import ScoreRow, Store


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def table(at: AppTest):  # noqa: ANN201 - a DataFrame
    return at.dataframe[0].value


def frame(at: AppTest, column: str):  # noqa: ANN201 - a DataFrame
    """The first table on the page with `column` (st.dataframe elements carry no key in AppTest)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_ranking_page_shows_every_unflagged_entry_with_the_columns(monkeypatch: pytest.MonkeyPatch,
                                                                    seeded_url: str) -> None:
    at = run_app(monkeypatch, seeded_url)
    assert at.title[0].value.startswith("Ranking")
    t = table(at)
    # 14 seeded, one in 13 flagged (hidden by default)
    assert len(t) == 13
    for col in ("rank", "rank range", "team", "model", "marks", "macro", "macro 95% CI", "blimp", "ewok",
                "human-likeness", "parameters", "training PFLOPs", "words seen", "flags"):
        assert col in t.columns
    assert t["rank"].iloc[0] == "1"
    assert t["marks"].str.contains("SYNTHETIC").all()  # an all-synthetic board shows them by default
    first = t["open"].iloc[0]
    assert first.startswith("?page=submission&edition=2025&track=strict-small&id=synth-")
    assert any("SYNTHETIC" in w.value for w in at.warning)
    # the human-likeness scale factors come from the task registry (reading's board_scale)
    assert any("reading x 0.01, aoa, wug_adj, wug_past" in c.value for c in at.caption)
    assert any(c.value.startswith("Macro = unweighted mean of blimp") for c in at.caption)
    labels = [d.label for d in at.get("download_button")]
    assert "Download CSV" in labels and "Download JSON" in labels


def test_ranking_filters(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = run_app(monkeypatch, seeded_url)
    full = table(at)
    at.toggle(key="f_flagged").set_value(True).run()
    with_flagged = table(at)
    assert len(with_flagged) == len(full) + 1
    assert (with_flagged["flags"] != "").sum() == 1 and with_flagged["rank"].iloc[-1] == "— (flagged)"

    backend = at.multiselect(key="f_backend").options[0]
    at.multiselect(key="f_backend").set_value([backend]).run()
    by_backend = table(at)
    assert 0 < len(by_backend) < len(with_flagged)
    at.multiselect(key="f_backend").set_value([]).run()

    size = at.multiselect(key="f_size").options[0]
    at.multiselect(key="f_size").set_value([size]).run()
    assert 0 < len(table(at)) <= len(with_flagged)
    at.multiselect(key="f_size").set_value([]).run()

    at.toggle(key="f_synth").set_value(False).run()
    assert not at.dataframe  # the seeded field is all synthetic: no grid, a message instead
    assert any("No entries match the filters" in i.value for i in at.info)
    assert not at.exception


def test_track_selector_switches_board(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = run_app(monkeypatch, seeded_url)
    assert set(at.sidebar.selectbox(key="track").options) == {"strict-small", "interaction"}
    at.sidebar.selectbox(key="track").set_value("interaction").run()
    assert "interaction" in at.title[0].value
    assert len(table(at)) == 3


def test_learning_curves_page(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = run_app(monkeypatch, seeded_url, page="curves")
    assert at.title[0].value.startswith("Learning curves")
    assert len(charts(at)) == len(at.multiselect(key="curve_tasks").value) == 4  # one chart per task
    spec = charts(at)[0].proto.spec
    assert '"log"' in spec and "words_seen" in spec
    assert at.multiselect(key="curve_tasks").value[0] == "macro"
    at.multiselect(key="curve_tasks").set_value(["blimp"]).run()
    assert len(charts(at)) == 1
    # the chosen entries travel in the URL: a new session opened on it shows the same ones
    two = at.multiselect(key="curve_ids").value[:2]
    at.multiselect(key="curve_ids").set_value(two).run()
    again = run_app(monkeypatch, seeded_url, page="curves", ids=at.query_params["ids"])
    assert again.multiselect(key="curve_ids").value == two
    at.multiselect(key="curve_ids").set_value([]).run()
    assert not charts(at) and any("Pick at least one" in i.value for i in at.info)


def test_flops_page_has_frontier(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = run_app(monkeypatch, seeded_url, page="flops")
    assert at.title[0].value.startswith("Score vs training FLOPs")
    assert len(charts(at)) == 1 and '"log"' in charts(at)[0].proto.spec
    frontier = at.dataframe[0].value
    assert len(frontier) >= 1 and frontier["pareto"].all()
    at.segmented_control(key="flops_y").set_value("human_likeness").run()
    assert not at.exception and "human_likeness" in charts(at)[0].proto.spec


def test_submission_page(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    sid = "synth-2025-strict-small-0013"  # the flagged one
    at = run_app(monkeypatch, seeded_url, page="submission", id=sid)
    assert at.selectbox(key="sub_id").value == sid
    assert any("Flagged" in e.value for e in at.error)
    assert any(plain(SYNTHETIC_NOTE) in w.value for w in at.warning)
    assert [m.label for m in at.metric][:2] == ["rank", "macro"] and at.metric[0].value == "—"
    assert list(frame(at, "field")["field"])[:2] == ["submission", "edition"]  # fact sheet, then ledger summary
    assert len(at.get("progress")) >= 2  # budgets
    subheads = [h.value for h in at.subheader]
    for h in ("Fact sheet", "Budgets used against the caps", "Ledger summary", "Scores (last checkpoint per task)",
              "Learning curves", "Validation report", "Flags"):
        assert h in subheads
    tasks = frame(at, "task_version")
    assert {"blimp", "reading", "aoa"} <= set(tasks["task"])
    assert len(charts(at)) >= 1


def test_interaction_chart_when_meta_has_it(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = run_app(monkeypatch, seeded_url, page="submission", track="interaction", id="synth-2025-interaction-0001")
    assert "Interaction: success per round" in [h.value for h in at.subheader]
    assert len(charts(at)) == 2


def test_new_scores_show_up_without_restart(monkeypatch: pytest.MonkeyPatch, fresh_url: str) -> None:
    s = Store(fresh_url)
    seed_demo(s, 2, seed=3)
    at = run_app(monkeypatch, fresh_url)
    assert len(table(at)) == 2
    s.upsert_submission(submission_id="late", team="Late", model="m", edition=2025, track="strict-small",
                        backend="causal")
    s.add_scores([ScoreRow(submission_id="late", checkpoint="chck_1M", task="blimp", metric="accuracy", value=0.99)])
    at.run()
    t = table(at)
    assert len(t) == 3 and "Late" in set(t["team"])
    assert "blimp" in t.columns


def test_empty_and_missing_store(monkeypatch: pytest.MonkeyPatch, fresh_url: str, tmp_path: Path) -> None:
    Store(fresh_url)
    at = run_app(monkeypatch, fresh_url)
    assert any("empty" in i.value for i in at.info)
    at = run_app(monkeypatch, f"sqlite:///{tmp_path / 'absent.sqlite'}")
    assert any("Cannot open" in e.value for e in at.error)


def test_submission_page_with_the_scorer_meta_shape(monkeypatch: pytest.MonkeyPatch, fresh_url: str) -> None:
    """What submissions.score writes: validator budgets, scale, teacher info, claimed + re-eval metrics."""
    s = Store(fresh_url)
    s.upsert_submission(
        submission_id="real-1", team="Demo", model="gpt2-tiny", edition=2025, track="strict-small", backend="causal",
        n_params=1_000_000, train_flops=2e12, words_seen=90_000, teacher="meta-llama/Llama-3.2-1B-Instruct",
        meta={"fact_sheet": {"n_params": 1_000_000, "arch": "gpt2"}, "scale": "1/100", "data_words": 90_000,
              "budgets": {"word_budget": 100_000, "exposure_cap": 1_000_000, "student_generation_cap": None},
              "ledger_summary": {"words": 95_000, "checkpoints": {"chck_1M": 10_000}},
              "teacher": {"model_id": "meta-llama/Llama-3.2-1B-Instruct", "n_params": 1_235_814_400, "words": 1200},
              "interaction": {"teacher feedback": [0.2, 0.4]},
              "interaction_run": {"protocol": "respect", "run_id": "respect-1", "metric": "success", "rounds": 2}})
    s.upsert_checkpoint(submission_id="real-1", name="chck_1M", words_seen=10_000, train_flops=1e12, content_hash="h")
    rows = [ScoreRow(submission_id="real-1", checkpoint="chck_1M", content_hash="h", task="blimp", metric=m,
                     value=v, subtask=sub) for m, v in (("accuracy", 0.61), ("accuracy:reeval", 0.6))
            for sub in ("", "anaphor_agreement")]
    s.add_scores(rows)
    s.set_validation_report("real-1", {"ok": True, "findings": []})
    at = run_app(monkeypatch, fresh_url, page="submission", id="real-1")
    assert any("SCALED" in w.value for w in at.warning)
    assert at.metric[1].value.startswith("0.122")  # blimp 0.61 / 5 tasks (the others missing count 0)
    assert any("Incomplete (1 of 9 tasks)" in w.value for w in at.warning)
    assert "Interaction details" in [e.label for e in at.expander]
    fact_frame = frame(at, "field")
    facts = dict(zip(fact_frame["field"], fact_frame["value"], strict=True))
    assert facts["teacher"] == "meta-llama/Llama-3.2-1B-Instruct" and facts["teacher words"] == "1,200"
    assert facts["teacher parameters"] == "1,235,814,400"
    assert "Interaction: success per round" in [h.value for h in at.subheader]
    assert len(at.get("progress")) == 2
    scores = frame(at, "task_version")
    assert set(scores["metric"]) == {"accuracy", "accuracy:reeval"}
    assert set(scores["95% CI"]) == {"— (no interval stored)"}


def test_edition_selector(monkeypatch: pytest.MonkeyPatch, fresh_url: str) -> None:
    s = Store(fresh_url)
    seed_demo(s, 2, edition=2025, track="strict-small", seed=1)
    seed_demo(s, 3, edition=2026, track="multilingual", seed=2)
    at = run_app(monkeypatch, fresh_url)
    assert at.sidebar.selectbox(key="edition").value == 2026  # newest edition first
    assert "2026 / multilingual" in at.title[0].value and len(table(at)) == 3
    at.sidebar.selectbox(key="edition").set_value(2025).run()
    assert not at.exception
    assert "2025 / strict-small" in at.title[0].value and len(table(at)) == 2


def test_task_columns_take_their_tooltip_from_the_task_registry() -> None:
    from babylm.leaderboard.app_ranking import _column_config
    from babylm.leaderboard.board_tasks import task_info

    cfg = _column_config(("blimp", "not_a_task"))
    assert cfg["blimp"].get("help").startswith(task_info("blimp").help)
    assert cfg["not_a_task"].get("help") == "; —: no score stored"  # a task no registry knows: still a column
