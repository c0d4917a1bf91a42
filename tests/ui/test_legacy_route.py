"""The pages/-folder quirk pages/legacy_route.py works around: fails when Streamlit changes
it (then the workaround can go, or must follow)."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

from pages.legacy_route import legacy_route_on, switch_legacy_route_off
from tests.ui.conftest import APP


def test_a_pages_folder_starts_streamlit_on_the_legacy_route(monkeypatch):
    monkeypatch.undo()  # Streamlit's own PagesManager, without the conftest's switch
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)  # a fresh server
    PagesManager(str(APP))
    assert legacy_route_on()  # Streamlit would run a deep-linked page without app.py
    switch_legacy_route_off()
    assert not legacy_route_on()
    PagesManager(str(APP))  # later sessions stay on app.py's navigation
    assert not legacy_route_on()
