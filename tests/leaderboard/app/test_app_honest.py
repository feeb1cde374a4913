"""Issue 12, items 1 and 4 in the app (AppTest): honest numbers, marks, defaults, user strings as text."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from app_runner import run_app
from streamlit.testing.v1 import AppTest

EVIL_TEAM = "[Official BabyLM baseline](https://evil.example)"  # as the fixture stores it




def ranking(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value.set_index("submission")


def test_opens_on_the_main_track_not_the_busiest(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    at = run_app(monkeypatch, honest_url)
    assert at.sidebar.selectbox(key="track").value == "strict-small"
    assert at.sidebar.selectbox(key="track").options[0] == "interaction"  # the busier board


def test_missing_scores_and_intervals_read_dash_with_the_reason(monkeypatch: pytest.MonkeyPatch,
                                                                honest_url: str) -> None:
    t = ranking(run_app(monkeypatch, honest_url))
    assert t.loc["real", "macro"] == "0.600" and t.loc["real", "macro 95% CI"].startswith("[")
    assert t.loc["evil", "macro 95% CI"] == "— (no per-item data)"  # never [0.500, 0.500]
    assert t.loc["nothing", "macro"] == "—" and t.loc["nothing", "macro 95% CI"] == "— (no score)"
    assert t.loc["nothing", "rank"] == "— (unscored)" and t.loc["nothing", "blimp"] == "—"
    assert t.loc["partial", "comps"] == "—" and t.loc["partial", "human-likeness"] == "0.000"
    assert "0.000" not in set(t.loc["nothing"])


def test_incomplete_entries_are_marked_and_rank_after_complete_ones(monkeypatch: pytest.MonkeyPatch,
                                                                    honest_url: str) -> None:
    t = ranking(run_app(monkeypatch, honest_url))
    assert t.loc["partial", "marks"] == "2 of 9 tasks"
    assert int(t.loc["partial", "rank"]) > int(t.loc["real", "rank"]) > int(t.loc["evil", "rank"].rstrip(" ≈")) - 2
    assert int(t.loc["partial", "rank"]) == 3  # after real and evil, despite its higher blimp and ewok


def test_scaled_and_synthetic_are_hidden_by_default_marked_when_shown(monkeypatch: pytest.MonkeyPatch,
                                                                      honest_url: str) -> None:
    at = run_app(monkeypatch, honest_url)
    assert {"scaled", "synth"}.isdisjoint(ranking(at).index)
    assert any("SCALED" in w.value for w in at.warning)  # the board says it has them
    at.toggle(key="f_scaled").set_value(True).run()
    at.toggle(key="f_synth").set_value(True).run()
    t = ranking(at)
    assert t.loc["scaled", "marks"] == "SCALED" and t.loc["synth", "marks"] == "SYNTHETIC"
    at = run_app(monkeypatch, honest_url, page="submission", id="scaled")
    assert at.title[0].value.startswith("\\[SCALED\\]")
    assert any("SCALED run" in w.value for w in at.warning)


def test_one_macro_definition_is_stated_on_every_page(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    for page in ("ranking", "curves", "flops", "submission"):
        at = run_app(monkeypatch, honest_url, page=page, id="real")
        assert any("Macro = unweighted mean of blimp" in c.value and "a missing task counting 0" in c.value
                   for c in at.caption), page


def test_the_curves_macro_is_the_rankings_macro(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    from babylm.leaderboard.aggregate import learning_curves
    from babylm.leaderboard.app_charts import _macro_curve
    from babylm.leaderboard.store import Store
    from babylm.leaderboard.terminal import load_board

    s = Store(honest_url, create=False)
    b = load_board(s, 2025, "strict-small")
    cur = _macro_curve(learning_curves(s.scores_frame(["real", "partial"])), b.macro_tasks)
    assert set(cur["submission_id"]) == {"real"}  # partial has no checkpoint with every macro task
    last = cur[cur["checkpoint"] == "chck_10M"]["value"].iloc[0]
    assert last == pytest.approx(b.frame.set_index("submission_id").loc["real", "macro"])
    at = run_app(monkeypatch, honest_url, page="curves", ids="real,partial")
    at.multiselect(key="curve_tasks").set_value(["macro"]).run()
    assert len(at.get("vega_lite_chart")) == 1


def test_the_demo_task_is_offered_on_the_curves_page(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    at = run_app(monkeypatch, honest_url, page="curves", ids="demo")
    assert "Demo (demo)" in at.multiselect(key="curve_tasks").options  # the registry's name, then the id
    assert at.multiselect(key="curve_tasks").value == ["demo"]  # the one task this entry has
    assert len(at.get("vega_lite_chart")) == 1


def test_an_unscored_entry_is_not_on_the_flops_frontier(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    at = run_app(monkeypatch, honest_url, page="flops")
    frontier = at.dataframe[0].value
    assert "nothing" not in set(frontier["submission_id"])  # fewest FLOPs, but no score
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert "Unscored Team" not in spec
    assert any("not plotted" in c.value for c in at.caption)


def test_a_markdown_team_name_is_plain_text_everywhere(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    at = run_app(monkeypatch, honest_url)
    assert ranking(at).loc["evil", "team"] == EVIL_TEAM  # a grid cell: shown as stored, never rendered
    at = run_app(monkeypatch, honest_url, page="submission", id="evil")
    title = at.title[0].value
    assert "](" not in title and "https:" not in title and "\\[Official BabyLM baseline\\]\\(https" in title
    assert title.replace("\\", "").replace("\u2060", "").startswith(EVIL_TEAM)  # looks the same, links nothing


def test_exports_keep_numbers_numeric(monkeypatch: pytest.MonkeyPatch, honest_url: str) -> None:
    at = run_app(monkeypatch, honest_url)
    csv = next(d for d in at.get("download_button") if d.label == "Download CSV")
    assert csv is not None
    from babylm.leaderboard.app_ranking import export_table
    from babylm.leaderboard.store import Store
    from babylm.leaderboard.terminal import load_board

    b = load_board(Store(honest_url, create=False), 2025, "strict-small")
    t = export_table(b.frame, b.tasks.all).set_index("submission_id")
    back = pd.read_csv(io.StringIO(t.reset_index().to_csv(index=False))).set_index("submission_id")
    assert back.loc["real", "rank"] == 1 and back.loc["real", "ci_low"] < 0.6 < back.loc["real", "ci_high"]
    assert pd.isna(back.loc["evil", "ci_low"]) and pd.isna(back.loc["nothing", "rank"])
    assert pd.isna(back.loc["nothing", "macro"])
