"""Every page at a phone's width (390 px) in Debian's Chromium, on the demo squad: nothing
scrolls sideways or is cut at the right edge, the diary's "When" fits, the one-page report
fits (the coach roster's column order, latest pain and flags first, is checked in tests/ui).
Screenshots land in test-artifacts/screenshots/phone-*.png, for review."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.athlete_report import athlete_report_html
from analysis.demo import load_demo
from analysis.load import load_tables
from analysis.store import Store
from analysis.thresholds import Thresholds
from analysis.units import METRIC
from tests.e2e.test_browser import ARTIFACTS, SETTLED, app_server, launch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH = 390
PAGES = ("overview", "diary", "risk", "coach", "research", "import_data", "settings", "start")
# Widest the page may be: the viewport (a table may scroll inside itself, the page not).
OVERFLOW = "() => document.documentElement.scrollWidth"
# The right edge of the furthest element (a clipped or scrolling table shows here).
RIGHTMOST = ("() => Math.max(...[...document.body.querySelectorAll('*')]"
             ".map(e => e.getBoundingClientRect().right))")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    with Store(folder / "demo.db") as store:
        load_demo(store)
    return folder


@pytest.fixture(scope="module")
def phone(demo_db):
    """A 390 px wide tab on the dashboard serving the demo squad."""
    from playwright.sync_api import sync_playwright

    with app_server(demo_db / "demo.db") as url, \
            sync_playwright() as playwright:
        browser = launch(playwright)
        tab = browser.new_page(viewport={"width": WIDTH, "height": 844})
        tab.set_default_timeout(90_000)
        tab.base = url
        yield tab
        browser.close()


def open_page(tab, name: str) -> None:
    from playwright.sync_api import expect

    tab.goto(f"{tab.base}/{name}")
    tab.wait_for_selector(SETTLED)
    expect(tab.locator("[data-testid='stSpinner']")).to_have_count(0)
    tab.wait_for_selector(SETTLED)
    tab.wait_for_timeout(600)  # let the charts draw


@pytest.mark.parametrize("name", PAGES)
def test_every_page_fits_a_phone(phone, name):
    from playwright.sync_api import expect

    open_page(phone, name)
    expect(phone.locator("[data-testid='stException']")).to_have_count(0)
    expect(phone.locator("h1").first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
    phone.set_viewport_size({"width": WIDTH, "height": 4000})  # the whole page, for review
    phone.wait_for_timeout(600)
    phone.screenshot(path=str(ARTIFACTS / f"phone-{name}-full.png"))
    phone.set_viewport_size({"width": WIDTH, "height": 844})
    assert phone.evaluate(OVERFLOW) <= WIDTH
    # A chart drawn wider than its box has its legend or labels cut off at the right.
    for drawing in phone.locator("[data-testid='stVegaLiteChart'] canvas").all():
        box = drawing.bounding_box()
        assert box is None or box["x"] + box["width"] <= WIDTH + 1, name


def test_the_diary_when_control_fits_a_phone(phone):
    open_page(phone, "diary")
    for option in ("during a run", "after a run", "next morning", "worst of the day"):
        box = phone.get_by_test_id("stRadioGroup").get_by_text(option, exact=True).bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH, option


def test_the_one_page_report_fits_a_phone(phone, demo_db):
    with Store(demo_db / "demo.db") as store:
        alex = store.athlete("Alex (demo)", create=False)
        tables = load_tables(store.activities(alex.id), store.pain(alex.id), Thresholds(),
                             pd.Timestamp.now(tz=alex.tz).strftime("%Y-%m-%d"), tz=alex.tz)
    phone.set_content(athlete_report_html(alex.name, tables, METRIC))
    phone.screenshot(path=str(ARTIFACTS / "phone-report.png"), full_page=True)
    assert phone.evaluate(RIGHTMOST) <= WIDTH
