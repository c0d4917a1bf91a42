"""Shared dashboard pieces: the sign-in gate, the store scoped to who is signed in, cached
per-athlete data, the sidebar, small widgets.

Everything computed here comes from analysis/; caches are keyed by the database URL, the
viewer, the athlete id and the athlete's data version (which grows with every write), never
by frames. Every read goes through the viewer's scoped Store, which refuses what they may
not see (analysis.store.access): a cache hit still asks the store for the data version.
Pages keep their own tables and charts in the same cache (derived, chart), under the key
their view was read with.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import urlencode, urlsplit
from zoneinfo import available_timezones

import altair as alt
import pandas as pd
import streamlit as st

from analysis import charts
from analysis.athlete import AthleteView
from analysis.cohort.dataset import read_manifest_json
from analysis.cohort.panel import csv_panel, csv_rows, dataset_panel
from analysis.deployment import squad_mode
from analysis.safetext import markdown_literal
from analysis.stats.cohort import CohortReport, analyze_cohort, cohort_panel
from analysis.stats.report import AthleteReport
from analysis.store import LOCAL_OWNER, AccessDenied, Athlete, Store, UnknownAthlete, User
from analysis.store.access import SIGNED_OUT_ROLE
from analysis.thresholds import DISCLAIMER, Thresholds
from analysis.units import Units, units_for
from pages.legacy_route import legacy_route_on, switch_legacy_route_off

__all__ = ["units_for"]  # re-exported for pages

UNIT_WORDS = {"km": "km / m", "mi": "miles / ft"}
PAGES: dict[str, st.Page] = {}  # filled by app.py so pages can link to each other
VIEW_TTL_S = 600  # a cached view of someone else's data is read (and audited) again after
USER_KEY = "kneeload_user"  # session key: the signed-in User, set by gate() on every run
AUTH_COOKIE = "_streamlit_user"  # Streamlit's signed sign-in cookie
SIGNED_OUT = User("nobody", SIGNED_OUT_ROLE)
T = TypeVar("T")
IN_PROCESS_ATHLETES = 30  # cohorts up to this size are fitted without worker processes


def plain(text: object) -> str:
    """User-supplied text (names, notes, file names) for any element that renders Markdown
    (titles, captions, labels, messages): shown as typed, never as links or images."""
    return markdown_literal(text)


def require_app() -> None:
    """Hand over to app.py when a page runs on its own (Streamlit's legacy pages/ route,
    see pages/legacy_route.py): switch that route off and rerun, so app.py's st.navigation
    serves the requested page."""
    if legacy_route_on():
        switch_legacy_route_off()
        st.rerun()


@st.cache_resource(show_spinner=False)
def _freeze(modules: int) -> None:
    gc.collect()
    gc.freeze()


def spare_the_collector() -> None:
    """Take what lives for good — imported modules, Altair's Vega-Lite schema: some 230,000
    objects — out of the garbage collector's view, so the full collection Streamlit runs
    after every script (runner.postScriptGC) looks only at what the run made: it took
    0.1–0.3 s of each page on 2 cores. Again after a page imports new modules."""
    _freeze(len(sys.modules))


def database_url() -> str | None:
    """The database the dashboard uses: $KNEELOAD_DB, else the default SQLite file."""
    return os.environ.get("KNEELOAD_DB") or None


@st.cache_resource(show_spinner=False)
def _store(url: str | None) -> Store:
    return Store(url)


def _as(url: str | None, viewer: str) -> Store:
    """The store acting for `viewer` (an email, or the local owner)."""
    base = _store(url)
    return base if viewer == LOCAL_OWNER.email else base.acting_as(viewer)


def user() -> User:
    """Who is using the dashboard: the local owner in personal mode, else the account
    gate() let in, while its sign-in is still valid (callbacks run before the gate does);
    otherwise a signed-out guest, whom the store refuses everything."""
    if not squad_mode():
        return LOCAL_OWNER
    who = st.session_state.get(USER_KEY)
    if who is None or not _sign_in_valid() or st.user.get("email", "").lower() != who.email:
        return SIGNED_OUT
    return who


def _sign_in_valid() -> bool:
    """Signed in, and the identity provider's ID token has not expired."""
    expires = st.user.get("exp") if st.user.is_logged_in else None
    return expires is not None and dt.datetime.fromtimestamp(float(expires), dt.UTC) > \
        dt.datetime.now(dt.UTC)


def viewer() -> str:
    """The signed-in user's email (cache keys)."""
    return user().email


def store() -> Store:
    """The store for this dashboard's database, acting for the signed-in user (the
    process-wide one, shared engine and pool)."""
    base = _store(database_url())
    return base.acting_as(user()) if squad_mode() else base


