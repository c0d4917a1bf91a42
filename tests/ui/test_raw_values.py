"""No raw values on screen: no 'None', 'nan', '<NA>' or 'empty' placeholders, no internal
activity ids, no emoji (Debian's Chromium has no emoji font: icons are Material icons)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.synth import gpx_bytes, synth_run
from tests.ui.conftest import app

RAW = re.compile(r"\b(None|nan|NaN|NaT|empty)\b|<NA>|strava-\d|[0-9a-f]{16}")
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B06\u2795]")
PAGES = ["pages/overview.py", "pages/diary.py", "pages/risk.py", "pages/coach.py",
         "pages/research.py", "pages/import_data.py", "pages/settings.py", "pages/start.py"]
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "text", "info",
              "warning", "error", "success", "metric", "selectbox", "radio", "button")


def on_screen(at) -> list[str]:
    """Every text and every table cell the page shows (labels, values and options)."""
    found = []
    for kind in TEXT_KINDS:
        for element in at.get(kind):
            for attr in ("value", "label", "options"):
                value = getattr(element, attr, None)
                found += [str(v) for v in value] if isinstance(value, list) else (
                    [str(value)] if isinstance(value, str) else [])
    for table in [*at.dataframe, *at.get("data_editor")]:
        frame = table.value if isinstance(table.value, pd.DataFrame) else pd.DataFrame()
        for column in frame.columns:
            cells = frame[column]
            if cells.dtype == object or pd.api.types.is_string_dtype(cells):
                found += [str(c) for c in cells if isinstance(c, str)]
    return found


def raw(texts: list[str]) -> list[str]:
    return [t for t in texts if RAW.search(t) or EMOJI.search(t)]


def test_the_check_catches_raw_values():
    assert raw(["None", "pain nan", "<NA>", "already stored as strava-12070555079",
                "\u2795 new runner", "3/10 (28 Nov)", "Nonetheless"]) == [
        "None", "pain nan", "<NA>", "already stored as strava-12070555079", "\u2795 new runner"]


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_values_on_any_page(db, page):
    texts = on_screen(app(page))
    assert len(texts) > 5  # the page's text was read
    assert raw(texts) == []


def test_an_import_shows_no_internal_ids(db):
    run = synth_run(np.random.default_rng(9), "2026-01-05 07:00", duration_s=900)
    at = app("pages/import_data.py")
    for _ in range(2):  # the second time: already stored, said without the stored id
        at.file_uploader[0].set_value(("morning.gpx", gpx_bytes(run), "application/gpx+xml"))
        at.run()
        next(b for b in at.button if b.label == "Import").click().run()
    assert "already stored" in at.dataframe[0].value["result"].tolist()
    assert raw(on_screen(at)) == []
