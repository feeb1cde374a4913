"""Issue 12 in a real browser (Debian's chromium driven by playwright, never a browser download): a
Markdown team name stays literal text, an empty filter result says so, and at 400 px the filters are
reachable and there is no Deploy button; the search box is on the first screen and the filter state
round-trips through the URL; a CSV download keeps numbers numeric; a 1,000-entry board shows its ranking
table. Skips when chromium or the playwright package is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from babylm.leaderboard.serve import RunningApp, start_app

pytestmark = pytest.mark.browser  # not slow: CI installs chromium and runs these (about 75 s)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EVIL_TEAM = "[Official BabyLM baseline](https://evil.example)"
if CHROMIUM is None:
    pytest.skip("chromium is not on PATH (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def app(honest_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(honest_url, log_path=tmp_path_factory.mktemp("lbapp") / "app.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                               "--disable-dev-shm-usage"])
        yield b
        b.close()


def _page(browser: object, url: str, width: int = 1400, height: int = 1000) -> object:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector('[data-testid="stAppViewContainer"]')
    page.get_by_text("Macro = unweighted mean", exact=False).first.wait_for()
    return page


def test_a_markdown_team_name_is_literal_text(app: RunningApp, browser: object, tmp_path: Path) -> None:
    page = _page(browser, f"{app.url}/?page=submission&edition=2025&track=strict-small&id=evil")
    title = page.locator("h1").filter(has_text="Official BabyLM baseline").first
    title.wait_for()
    assert EVIL_TEAM in title.inner_text().replace("\u2060", "")  # a word joiner keeps GFM from linking the URL
    assert page.locator('a[href^="https://evil.example"]').count() == 0
    page.screenshot(path=str(tmp_path / "evil.png"))
    page.close()


def test_an_empty_filter_result_shows_a_message(app: RunningApp, browser: object) -> None:
    # The filters live in the URL (f_backend, q, ...): the only mlm entry is flagged, so hidden, and no
    # team matches the search. Driving the multiselect by keyboard was flaky on a loaded machine.
    for query in ("f_backend=mlm", "q=no-such-team-anywhere"):
        page = _page(browser, f"{app.url}/?page=ranking&edition=2025&track=strict-small&{query}")
        page.get_by_text("No entries match the filters", exact=False).first.wait_for()
        assert page.locator('[data-testid="stDataFrame"]').count() == 0, query
        page.close()


def test_at_400_px_the_filters_are_reachable_and_there_is_no_deploy_button(app: RunningApp, browser: object,
                                                                           tmp_path: Path) -> None:
    page = _page(browser, f"{app.url}/?page=ranking&edition=2025&track=strict-small", width=400, height=800)
    filters = page.get_by_text("Filters", exact=True).first
    box = filters.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800 and box["x"] + box["width"] <= 400
    filters.click()
    page.locator('[data-testid="stMultiSelect"]').filter(has_text="Backend").first.wait_for(state="visible")
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
    page.close()


def test_at_400_px_the_charts_fit_the_screen(app: RunningApp, browser: object) -> None:
    page = _page(browser, f"{app.url}/?page=curves&edition=2025&track=strict-small&ids=real",
                 width=400, height=800)
    page.locator(".vega-embed").first.wait_for()
    widths = page.eval_on_selector_all(".vega-embed", "els => els.map(e => e.getBoundingClientRect().right)")
    assert widths and max(widths) <= 400, widths
    page.close()


def test_the_search_box_is_visible_and_filters_round_trip_through_the_url(app: RunningApp, browser: object) -> None:
    page = _page(browser, f"{app.url}/?page=ranking&edition=2025&track=strict-small", width=400, height=800)
    box = page.get_by_role("textbox", name="Search team or model")
    bb = box.bounding_box()
    assert bb is not None and bb["y"] + bb["height"] <= 800  # on the first screen, even at 400 px
    box.fill("real team")
    box.press("Enter")
    page.wait_for_url("**q=real+team**")
    page.get_by_text("1 of ", exact=False).first.wait_for()  # the sidebar's "1 of N entries shown"
    page.goto(f"{app.url}/?page=ranking&edition=2025&track=strict-small&q=partial&f_flagged=true")
    page.get_by_role("textbox", name="Search team or model").wait_for()
    assert page.get_by_role("textbox", name="Search team or model").input_value() == "partial"
    page.get_by_text("1 of ", exact=False).first.wait_for()
    page.close()


def test_a_download_is_numeric_csv(app: RunningApp, browser: object, tmp_path: Path) -> None:
    import csv

    page = _page(browser, f"{app.url}/?page=ranking&edition=2025&track=strict-small")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "ranking.csv"
    dl.value.save_as(path)
    rows = {r["submission_id"]: r for r in csv.DictReader(path.open())}
    assert rows["real"]["rank"] == "1" and float(rows["real"]["ci_low"]) < 0.6 < float(rows["real"]["ci_high"])
    assert rows["nothing"]["rank"] == "" and rows["evil"]["ci_low"] == ""
    page.close()


@pytest.fixture(scope="module")
def big_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """1,000 synthetic entries on 2025/strict, 28 checkpoints each (sub-tasks at the last one)."""
    from babylm.leaderboard.seed import seed_demo
    from babylm.leaderboard.store import Store

    d = tmp_path_factory.mktemp("lbbig")
    s = Store(d / "big.sqlite")
    seed_demo(s, 1000, edition=2025, track="strict", subtasks_final_only=True)
    s.close()
    running = start_app(f"sqlite:///{d / 'big.sqlite'}", log_path=d / "app.log")
    yield running
    running.stop()


def test_a_1000_entry_board_shows_its_ranking_table(big_app: RunningApp, browser: object) -> None:
    import time

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    page.goto(f"{big_app.url}/?page=ranking&edition=2025&track=strict")
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for(timeout=60_000)
    seconds = time.perf_counter() - t0
    page.get_by_text("Showing the first 100 of", exact=False).first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    print(f"1,000 entries: ranking table {seconds:.2f} s after navigation (bench/leaderboard_browser.py times it)")
    assert seconds < 30  # generous on a shared machine: the bench, not this test, holds the < 2 s goal
    page.close()
