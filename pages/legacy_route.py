"""The one workaround for a Streamlit quirk of the `pages/` folder, kept here alone.

An app with a `pages/` folder next to its main script starts on Streamlit's legacy
multipage route: on a fresh server whose first request is a deep link (/diary) Streamlit
runs that page's script alone, and app.py's st.navigation, sidebar and sign-in gate never
run. No public API switches this off (st.navigation does only once app.py has run), so the
class flag Streamlit reads is set here; tests/ui/test_legacy_route.py fails when Streamlit
changes it, and then this module (and its callers) can go.
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager


def legacy_route_on() -> bool:
    """Is Streamlit running page scripts without app.py (the legacy pages/ route)?"""
    return bool(PagesManager.uses_pages_directory)


def switch_legacy_route_off() -> None:
    """Route every page through app.py's st.navigation, as running app.py once would."""
    PagesManager.uses_pages_directory = False
