"""A runner named with Markdown is shown as typed in a real browser, and nothing is fetched
(issue 10, 9: the name `![pix](http://…/a.png) **Sam**` made Chromium load the image)."""

from __future__ import annotations

import datetime as dt
import http.server
import threading

import numpy as np
import pytest

from analysis.ingest import ReadOptions, read_sources
from analysis.pain import PainEntry
from analysis.store import Store
from analysis.synth import gpx_bytes, synth_run
from tests.e2e.test_browser import SETTLED, app_server, go, launch

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def recorder():
    """A local web server recording every request it gets."""
    requests: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_a_markdown_name_is_plain_text_and_fetches_nothing(tmp_path, recorder):
    from playwright.sync_api import expect, sync_playwright

    address, requests = recorder
    name = f"![pix]({address}/a.png) **Sam**"
    database = tmp_path / "kneeload.db"
    run = synth_run(np.random.default_rng(12), dt.date.today().isoformat() + " 07:00",
                    duration_s=900)
    with Store(database) as store:
        athlete = store.athlete(name)
        store.import_results(athlete.id, read_sources([("run.gpx", gpx_bytes(run))],
                                                      ReadOptions(workers=1)))
        store.add_pain(athlete.id, [PainEntry(dt.date.today(), 3, note="**bold** [x](y)")])
    with app_server(database) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.set_default_timeout(90_000)
        page.goto(url)
        page.wait_for_selector(SETTLED)
        for label, heading in (("Overview", f"{name}: overview"),
                               ("Pain diary", f"Pain diary: {name}"),
                               ("Knee risk", f"Knee risk: {name}")):
            go(page, label)
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        go(page, "Settings")
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
        browser.close()
    assert requests == []
