"""Import: upload exports or read a local export folder/zip; a result row per activity."""

import pandas as pd
import streamlit as st

from analysis.demo import SQUAD
from analysis.deployment import server_paths_allowed
from analysis.import_results import activity_rows
from analysis.ingest import ReadOptions
from analysis.ingest.localpaths import PathRefused, dashboard_path
from analysis.ingest.sandbox import read_isolated
from analysis.schema import SPORTS
from analysis.store import FileOutcome
from pages import ui

ui.require_app()

st.title("Import runs")
st.write("Whole Strava bulk exports (.zip), GPX, TCX and FIT files (also .gz), Strava's "
         "`activities.csv` and Garmin Connect's activity CSV. Importing something twice "
         "never doubles it; the same run as a file and as a CSV row is stored once.")

NEW_RUNNER = "New runner…"
names = ui.athletes()["name"].tolist()
current = ui.athlete()
own = [name for name in names if name not in SQUAD]  # never import into the demo by default
default = (current.name if current and current.name in own else own[0] if own
           else NEW_RUNNER if ui.may_create_athletes() else names[0] if names else None)
choices = [*names, *([NEW_RUNNER] if ui.may_create_athletes() else [])]
target = st.selectbox("Import for", choices,
                      index=choices.index(default) if default in choices else 0)
if target == NEW_RUNNER:
    target = st.text_input("Name of the new runner", value="" if "me" in names else "me",
                           placeholder="e.g. Sam").strip()
units = st.radio("Garmin Connect CSV units", ["auto", "metric", "imperial"], horizontal=True,
                 help="Garmin writes the CSV in your account's units. 'auto' works it out "
                      "from steps × stride length; when that is impossible you will be asked.")

# A new key after each import empties the uploader (its files are imported).
upload_key = f"uploads-{st.session_state.get('imports_done', 0)}"
uploads = st.file_uploader("Files", accept_multiple_files=True, key=upload_key,
                           type=["zip", "gpx", "tcx", "fit", "gz", "csv"])
local = ""
if server_paths_allowed():  # never on a shared server: a path there names its files
    with st.expander("Export too large to upload? Read it from this computer"):
        local = st.text_input("Path to a Strava export folder or .zip", key="local_path")


def run_import(sources: list) -> None:
    """Read, store and report; the table stays on the page until the next import. A new
    runner is only created when something of theirs is stored."""
    known = target in names
    athlete = ui.store().athlete(target, create=False) if known else None
    bar = st.progress(0.0, text="Reading…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=f"{done} of {total}: {name[-60:]}")

    options = ReadOptions(athlete_tz=athlete.tz if athlete else None, garmin_units=units,
                          known_sha256=ui.store().imported_hashes(athlete.id) if athlete
                          else frozenset())
    # Read in a separate process with memory and time limits, never in this server.
    results = read_isolated(sources, options, progress)
    bar.empty()
    if athlete is None and any(result.activities for result in results):
        athlete = ui.store().athlete(target)
    if athlete is None:  # nothing to store: no runner made for it
        outcomes = [FileOutcome(r.file, r.sha256, "empty" if r.status == "ok" else r.status,
                                r.error or r.ignored or "no activities in it")
                    for r in results]
    else:
        outcomes = ui.store().import_results(athlete.id, results).files
        st.session_state["selected_athlete"] = athlete.name
    st.session_state["import_report"] = (target, athlete is not None,
                                         activity_rows(results, outcomes))
    st.session_state["imports_done"] = st.session_state.get("imports_done", 0) + 1
    st.rerun()  # the navigation and sidebar now include what was stored


ready = bool(target) and (uploads or local)
if st.button("Import", type="primary", disabled=not ready):
    try:
        sources = [str(dashboard_path(local))] if local else []
    except PathRefused as refusal:
        st.error(f"Not read: {ui.plain(refusal)}")
    else:
        run_import([(f.name, f) for f in uploads or []] + sources)


SHOWN_PROBLEMS = 50  # an export with thousands of broken files lists the rest in the table


def show_report(who: str, stored: bool, rows: pd.DataFrame) -> None:
    """The last import: counts, a row per activity, and every problem in full."""
    st.subheader(f"Last import for {ui.plain(who)}")
    if not stored:
        st.warning(f"Nothing was stored, so no runner called {ui.plain(who)} was created.",
                   icon=":material/info:")
    counts = rows["result"].value_counts()
    columns = st.columns(4)
    for column, (label, result) in zip(columns, (
            ("Imported", "imported"), ("Already stored", "already stored"),
            ("Skipped (not activity files)", "ignored"),
            ("Could not be read", "could not be read")), strict=True):
        column.metric(label, int(counts.get(result, 0)))
    units = ui.units()
    shown = pd.DataFrame({  # text cells: an empty one would read "None" on screen
        "date": rows["date"].map(lambda day: day.isoformat() if day else "–"),
        "sport": rows["sport"].fillna("–"),
        units.distance: rows["distance_m"].astype(float).map(
            lambda metres: ui.fmt(units.dist(metres), "{:.2f}")),
        "running load": rows["counts_as_running"].map({True: "counted", False: "not counted"}),
        "result": rows["result"], "file": rows["file"], "details": rows["details"]})
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"details": st.column_config.TextColumn(width="large")})
    problems = rows[(rows["details"] != "") & (rows["result"] != "ignored")]
    problems = problems.drop_duplicates(["file", "details"])
    for row in problems.head(SHOWN_PROBLEMS).itertuples():
        failed = row.result == "could not be read"
        (st.error if failed else st.warning)(
            f"{ui.plain(row.file)}: {ui.plain(row.details)}",
            icon=":material/error:" if failed else ":material/warning:")
    if len(problems) > SHOWN_PROBLEMS:
        st.caption(f"{len(problems) - SHOWN_PROBLEMS} more files with problems: see the "
                   "details column above.")


if "import_report" in st.session_state:
    show_report(*st.session_state["import_report"])


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
