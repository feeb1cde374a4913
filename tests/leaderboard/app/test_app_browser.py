"""Issue 12 in a real browser (Debian's chromium driven by playwright, never a browser download): a
Markdown team name stays literal text, an empty filter result says so, and at 400 px the filters are
reachable and there is no Deploy button. Skips when chromium or the playwright package is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from babylm.leaderboard.serve import RunningApp, start_app

pytestmark = pytest.mark.browser  # not slow: CI installs chromium and runs these (about 30 s)

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
    page = _page(browser, f"{app.url}/?page=ranking&edition=2025&track=strict-small")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_text("Filters", exact=True).first.click()
    backend = page.get_by_role("combobox", name="Backend")
    for _ in range(3):  # the widget may be redrawn under the keyboard while the page settles: retry
        backend.click()
        backend.press_sequentially("mlm", delay=50)
        page.get_by_role("option").filter(has_text="mlm").first.wait_for()
        backend.press("Enter")  # the only mlm entry is flagged, so hidden
        try:
            page.get_by_text("No entries match the filters", exact=False).first.wait_for(timeout=15_000)
            break
        except sync_api.TimeoutError:
            backend.fill("")
    page.get_by_text("No entries match the filters", exact=False).first.wait_for()
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
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
