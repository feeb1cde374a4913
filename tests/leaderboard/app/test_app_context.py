"""Issue 12, items 2 and 3 in the app (AppTest): task context from the registry, baselines, links, dates,
the About page; search, column presets, pinned columns, flags beside the rank, filter state in the URL,
first rows and all rows, exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from app_runner import run_app
from streamlit.testing.v1 import AppTest

PAPER = "https://arxiv.org/abs/2502.10645"


def _full(level: float) -> dict[str, float]:
    from babylm.tracks.rules import TEXT_TASKS

    return {t: level for t in TEXT_TASKS.linguistic} | {t: level * (100 if t == "reading" else 0.5)
                                                         for t in TEXT_TASKS.human_likeness}


def _rows(sid: str, tasks: dict[str, float], *, interval: bool = True) -> list:
    from babylm.leaderboard.board_tasks import primary_metric
    from babylm.leaderboard.store import ScoreRow

    out = []
    for task, v in tasks.items():
        metric = primary_metric(task) or "accuracy"
        if interval:
            out += [ScoreRow(submission_id=sid, checkpoint="chck_10M", task=task, subtask=f"s{k}", metric=metric,
                             value=v + 0.02 * (k - 1)) for k in range(3)]
        out.append(ScoreRow(submission_id=sid, checkpoint="chck_10M", task=task, metric=metric, value=v))
    return out


def _entry(s: object, sid: str, team: str, *, meta: dict | None = None, backend: str = "causal") -> None:
    s.upsert_submission(submission_id=sid, team=team, model="m", edition=2025, track="strict-small", backend=backend,
                        n_params=10_000_000, train_flops=1e15, words_seen=10_000_000, meta=meta)
    for ck, words in (("chck_1M", 1_000_000), ("chck_10M", 10_000_000)):
        s.upsert_checkpoint(submission_id=sid, name=ck, words_seen=words, train_flops=1e15, content_hash=f"{sid}-{ck}")
    if sid == "e001":  # one entry with a curve: a score at both checkpoints
        s.add_scores([r.model_copy(update={"checkpoint": "chck_1M", "value": r.value - 0.1}) for r in _rows(sid, {
            "blimp": 0.4})])


@pytest.fixture(scope="module")
def context_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real board of 2025/strict-small: a baseline with links, an entry with a javascript: link, a
    flagged entry, and 118 plain ones (more than the first 100 rows)."""
    from babylm.leaderboard.store import Store

    path = tmp_path_factory.mktemp("ctx") / "ctx.sqlite"
    s = Store(path)
    _entry(s, "base", "BabyLM baseline", meta={"baseline": True, "fact_sheet": {
        "paper_url": PAPER, "code_url": "https://github.com/babylm/evaluation-pipeline-2025"}})
    s.add_scores(_rows("base", _full(0.55)))
    _entry(s, "js", "Sneaky", meta={"fact_sheet": {"model_card_url": "javascript:alert(1)"}})
    s.add_scores(_rows("js", _full(0.58), interval=False))
    _entry(s, "flagged", "Flagged Team", backend="mlm")
    s.add_scores(_rows("flagged", _full(0.9), interval=False))
    s.add_flag(submission_id="flagged", reason="over the exposure cap", by="organizers")
    for k in range(118):
        _entry(s, f"e{k:03d}", f"Team {k:03d}")
        s.add_scores(_rows(f"e{k:03d}", _full(0.3 + 0.002 * k), interval=False))
    s.close()
    return f"sqlite:///{path}"




