"""Import: upload exports or read a local export folder/zip; a result line per file."""

import pandas as pd
import streamlit as st

from analysis.deployment import server_paths_allowed
from analysis.ingest import ReadOptions
from analysis.ingest.localpaths import PathRefused, dashboard_path
from analysis.ingest.sandbox import read_isolated
from analysis.schema import SPORTS
from pages import ui

ui.require_app()

st.title("Import runs")
st.write("Whole Strava bulk exports (.zip), GPX, TCX and FIT files (also .gz), Strava's "
         "`activities.csv` and Garmin Connect's activity CSV. Importing something twice "
         "never doubles it; the same run as a file and as a CSV row is stored once.")

names = ui.athletes()["name"].tolist()
current = ui.athlete()
new = ["➕ new runner…"] if ui.may_create_athletes() else []
target = st.selectbox("Import for", [*names, *new],
                      index=names.index(current.name) if current else len(names))
if target == "➕ new runner…":
    target = st.text_input("Name of the new runner", placeholder="e.g. Sam").strip()
units = st.radio("Garmin Connect CSV units", ["auto", "metric", "imperial"], horizontal=True,
                 help="Garmin writes the CSV in your account's units. 'auto' works it out "
                      "from steps × stride length; when that is impossible you will be asked.")

uploads = st.file_uploader("Files", accept_multiple_files=True,
                           type=["zip", "gpx", "tcx", "fit", "gz", "csv"])
local = ""
if server_paths_allowed():  # never on a shared server: a path there names its files
    with st.expander("Export too large to upload? Read it from this computer"):
        local = st.text_input("Path to a Strava export folder or .zip", key="local_path")


def run_import(sources: list) -> None:
    """Read, store and report; the table stays on the page until the next import."""
    athlete = ui.store().athlete(target)
    bar = st.progress(0.0, text="Reading…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=f"{done} of {total}: {name[-60:]}")

    options = ReadOptions(athlete_tz=athlete.tz, garmin_units=units,
                          known_sha256=ui.store().imported_hashes(athlete.id))
    # Read in a separate process with memory and time limits, never in this server.
    report = ui.store().import_results(athlete.id, read_isolated(sources, options, progress))
    bar.empty()
    st.session_state["import_report"] = (athlete.name, report.imported, report.duplicate,
                                         report.ignored, report.failed, pd.DataFrame(
        [{"file": f.file, "result": f.status, "details": f.message} for f in report.files]))
    st.session_state["selected_athlete"] = athlete.name
    st.rerun()  # the navigation and sidebar now include what was stored


ready = bool(target) and (uploads or local)
if st.button("Import", type="primary", disabled=not ready):
    try:
        sources = [str(dashboard_path(local))] if local else []
    except PathRefused as refusal:
        st.error(f"Not read: {ui.plain(refusal)}")
    else:
        run_import([(f.name, f) for f in uploads or []] + sources)

if "import_report" in st.session_state:
    who, imported, duplicate, ignored, failed, files = st.session_state["import_report"]
    st.subheader(f"Last import for {ui.plain(who)}")
    a, b, c, d = st.columns(4)
    a.metric("Imported", imported)
    b.metric("Already stored", duplicate)
    c.metric("Ignored (not activity files)", ignored)
    d.metric("Could not be read", failed)
    st.dataframe(files, hide_index=True, width="stretch",
                 column_config={"details": st.column_config.TextColumn(width="large")})


def confirm_guessed_sports() -> None:
    """The selected runner's activities whose file named no sport: kneeload's guess, why,
    and a choice to confirm or change it (kept when the outing is imported again)."""
    current = ui.athlete()
    if current is None:
        return
    activities, _ = ui.frames(current)
    guessed = activities[activities["sport_source"] == "guessed"]
    if guessed.empty:
        return
    units = ui.units()
    st.subheader("Sports kneeload guessed")
    st.caption("These files name no sport, so kneeload guessed it from speed, cadence and "
               "steadiness. Only runs count as running load: check them and confirm.")
    shown = pd.DataFrame({
        "activity_id": guessed["activity_id"].astype("object"),
        "day": guessed["local_date"].dt.date,
        "name": guessed["name"].fillna("").astype("object"),
        units.distance: guessed["distance_m"].astype(float).map(units.dist).round(2),
        "sport": guessed["sport"].astype("object"),
        "why": guessed["sport_reason"].fillna("").astype("object"),
    }).reset_index(drop=True)
    edited = st.data_editor(
        shown, key="guessed_sports", hide_index=True, width="stretch",
        disabled=["day", "name", units.distance, "why"],
        column_config={"activity_id": None,
                       "sport": st.column_config.SelectboxColumn("sport", options=list(SPORTS),
                                                                 required=True)})
    if st.button("Confirm these sports"):
        for row in edited.itertuples(index=False):
            ui.store().set_sport(current.id, row.activity_id, row.sport)
        st.rerun()


confirm_guessed_sports()
