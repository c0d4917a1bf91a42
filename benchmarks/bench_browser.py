"""Time the dashboard as a user sees it, in Debian's Chromium through Playwright.

Three figures (issue 12): loading the demo squad (click → Alex's overview drawn), the first
Research visit after that (cohort models fitted), and every page warm (click in the sidebar
→ script finished and charts drawn; median of --rounds visits per page).

    python benchmarks/bench_browser.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.test_browser import PAGES, SETTLED, app_server, launch  # noqa: E402


def drawn(page) -> None:
    """Wait until the script has finished, no spinner is left and every chart has drawn."""
    page.wait_for_selector(SETTLED)
    page.locator("[data-testid='stSpinner']").first.wait_for(state="detached")
    page.wait_for_selector(SETTLED)
    page.wait_for_function("""() => [...document.querySelectorAll(
        "[data-testid='stVegaLiteChart']")].every(c => c.querySelector('canvas, svg'))""")


# Notes when the script starts running: waiting a fixed time for the rerun to start would,
# on a busy machine, sometimes time the page that is still shown (0.1 s "visits").
# A quick run can start and end before the observer is called: an old value 'running'
# counts too.
WATCH_RERUN = """() => { window.kneeloadRan = false;
    const app = document.querySelector("[data-testid='stApp']");
    const watch = new MutationObserver(records => {
        if (app.getAttribute('data-test-script-state') === 'running'
                || records.some(r => r.oldValue === 'running')) {
            window.kneeloadRan = true; watch.disconnect(); } });
    watch.observe(app, {attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']}); }"""


def timed(page, action) -> float:
    """Seconds from `action()` to the page drawn (after the rerun it started)."""
    page.evaluate(WATCH_RERUN)
    start = time.perf_counter()
    action()
    page.wait_for_function("() => window.kneeloadRan")
    drawn(page)
    return time.perf_counter() - start


def visit(page, label: str) -> float:
    return timed(page, lambda: page.get_by_role("link", name=label, exact=True).click())


def main() -> None:
    """Print the three figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, \
            app_server(Path(folder) / "kneeload.db") as url, \
            sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(180_000)
        page.goto(url)
        drawn(page)
        start = time.perf_counter()
        page.get_by_role("button", name="Load the demo squad").click()
        page.get_by_role("heading", name="Alex (demo): overview").wait_for()
        drawn(page)
        print(f"demo squad load (click → overview drawn): {time.perf_counter() - start:.1f} s")
        print(f"first Research visit: {visit(page, 'Research'):.2f} s")
        times: dict[str, list[float]] = {label: [] for label in PAGES.values()}
        for label in PAGES.values():  # one visit each to warm the caches
            visit(page, label)
        for _ in range(args.rounds):
            for label in PAGES.values():
                times[label].append(visit(page, label))
        medians = {label: statistics.median(values) for label, values in times.items()}
        for label, median in medians.items():
            print(f"  {label:<12} median {median:.2f} s  (max {max(times[label]):.2f} s)")
        print(f"pages warm: median of medians {statistics.median(medians.values()):.2f} s, "
              f"worst page {max(medians.values()):.2f} s")
        browser.close()


if __name__ == "__main__":
    main()
