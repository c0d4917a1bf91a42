"""Shared dashboard pieces: the store, cached per-athlete data, the sidebar, small widgets.

Everything computed here comes from analysis/; caches are keyed by the database URL, the
athlete id and the athlete's data version (which grows with every write), never by frames.
"""

from __future__ import annotations

import hashlib
import io
import json
import os

import pandas as pd
import streamlit as st

from analysis.load import LoadTables, acwr_table, load_tables
from analysis.stats.cohort import CohortReport, analyze_cohort, cohort_panel, tidy_tables
from analysis.stats.report import AthleteReport, analyze_athlete
from analysis.store import Athlete, Store
from analysis.thresholds import DISCLAIMER, Thresholds
from analysis.units import Units, units_for

__all__ = ["units_for"]  # re-exported for pages

UNIT_WORDS = {"km": "km / m", "mi": "miles / ft"}
PAGES: dict[str, st.Page] = {}  # filled by app.py so pages can link to each other


def require_app() -> None:
    """Hand over to app.py when a page runs on its own.

    On a fresh server whose first request is a deep link (/diary), Streamlit runs that
    page script alone, the legacy route for apps with a pages/ folder; app.py (and with it
    the navigation and sidebar) never runs. Switch that legacy route off and rerun, so
    app.py's st.navigation serves the requested page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def database_url() -> str | None:
    """The database the dashboard uses: $KNEELOAD_DB, else the default SQLite file."""
    return os.environ.get("KNEELOAD_DB") or None


@st.cache_resource(show_spinner=False)
def _store(url: str | None) -> Store:
    return Store(url)


def store() -> Store:
    """The (process-wide) store for this dashboard's database."""
    return _store(database_url())


def athletes() -> pd.DataFrame:
    """All athletes with their counts (a cheap query, run on every page)."""
    return store().athletes()


def athlete() -> Athlete | None:
    """The athlete picked in the sidebar (None when the store is empty).

    The choice lives in st.session_state["selected_athlete"], which is plain state (not a widget's
    key), so any page may set it — e.g. the coach page opening someone's overview.
    """
    names = athletes()["name"].tolist()
    if not names:
        return None
    if st.session_state.get("selected_athlete") not in names:
        st.session_state["selected_athlete"] = names[0]
    return store().athlete(st.session_state["selected_athlete"], create=False)


def units() -> Units:
    """Display units chosen for the current athlete (km by default)."""
    current = athlete()
    return units_for(current.units if current else "km")


def thresholds(current: Athlete) -> Thresholds:
    """The athlete's thresholds: DOMAIN.md defaults with their own overrides."""
    return Thresholds.from_settings(current.settings)


