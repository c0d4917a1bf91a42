"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, against
`streamlit run` on a free port. Screenshots of every page land in test-artifacts/."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, need, sample

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
SETTLED = ("[data-testid='stApp'][data-test-script-state='notRunning']"
           "[data-test-connection-state='CONNECTED']")
PAGES = {"overview": "Overview", "diary": "Pain diary", "risk": "Knee risk", "coach": "Coach",
         "research": "Research", "import_data": "Import", "settings": "Settings",
         "start": "Start"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port() -> int:
    """A free local port: the first free one of $KNEELOAD_TEST_PORTS ('8700-8799') when set
    (a shared machine hands out port ranges), else any the system picks."""
    low, _, high = os.environ.get("KNEELOAD_TEST_PORTS", "0-0").partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError(f"no free port in KNEELOAD_TEST_PORTS={low}-{high}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on an empty database."""
    folder = tmp_path_factory.mktemp("e2e")
    with app_server(folder / "kneeload.db") as url:
        yield url


@contextmanager
def app_server(database: Path) -> Iterator[str]:
    """`streamlit run app.py` on `database` (a SQLite file) at a free port, yielding its
    address; its output is shown if it fails to start."""
    need(CHROMIUM.exists(), f"Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    port = free_port()
    folder = database.parent
    env = {**os.environ, "KNEELOAD_DB": str(database)}
    log = (folder / "server.log").open("wb")  # a file, not a pipe nobody reads
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("streamlit did not start:\n" + (folder / "server.log").read_text())
        time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def launch(playwright):
    """Debian's Chromium, headless, without sandbox or background services."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run"])


@pytest.fixture(scope="module")
def tab(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=90_000)  # imports and the demo load take seconds
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      accept_downloads=True)
        opened = context.new_page()
        opened.set_default_timeout(90_000)
        opened.goto(server)
        opened.wait_for_selector(SETTLED)
        yield opened
        browser.close()


def go(page, label: str) -> None:
    """Open a page from the sidebar and wait for its script (and any spinner) to finish."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=label, exact=True).click()
    page.wait_for_selector(SETTLED)
    expect(page.locator("[data-testid='stSpinner']")).to_have_count(0)
    page.wait_for_selector(SETTLED)


def test_upload_a_real_gpx_log_pain_and_download_the_research_export(tab, tmp_path):
    page = tab
    from playwright.sync_api import expect

    gpx = sample("gpx/togeojson__run.gpx")  # Garmin Connect run of 24 Oct 2012
    expect(page.get_by_role("heading", name="kneeload")).to_be_visible()
    go(page, "Import")
    page.get_by_label("Name of the new runner").fill("Sam")
    page.get_by_label("Name of the new runner").press("Enter")
    page.wait_for_selector(SETTLED)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(gpx)
    expect(page.get_by_text(gpx.name)).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Last import for Sam")).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="imported")).to_be_attached()

    go(page, "Overview")
    expect(page.get_by_role("heading", name="Sam: overview")).to_be_visible()
    page.get_by_text("All", exact=True).click()
    page.wait_for_selector(SETTLED)
    expect(page.locator("[role=gridcell]", has_text="2012-10-24")).to_be_attached()

    go(page, "Pain diary")
    slider = page.get_by_role("slider")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Saved: 5/10")).to_be_visible()

    go(page, "Overview")
    latest = page.locator("[data-testid='stMetric']", has_text="Latest pain")
    expect(latest.locator("[data-testid='stMetricValue']")).to_have_text("5/10")

    go(page, "Research")
    page.get_by_role("button", name="Prepare the export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the research export (zip, dates shifted)").click()
    saved = tmp_path / "export.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        names = {name.split("/")[-1] for name in archive.namelist()}
        daily = archive.read("kneeload-research/daily.csv").decode()
    assert {"daily.csv", "daily.parquet", "episodes_injurytools.csv", "acwr_load.csv",
            "data_dictionary.csv"} <= names
    assert "Sam" not in daily and "2012-10-24" in daily


def test_every_page_with_the_demo_squad_screenshotted(tab):
    page = tab
    from playwright.sync_api import expect

    go(page, "Start")
    page.get_by_role("button", name="Load the demo squad").click()
    expect(page.get_by_role("heading", name="Alex (demo): overview")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, label in PAGES.items():  # through the sidebar: the same session, Alex chosen
        go(page, label)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        expect(page.locator("h1").first).to_be_visible()
        page.wait_for_timeout(800)  # let the charts draw
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        page.set_viewport_size({"width": 1280, "height": 3200})  # the whole page, for review
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"))
        page.set_viewport_size({"width": 1280, "height": 800})
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 20_000
    go(page, "Overview")
    expect(page.get_by_role("heading", name="Alex (demo): overview")).to_be_visible()
