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

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from tests.e2e.test_browser import PAGES, SETTLED, app_server, launch  # noqa: E402


def drawn(page) -> None:
    """Wait until the script has finished, no spinner is left and every chart has drawn."""
    page.wait_for_selector(SETTLED)
    page.locator("[data-testid='stSpinner']").first.wait_for(state="detached")
    page.wait_for_selector(SETTLED)
    page.wait_for_function("""() => [...document.querySelectorAll(
        "[data-testid='stVegaLiteChart']")].every(c => c.querySelector('canvas, svg'))""")


class Runs:
    """Counts the script runs the server reports finished, from its websocket messages:
    waiting a fixed time for a rerun to start would sometimes time the page still shown
    on a busy machine, and a quick run may never show as running in the page."""

    def __init__(self, page) -> None:
        self.finished = 0
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        message = ForwardMsg()
        if isinstance(payload, bytes):
            message.ParseFromString(payload)
        if (message.WhichOneof("type") == "script_finished"
                and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY):
            self.finished += 1


def timed(page, runs: Runs, action) -> float:
    """Seconds from `action()` to the page drawn, after the run it started has finished."""
    before = runs.finished
    start = time.perf_counter()
    action()
    while runs.finished == before:
        page.wait_for_timeout(5)  # lets Playwright deliver the socket's messages
    drawn(page)
    return time.perf_counter() - start


def visit(page, runs: Runs, label: str) -> float:
    """Seconds from a click on `label` in the sidebar to that page drawn."""
    return timed(page, runs, lambda: page.get_by_role("link", name=label, exact=True).click())


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
        runs = Runs(page)
        page.goto(url)
        drawn(page)
        start = time.perf_counter()
        page.get_by_role("button", name="Load the demo squad").click()
        page.get_by_role("heading", name="Alex (demo): overview").wait_for()
        drawn(page)
        print(f"demo squad load (click → overview drawn): {time.perf_counter() - start:.1f} s")
        print(f"first Research visit: {visit(page, runs, 'Research'):.2f} s")
        times: dict[str, list[float]] = {label: [] for label in PAGES.values()}
        for label in PAGES.values():  # one visit each to warm the caches
            visit(page, runs, label)
        for _ in range(args.rounds):
            for label in PAGES.values():
                times[label].append(visit(page, runs, label))
        medians = {label: statistics.median(values) for label, values in times.items()}
        for label, median in medians.items():
            print(f"  {label:<12} median {median:.2f} s  (max {max(times[label]):.2f} s)")
        print(f"pages warm: median of medians {statistics.median(medians.values()):.2f} s, "
              f"worst page {max(medians.values()):.2f} s")
        browser.close()


if __name__ == "__main__":
    main()