@st.cache_data(max_entries=64, show_spinner=False)
def _frames(url: str | None, athlete_id: int, version: int
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = _store(url)
    return data.activities(athlete_id), data.pain(athlete_id)


def frames(current: Athlete) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(activities, pain) of `current`, cached until their data change."""
    return _frames(database_url(), current.id, store().data_version(current.id))


@st.cache_data(max_entries=64, show_spinner=False)
def _tables(url: str | None, athlete_id: int, version: int, settings: str, tz: str | None,
            today: str) -> LoadTables:
    activities, pain = _frames(url, athlete_id, version)
    return load_tables(activities, pain, Thresholds.from_settings(json.loads(settings)),
                       today, tz=tz)


def tables(current: Athlete) -> LoadTables:
    """Daily, per-run, weekly and flag tables of `current` as of today, cached."""
    today = pd.Timestamp.now(tz=current.tz or None).strftime("%Y-%m-%d")
    return _tables(database_url(), current.id, store().data_version(current.id),
                   json.dumps(current.settings, sort_keys=True), current.tz, today)


@st.cache_data(max_entries=32, show_spinner="Relating load to pain…")
def _nof1(url: str | None, athlete_id: int, version: int, settings: str, today: str
          ) -> AthleteReport:
    activities, pain = _frames(url, athlete_id, version)
    return analyze_athlete(activities, pain, Thresholds.from_settings(json.loads(settings)),
                           today)


def nof1(current: Athlete) -> AthleteReport:
    """The athlete's n-of-1 statistics (associations, flares, event study), cached."""
    today = pd.Timestamp.now(tz=current.tz or None).strftime("%Y-%m-%d")
    return _nof1(database_url(), current.id, store().data_version(current.id),
                 json.dumps(current.settings, sort_keys=True), today)


@st.cache_data(max_entries=8, show_spinner="Fitting the cohort models…")
def _cohort(url: str | None, versions: tuple[tuple[int, int], ...]) -> CohortReport:
    data = _store(url)
    people = data.athletes()
    athletes = [(name, *_frames(url, int(i), v)) for (i, v), name in
                zip(versions, people["name"], strict=True)]
    return analyze_cohort(cohort_panel(athletes), n_athletes=len(athletes))


def cohort() -> CohortReport:
    """Cohort models over every stored athlete, cached until any athlete's data change."""
    people = athletes()
    versions = tuple((int(i), store().data_version(int(i))) for i in people["id"])
    return _cohort(database_url(), versions)


@st.cache_data(max_entries=4, show_spinner="Fitting the cohort models…")
def _cohort_csv(digest: str, _data: bytes) -> CohortReport:
    people = tidy_tables(pd.read_csv(io.BytesIO(_data)))
    panel = cohort_panel([(name, acts, pain) for name, (acts, pain) in people.items()])
    return analyze_cohort(panel, n_athletes=len(people))


def cohort_csv(data: bytes) -> CohortReport:
    """Cohort models for a tidy long-format CSV, cached by its content hash."""
    return _cohort_csv(hashlib.sha256(data).hexdigest(), data)


def acwr(current: Athlete) -> pd.DataFrame:
    """Daily acute:chronic ratios of running distance (three variants) for `current`."""
    loaded = tables(current)
    return acwr_table(loaded.daily, "distance_m", loaded.thresholds)


def samples(current: Athlete, activity_id: str) -> pd.DataFrame:
    """One activity's samples (fast enough uncached: a single compressed row)."""
    return store().samples(activity_id, current.id)


def disclaimer() -> None:
    """The one-line not-medical-advice notice shown on every page that shows risk (the
    sidebar carries the whole text)."""
    st.caption(DISCLAIMER.split(". ")[0] + ".")


def sidebar() -> None:
    """Athlete picker (only when there are several), units, and the disclaimer."""
    table = athletes()
    with st.sidebar:
        names = table["name"].tolist()
        current = athlete()
        if len(names) > 1:
            # Keyed by the current choice, so a choice made elsewhere shows up here too.
            picked = st.selectbox("Athlete", names, index=names.index(current.name),
                                  key=f"athlete-picker-{current.name}")
            if picked != current.name:
                st.session_state["selected_athlete"] = picked
                st.rerun()
        if current is not None:
            choice = st.segmented_control("Units", ["km", "mi"], default=current.units,
                                          key=f"units-{current.id}-{current.units}",
                                          format_func=UNIT_WORDS.get)
            if choice and choice != current.units:
                store().update_athlete(current.id, units=choice)
                st.rerun()
        st.caption(DISCLAIMER)


def no_data(current: Athlete | None) -> bool:
    """Show a friendly pointer to the import page when there is nothing to show."""
    if current is not None and not frames(current)[0].empty:
        return False
    st.info("No runs yet. Import your exports, or load the demo squad from the start page.")
    if "import" in PAGES:
        st.page_link(PAGES["import"], label="Import runs", icon=":material/upload_file:")
    return True


def fmt(value: float | None, pattern: str = "{:.1f}", missing: str = "–") -> str:
    """`value` formatted, or a dash when it is missing."""
    if value is None or pd.isna(value):
        return missing
    return pattern.format(value)