def _sign_in_page(message: str, invited: str | None = None) -> None:
    st.title("kneeload")
    st.markdown("##### Running load and knee pain, side by side")
    if invited:
        st.info(f"You are invited to join **{plain(invited)}**. Sign in, then open your invitation "
                "link again to join.")
    st.write(message)
    st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
    st.stop()


def _sign_in_configured() -> bool:
    """Is there an [auth] section (the identity provider) in the secrets?"""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def _refuse(message: str) -> None:
    """A signed-in person without access: say why, offer to sign out, stop."""
    st.title("kneeload")
    st.error(message)
    st.button("Sign out", on_click=st.logout, icon=":material/logout:")
    st.stop()


def gate() -> User:
    """Squad mode: only a signed-in account goes further. Shows the sign-in page (or why
    access is refused) and stops otherwise. A sign-in lasts as long as the identity
    provider's ID token (its `exp`): after that the provider must confirm the account
    again, so an account deleted there loses access. Personal mode: the local owner."""
    if not squad_mode():
        return LOCAL_OWNER
    token = st.query_params.get("invite")
    invited = None
    if token:
        try:
            invited = _store(database_url()).invitation(token)
        except AccessDenied as refused:
            st.error(f"Invitation refused: {refused}.")
            token = None
    if not st.user.is_logged_in:
        if not _sign_in_configured():
            st.error("This kneeload runs in squad mode but sign-in is not set up: add an "
                     "[auth] section to .streamlit/secrets.toml (see README, A squad "
                     "deployment).")
            st.stop()
        if AUTH_COOKIE in st.context.cookies:  # present, but Streamlit would not accept it
            _sign_in_page("Your sign-in is no longer valid (it expired, or this server did "
                          "not issue it): sign in again.", invited)
        _sign_in_page("Sign in with your club's or university's account. kneeload keeps "
                      "no passwords.", invited)
    if not _sign_in_valid():
        _sign_in_page("Your sign-in has expired: sign in again to go on.", invited)
    email = st.user.get("email")
    if not email or st.user.get("email_verified") is False:
        _refuse("Your identity provider did not confirm an email address, so kneeload "
                "cannot tell who you are.")
    try:
        who = _store(database_url()).acting_as(str(email)).actor
    except (AccessDenied, ValueError) as refused:
        _refuse(f"No access: {refused}.")
    st.session_state[USER_KEY] = who
    if token:
        _accept(token, invited)
    elif who.role == "guest":
        _refuse(f"{who.email} has no access to this kneeload yet. Ask your coach for an "
                "invitation link.")
    return who


def _accept(token: str, squad: str | None) -> None:
    """The invitation form: join the squad (a new runner gives their name)."""
    st.title(f"Join {plain(squad)}")
    name = None
    if user().role == "guest":
        name = st.text_input("Your name as your coach knows it",
                             value=str(st.user.get("name") or "")).strip() or None
    if st.button(f"Join {plain(squad)}", type="primary"):
        try:
            joined = store().accept_invitation(token, name=name)
        except AccessDenied as refused:
            _refuse(f"Invitation refused: {plain(refused)}.")
        del st.query_params["invite"]
        st.session_state["joined"] = joined
        st.rerun()
    st.stop()


def athletes() -> pd.DataFrame:
    """All athletes with their counts (a cheap query, run on every page)."""
    return store().athletes()


def athlete() -> Athlete | None:
    """The athlete picked in the sidebar (None when the store is empty).

    The choice lives in st.session_state["selected_athlete"], which is plain state (not a widget's
    key), so any page may set it — e.g. the coach page opening someone's overview. A link
    naming an athlete (?athlete=NAME) chooses them when the store lets the viewer see them;
    otherwise the store's refusal stops the page.
    """
    linked = st.query_params.get("athlete")
    if linked and linked != st.session_state.get("linked_athlete"):
        try:
            found = store().athlete(linked, create=False)
        except UnknownAthlete as unknown:
            raise AccessDenied(str(unknown)) from None
        st.session_state["selected_athlete"] = found.name
        st.session_state["linked_athlete"] = linked
    chosen = st.session_state.get("selected_athlete")
    if chosen is not None:
        try:  # one cheap lookup; the counted list only when the choice is gone
            return store().athlete(chosen, create=False)
        except (UnknownAthlete, AccessDenied):  # deleted, renamed, or no longer visible
            pass
    names = athletes()["name"].tolist()
    if not names:
        return None
    st.session_state["selected_athlete"] = names[0]
    return store().athlete(names[0], create=False)


