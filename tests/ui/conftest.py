"""Dashboard tests: a demo database built once, copied for every test that writes."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from analysis.demo import load_demo
from analysis.store import Store
from pages.legacy_route import switch_legacy_route_off

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(autouse=True)
def navigation_only(monkeypatch):
    """Keep every AppTest run on app.py's st.navigation.

    AppTest resets Streamlit's legacy pages/-folder flag before each run, so with a pages/
    folder every run after the first would execute the page script alone. Switch the
    legacy route off after each PagesManager is made, as app.py's st.navigation does.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        switch_legacy_route_off()

    monkeypatch.setattr(PagesManager, "__init__", init)
    logging.getLogger("streamlit").setLevel(logging.ERROR)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A SQLite file holding the whole demo squad (loaded through the normal import)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store(path) as store:
        load_demo(store)
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path, monkeypatch) -> str:
    """A private copy of the demo database, used by the dashboard through KNEELOAD_DB."""
    path = tmp_path / "kneeload.db"
    shutil.copy(demo_db, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("KNEELOAD_DB", url)
    return url


def app(page: str | None = None, user: dict | None = None, query: dict | None = None
        ) -> AppTest:
    """The dashboard, run once (on `page` when given: 'pages/diary.py' …), optionally as a
    signed-in `user` (st.user's claims) with `query` parameters in the URL."""
    test = AppTest.from_file(str(APP), default_timeout=120)
    if user is not None:
        test.user = user
    test.query_params.update(query or {})
    test.run()
    if page:
        test.switch_page(page)
        test.run()
    assert not test.exception, [e.value for e in test.exception]
    return test


def charts(at: AppTest) -> list[tuple[dict, dict[str, pd.DataFrame]]]:
    """Each Altair chart on the page: its Vega-Lite spec and its datasets by name."""
    out = []
    for element in at.get("vega_lite_chart"):
        datasets = {d.name: pa.ipc.open_stream(d.data.data).read_pandas()
                    for d in element.proto.datasets}
        out.append((json.loads(element.proto.spec), datasets))
    return out


def leaves(spec: dict) -> list[dict]:
    """The leaf layers of a (possibly nested) layered chart spec."""
    if "layer" not in spec:
        return [spec]
    return [leaf for layer in spec["layer"] for leaf in leaves(layer)]