def ranking(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value.set_index("submission")


def test_task_headers_and_tooltips_come_from_the_task_registry() -> None:
    from babylm.leaderboard.app_ranking import _column_config, task_label

    assert task_label("blimp") == "BLiMP" and task_label("ewok") == "EWoK"
    assert task_label("reading") == "Reading (ΔR² ×100)"  # a unit other than accuracy is in the header
    assert task_label("not_a_task") == "not_a_task"
    cfg = _column_config(("blimp", "reading"))
    assert cfg["blimp"]["label"] == "BLiMP" and "chance: 0.5" in cfg["blimp"]["help"]
    assert "grammatical vs ungrammatical" in cfg["blimp"]["help"] and "unit: ΔR² ×100" in cfg["reading"]["help"]
    for col in ("rank", "flags", "team", "model"):
        assert cfg[col]["pinned"] is True


def test_baselines_are_marked_and_links_are_link_cells(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    t = ranking(run_app(monkeypatch, context_url))
    assert t.loc["base", "marks"] == "BASELINE" and t.loc["e117", "marks"] == ""
    assert t.loc["base", "paper"] == PAPER and t.loc["base", "code"].startswith("https://github.com/")
    assert pd.isna(t.loc["js", "model card"])  # not http(s): no link at all
    at = run_app(monkeypatch, context_url)
    assert list(at.dataframe[0].value.columns[:4]) == ["rank", "flags", "team", "model"]  # flags beside the rank


def test_each_result_has_dates_and_the_board_a_last_update(monkeypatch: pytest.MonkeyPatch,
                                                           context_url: str) -> None:
    at = run_app(monkeypatch, context_url)
    t = ranking(at)
    assert t["submitted"].notna().all() and t["scored"].notna().all()
    assert any(c.value.startswith("Last updated 20") and "UTC" in c.value for c in at.caption)


def test_the_first_100_rows_then_all_rows_on_request(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    at = run_app(monkeypatch, context_url)
    assert len(ranking(at)) == 100 and any("first 100 of 120" in c.value for c in at.caption)
    assert len(ranking(run_app(monkeypatch, context_url, all_rows="true"))) == 120


def test_search_and_filters_are_read_from_the_url(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    at = run_app(monkeypatch, context_url, q="TEAM 11")
    assert at.text_input(key="q").value == "TEAM 11"
    assert set(ranking(at).index) == {"e011", *(f"e{k}" for k in range(110, 118))}  # every word, any case
    assert list(ranking(run_app(monkeypatch, context_url, q="baseline babylm")).index) == ["base"]
    at = run_app(monkeypatch, context_url, f_flagged="true", f_backend="mlm")
    assert list(ranking(at).index) == ["flagged"]
    at.text_input(key="q").set_value("no such team").run()
    assert not at.dataframe and any("No entries match" in i.value for i in at.info)


def test_column_presets(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    from babylm.tracks.rules import TEXT_TASKS

    lead = ["rank", "flags", "team", "model", "marks", "open"]
    cols = list(run_app(monkeypatch, context_url, cols="efficiency").dataframe[0].value.columns)
    assert cols == lead + ["macro", "parameters", "training PFLOPs", "words seen", "backend"]
    cols = list(run_app(monkeypatch, context_url, cols="human-likeness").dataframe[0].value.columns)
    assert cols == lead + ["human-likeness", *TEXT_TASKS.human_likeness]
    cols = list(run_app(monkeypatch, context_url, cols="linguistic").dataframe[0].value.columns)
    assert "blimp" in cols and "reading" not in cols and "parameters" not in cols


def test_flagged_rows_are_tinted_and_baselines_marked_without_a_styler() -> None:
    from babylm.leaderboard.app_ranking import FLAGGED_BG, _styled

    t = pd.DataFrame({"rank": ["1", "—"], "team": ["a", "b"], "marks": ["BASELINE", ""]})
    assert _styled(t, np.array([False, False])) is t  # nothing flagged in view: a plain frame, no Styler
    html = _styled(t, np.array([False, True])).to_html()
    styled_cells = html.split("{")[0]  # the CSS rule's selectors: the cells that get the tint
    assert FLAGGED_BG.split(": ")[1] in html and "row1_col2" in styled_cells and "row0" not in styled_cells


def test_exports_have_numeric_ranks_intervals_dates_and_links(context_url: str) -> None:
    from babylm.leaderboard.app_data import score
    from babylm.leaderboard.app_ranking import export_table
    from babylm.leaderboard.store import Store

    b = score(Store(context_url, create=False), 2025, "strict-small")
    t = export_table(b["frame"], b["tasks"]).set_index("submission_id")
    assert len(t) == 121 and t["rank"].dtype == "Int64" and t["ci_low"].dtype == float
    assert t.loc["base", "baseline"] and t.loc["base", "paper_url"] == PAPER and t.loc["js", "model_card_url"] is None
    assert pd.notna(t.loc["base", "scored"]) and pd.notna(t.loc["base", "submitted"])
    assert b["last_updated"] >= t["scored"].max()


def test_curves_have_chance_and_baseline_lines(context_url: str) -> None:
    from babylm.leaderboard.app_charts import reference_lines
    from babylm.leaderboard.app_data import score
    from babylm.leaderboard.store import Store

    b = score(Store(context_url, create=False), 2025, "strict-small")
    lines = reference_lines("blimp", b).set_index("kind")
    assert lines.loc["chance", "value"] == 0.5
    assert lines.loc["baseline", "value"] == pytest.approx(0.55) and "BabyLM baseline" in lines.loc["baseline", "label"]
    macro = reference_lines("macro", b).set_index("kind")
    assert macro.loc["chance", "value"] == pytest.approx(np.mean([0.5, 0.5, 0.5, 0.2, 0.5]))  # entity tracking: 0.2


def test_the_curves_page_draws_the_reference_lines(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    at = run_app(monkeypatch, context_url, page="curves", ids="e001")
    chart = at.get("vega_lite_chart")[0].proto
    assert '"rule"' in chart.spec and '"strokeDash"' in chart.spec  # the chance and baseline lines
    assert len(chart.datasets) == 2


def test_the_about_page(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    at = run_app(monkeypatch, context_url, page="about")
    heads = [h.value for h in at.subheader]
    for h in ("Rules of 2025 / strict-small", "How the ranking works", "How the intervals work", "How to submit",
              "How to cite"):
        assert h in heads
    tasks = at.dataframe[1].value.set_index("task")
    assert tasks.loc["blimp", "counts toward"] == "macro" and tasks.loc["reading", "board scale"] == "x 0.01"
    assert tasks.loc["entity_tracking", "chance"] == "0.2"
    assert "2502.10645" in at.code[0].value


def test_the_submission_page_links_through_buttons_only(monkeypatch: pytest.MonkeyPatch, context_url: str) -> None:
    at = run_app(monkeypatch, context_url, page="submission", id="base")
    buttons = {b.proto.label: b.proto.url for b in at.get("link_button")}
    assert buttons == {"Paper": PAPER, "Code": "https://github.com/babylm/evaluation-pipeline-2025"}
    assert any("BASELINE" in i.value for i in at.info)
    at = run_app(monkeypatch, context_url, page="submission", id="js")
    assert not at.get("link_button")


def test_fact_sheet_links_must_be_http_urls() -> None:
    from pydantic import ValidationError

    from babylm.submissions.formats import FactSheet

    base = dict(format="babylm.fact_sheet/1", n_params=1, train_flops=0.0, tokens_seen=0, words_seen=0)
    assert FactSheet(**base, paper_url=PAPER).paper_url == PAPER
    for bad in ("javascript:alert(1)", "ftp://x.example/a", "https://", "https://a.example/ b", "x" * 2001):
        with pytest.raises(ValidationError):
            FactSheet(**base, code_url=bad)
    assert "paper_url" not in FactSheet(**base).model_dump(mode="json", exclude={"paper_url"})


def test_seed_demo_marks_its_baselines(app_store_url: str) -> None:
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store

    s = Store(app_store_url)
    seed_demo(s, 4, seed=1)
    subs = s.submissions_frame().set_index("submission_id")
    base = [sid for sid, m in subs["meta"].items() if m.get("baseline") is True]
    assert len(base) == 2 and set(subs.loc[base, "team"]) == {"BabyLM baseline"}
    assert all(subs.loc[sid, "meta"]["fact_sheet"]["paper_url"].startswith("https://") for sid in base)


def test_the_landing_board_is_scored_before_the_server_listens(context_url: str) -> None:
    from babylm.leaderboard import app_data
    from babylm.leaderboard.app_launch import store_arg
    from babylm.leaderboard.app_pages import main_track

    assert store_arg(["app.py", "--server.port", "1", "--", "--store", context_url]) == context_url
    assert store_arg(["app.py", "--server.port", "1"]) is None
    app_data._PREWARMED.clear()
    app_data.prewarm(context_url, main_track)
    token = app_data.get_store(context_url).state_token()
    warm = app_data._PREWARMED[(context_url, token, 2025, "strict-small")]
    assert app_data._PREWARMED[("boards", context_url, token)] == [(2025, "strict-small")]
    assert len(warm["frame"]) == 121 and warm["last_updated"] is not None
    app_data.board.clear()
    assert app_data.board(context_url, token, 2025, "strict-small")["frame"].equals(warm["frame"])
    assert (context_url, token, 2025, "strict-small") not in app_data._PREWARMED  # used once, then the cache's
    app_data._PREWARMED.clear()
    app_data.prewarm("sqlite:////no/such/store.sqlite", main_track)  # a bad store: nothing, no error
    assert not app_data._PREWARMED


def test_the_prewarmed_board_list_is_the_one_the_sidebar_shows(app_store_url: str) -> None:
    from babylm.leaderboard import app_data
    from babylm.leaderboard.app_pages import main_track
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store

    seed_demo(Store(app_store_url), 2, edition=2026, track="multilingual", seed=2, flag_every=0)
    app_data._PREWARMED.clear()
    app_data.prewarm(app_store_url, main_track)
    token = app_data.get_store(app_store_url).state_token()
    listed = app_data._PREWARMED.pop(("boards", app_store_url, token))
    assert listed == app_data.boards.__wrapped__(app_store_url, token)  # per language, as `boards` lists them
    assert list(app_data._PREWARMED) == [(app_store_url, token, 2026, main_track([t for _, t in listed]))]
    app_data._PREWARMED.clear()
