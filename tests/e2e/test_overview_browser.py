"""The overview in Debian's Chromium for a runner whose data are years old: charts drawn
(not empty), dated axes with years, today one click away, shoes and the run list; at 1400
and 390 px. Screenshots land in test-artifacts/screenshots/overview-old-*.png."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import ARTIFACTS, SETTLED, app_server, launch
from tests.overview.sam import store_sam

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Axis labels as Vega draws them (SVG text or, with the canvas renderer, the view's scene).
AXIS_LABELS = """() => Array.from(document.querySelectorAll(
    "[data-testid='stVegaLiteChart'] svg text, [data-testid='stVegaLiteChart'] [aria-label]"))
    .map(node => node.textContent + ' ' + (node.getAttribute('aria-label') || ''))"""


@pytest.fixture(scope="module")
def sam_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-old")
    store_sam(str(folder / "kneeload.db"))
    with app_server(folder / "kneeload.db") as url:
        yield url


@pytest.mark.parametrize("width", [1400, 390])
def test_old_data_fill_the_overview_with_dated_axes(sam_server, width):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.set_default_timeout(90_000)
        expect.set_options(timeout=90_000)
        page.goto(sam_server)
        page.wait_for_selector(SETTLED)
        expect(page.get_by_role("heading", name="Sam: overview")).to_be_visible()
        expect(page.get_by_text("Showing 5 Jan 2015 – 10 Mar 2015 (65 days).")).to_be_visible()
        charts = page.locator("[data-testid='stVegaLiteChart']")
        # Weekly load, ACWR and the pain calendar; descent and cadence say why they are
        # missing (CSV rows carry neither).
        expect(charts).to_have_count(3)
        expect(page.get_by_text("No descent recorded in this period")).to_be_visible()
        page.wait_for_timeout(1500)  # let Vega draw
        labels = " ".join(page.evaluate(AXIS_LABELS))
        assert "2015" in labels and "0.000000" not in labels
        assert page.locator("text=0.000000").count() == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": width, "height": 4200})
        page.wait_for_timeout(1200)
        page.screenshot(path=str(ARTIFACTS / f"overview-old-{width}.png"), full_page=True)
        width_used = page.evaluate("document.documentElement.scrollWidth")
        assert width_used <= width  # no sideways scrolling

        page.get_by_text("today", exact=True).click()
        page.wait_for_selector(SETTLED)
        # Weekly load, descent, cadence, ACWR and the run list give the one true reason.
        expect(page.get_by_text("No runs in this period (latest run 5 Mar 2015).",
                                exact=True)).to_have_count(5)
        expect(charts).to_have_count(0)
        browser.close()