def units() -> Units:
    """Display units chosen for the current athlete (km by default)."""
    current = athlete()
    return units_for(current.units if current else "km")


@st.cache_resource(show_spinner=False)
def time_zones() -> list[str]:
    """Every IANA zone name, sorted: read from the zone database once per process (0.1 s)."""
    return sorted(available_timezones())


def today(current: Athlete) -> dt.date:
    """Today on the athlete's clock (their time zone; the machine's when they set none)."""
    return AthleteView.local_today(current).date()


def thresholds(current: Athlete) -> Thresholds:
    """The athlete's thresholds: DOMAIN.md defaults with their own overrides (the defaults
    when the stored ones are invalid; the Settings page says so)."""
    return Thresholds.usable(current.settings)[0]


@st.cache_data(max_entries=64, ttl=VIEW_TTL_S, show_spinner=False)
def _frames(url: str | None, viewer: str, athlete_id: int, version: int
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = _as(url, viewer)
    return data.activities(athlete_id), data.pain(athlete_id)


def frames(current: Athlete) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(activities, pain) of `current`, cached until their data change."""
    return _frames(database_url(), viewer(), current.id, store().data_version(current.id))


DataKey = tuple[str | None, str, int, int, str, str | None, str]


def data_key(current: Athlete) -> DataKey:
    """What everything cached about `current` is keyed by: the database, the viewer (whose
    scoped store reads it), the athlete, their data version (grows with every write),
    settings and time zone, and today on their clock."""
    return (database_url(), viewer(), current.id, store().data_version(current.id),
            json.dumps(current.settings, sort_keys=True), current.tz,
            AthleteView.local_today(current).strftime("%Y-%m-%d"))


@st.cache_data(max_entries=64, ttl=VIEW_TTL_S, show_spinner=False)
def _view(url: str | None, viewer: str, athlete_id: int, version: int, settings: str,
          tz: str | None, today: str, _athlete: Athlete) -> AthleteView:
    view = AthleteView(None, _athlete, today, frames=_frames(url, viewer, athlete_id, version),
                        lenient=True)
    view.tables, view.flags, view.recent  # computed here: the cached copy carries them  # noqa: B018
    return view


def keyed_view(current: Athlete) -> tuple[DataKey, AthleteView]:
    """`current`'s AthleteView (analysis.athlete, the entry point the CLI uses too) as of
    today in their zone, with its load tables and flags, cached until their data or
    settings change; with the key it was read under, for derived() and chart()."""
    key = data_key(current)
    return key, _view(*key, current)


def view(current: Athlete) -> AthleteView:
    """`current`'s AthleteView as of today, cached (keyed_view without the key)."""
    return keyed_view(current)[1]


@st.cache_data(max_entries=256, ttl=VIEW_TTL_S, show_spinner=False)
def _derived(key: DataKey, what: tuple[object, ...], _make: Callable[[], T]) -> T:
    return _make()


def derived(key: DataKey, make: Callable[[], T], *what: object) -> T:
    """`make()`, something computed from the view read under `key` (keyed_view), cached
    with it. `what` names the result and every other input `make` reads (period, units,
    a toggle…): the cache knows nothing else about it."""
    return _derived(key, what, make)


def chart(key: DataKey, build: Callable[[], alt.TopLevelMixin], *what: object) -> None:
    """Draw the Altair chart `build()` makes, full width; its Vega-Lite spec is cached like
    derived() (`what` names the chart and every other input), so a rerun skips Altair's
    building and checking (a tenth of a second a chart)."""
    st.vega_lite_chart(derived(key, lambda: charts.vega_lite(build()), "chart", *what),
                       width="stretch")


@st.cache_data(max_entries=32, ttl=VIEW_TTL_S, show_spinner="Relating load to pain…")
def _nof1(url: str | None, viewer: str, athlete_id: int, version: int, settings: str,
          today: str, _view: AthleteView) -> AthleteReport:
    return _view.statistics()


def nof1(current: Athlete) -> AthleteReport:
    """The athlete's n-of-1 statistics (associations, flares, event study) as of the same
    today as the rest of their pages, cached."""
    shown = view(current)
    return _nof1(database_url(), viewer(), current.id, store().data_version(current.id),
                 json.dumps(current.settings, sort_keys=True),
                 shown.today.strftime("%Y-%m-%d"), shown)


def _workers(n_athletes: int) -> int | None:
    """Worker processes for a cohort: none for a squad (starting them takes seconds, far
    longer than a few runners' tables: 6 demo runners 2 s in-process, 13 s with workers on
    2 busy cores); one per core for a large cohort."""
    return 1 if n_athletes <= IN_PROCESS_ATHLETES else None


@st.cache_data(max_entries=8, ttl=VIEW_TTL_S, show_spinner="Fitting the cohort models…")
def _cohort(url: str | None, viewer: str, version: str) -> CohortReport:
    chosen = _as(url, viewer).research_cohort("models")
    workers = _workers(len(chosen.names))
    return analyze_cohort(cohort_panel(chosen.athletes(), workers=workers,
                                       total=len(chosen.names)),
                          n_athletes=len(chosen.names), names=chosen.names, workers=workers,
                          excluded=chosen.left_out)


def cohort() -> CohortReport:
    """Cohort models over everyone research may use (store.research_cohort: on a squad
    deployment the athletes who consent, under pseudonyms; the others listed as left out),
    read athlete by athlete, cached until that changes."""
    return _cohort(database_url(), viewer(), store().research_version())


@st.cache_data(max_entries=4, show_spinner="Fitting the cohort models…")
def _cohort_csv(digest: str, _data: bytes) -> CohortReport:
    panel, names = csv_panel(csv_rows(io.BytesIO(_data)))
    return analyze_cohort(panel, n_athletes=len(names), names=names,
                          workers=_workers(len(names)))


def cohort_csv(data: bytes) -> CohortReport:
    """Cohort models for a tidy long-format CSV or a research daily.csv, cached by its
    content hash."""
    return _cohort_csv(hashlib.sha256(data).hexdigest(), data)


@st.cache_data(max_entries=4, show_spinner="Fitting the cohort models…")
def _cohort_dataset(folder: str, version: str) -> CohortReport:
    panel, n_athletes = dataset_panel(folder)
    return analyze_cohort(panel, n_athletes=n_athletes)


def cohort_dataset(folder: str) -> CohortReport:
    """Cohort models for a dataset built by `kneeload cohort build`, cached until it is
    rebuilt (its manifest.json changes)."""
    return _cohort_dataset(folder, json.dumps(read_manifest_json(folder), sort_keys=True))


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
                if "athlete" in st.query_params:
                    st.query_params["athlete"] = st.session_state["linked_athlete"] = picked
                st.rerun()
        if current is not None:
            choice = st.segmented_control("Units", ["km", "mi"], default=current.units,
                                          key=f"units-{current.id}-{current.units}",
                                          format_func=UNIT_WORDS.get)
            if choice and choice != current.units:
                store().update_athlete(current.id, units=choice)
                st.rerun()
        if squad_mode():
            st.caption(f"Signed in as {plain(user().email)} ({user().role}).")
            st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="logout")
        st.caption(DISCLAIMER)


def refused(reason: AccessDenied) -> None:
    """A read or write the store refused: one clear line, and a way back."""
    st.error(f"Not allowed: {plain(reason)}.", icon=":material/block:")
    if st.button("Back to my own pages"):
        st.query_params.clear()
        st.session_state.pop("selected_athlete", None)
        st.session_state.pop("linked_athlete", None)
        st.rerun()


def _base_url() -> str:
    """This dashboard's address without the page and query (links to hand out)."""
    parts = urlsplit(st.context.url or "")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{base}" if base else "")


def invitation_link(token: str) -> str:
    """The link to hand out for an invitation token."""
    return f"{_base_url()}/?invite={token}"


def athlete_link(page: str, name: str) -> str:
    """A deep link to `page` showing athlete `name` (honoured only for allowed viewers)."""
    return f"{_base_url()}/{page}?{urlencode({'athlete': name})}"


def may_create_athletes() -> bool:
    """Only the local owner adds athletes by name (accounts bring theirs on a squad)."""
    return user().is_owner


def research_people() -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """(name, activities, pain) for a research export, read one athlete at a time
    (store.research_cohort: on a squad deployment only athletes who consent now, under
    pseudonyms; audited)."""
    return store().research_cohort("export").athletes()


def no_data(current: Athlete | None) -> bool:
    """Show a friendly pointer to the import page when there is nothing to show."""
    if current is not None and not frames(current)[0].empty:
        return False
    st.info("No runs yet. Import your exports, or load the demo squad from the start page.")
    if "import" in PAGES:
        st.page_link(PAGES["import"], label="Import runs", icon=":material/upload_file:")
    return True


def fmt_p(value: float | None) -> str:
    """A p- or q-value to 3 decimals; below 0.001 as '< 0.001', never '0.000'."""
    return "< 0.001" if value is not None and value < 0.001 else fmt(value, "{:.3f}")


def fmt(value: float | None, pattern: str = "{:.1f}", missing: str = "–") -> str:
    """`value` formatted, or a dash when it is missing."""
    if value is None or pd.isna(value):
        return missing
    return pattern.format(value)
