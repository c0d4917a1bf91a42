"""Research: cohort-level load–pain models, a forest plot, and de-identified exports."""

import secrets

import pandas as pd
import streamlit as st

from analysis import charts
from analysis.deployment import squad_mode
from analysis.safetext import csv_text
from analysis.stats.cohort import TIDY_OPTIONAL, TIDY_REQUIRED, CohortCSVError, CohortReport
from analysis.stats.export import research_tables, research_zip
from analysis.stats.nof1 import MIN_PAIRS_WEEKLY
from pages import ui

ui.require_app()

st.title("Research: load and knee pain across runners")
st.caption("Exploratory associations across runners, not causes and not a diagnosis. "
           "Each exposure is split into a between-runner part (a runner's mean) and a "
           "within-runner part (the week's deviation from it).")


def download_table(label: str, table: pd.DataFrame, name: str) -> None:
    """A model table as CSV, every column at full precision, formula-safe (runner names)."""
    st.download_button(label, csv_text(table).encode(), mime="text/csv",
                       file_name=f"kneeload-cohort-{name}.csv", icon=":material/download:",
                       disabled=table.empty, key=f"download-{name}")


def show_models(report: CohortReport) -> None:
    """The model tables and the forest plot, or why the data are not enough."""
    st.write(report.message.split(". ")[0].rstrip(".") + ".")  # the first sentence
    if not report.left_out.empty:
        with st.expander(f"Runners left out of the models ({len(report.left_out)})"):
            st.dataframe(report.left_out.rename(columns={"athlete_id": "runner"}),
                         hide_index=True, width="stretch")
    if not report.left_out_of.empty:
        with st.expander(f"Runners left out of one exposure's models "
                         f"({report.left_out_of['athlete_id'].nunique()})"):
            st.dataframe(report.left_out_of.rename(columns={"athlete_id": "runner"}).assign(
                exposure=lambda t: t["exposure"].map(charts.EXPOSURE_WORDS)),
                hide_index=True, width="stretch")
    if not report.enough_data:
        return
    a, b, c = st.columns(3)
    a.metric("Runners", f"{report.n_athletes} of {report.n_athletes + len(report.left_out)}")
    b.metric("Runner-weeks", report.n_weeks)
    c.metric("Flares", report.n_flares)

    st.subheader("Within and between runners (mixed model, cluster-robust errors)")
    words = charts.EXPOSURE_WORDS
    mixed = report.mixed
    if mixed.empty:
        st.info("No mixed model was fitted: " + "; ".join(  # our words, no names
            reason for reason in report.skipped if reason.startswith("mixed model")) + ".")
    else:
        download_table("Download the mixed-model table (CSV)", mixed, "mixed")

        def shown(column: str, pattern: str) -> pd.Series:
            """A column as text, a dash where there is no value (never 'None' or 'nan')."""
            return mixed[column].map(lambda v: ui.fmt(v, pattern))

        def shown_p(column: str) -> pd.Series:
            return mixed[column].map(ui.fmt_p)

        st.dataframe(pd.DataFrame({  # estimates first: a phone shows the first three columns
            "exposure": mixed["exposure"].map(words), "part": mixed["component"],
            "pain points per SD": shown("estimate", "{:.2f}"),
            "95 % CI": shown("ci_low", "{:.2f}") + " to " + shown("ci_high", "{:.2f}"),
            "q (BH)": shown_p("q_value"), "df": shown("dof", "{:.1f}"),
            "runners": mixed["n_athletes"], "1 SD is": shown("per_sd", "{:.2f}"),
            "non-linear? p": shown_p("nonlinearity_p")}), hide_index=True,
            width="stretch")

    st.subheader("Runner by runner")
    exposure = st.selectbox("Exposure", list(words), format_func=words.get)
    forest = report.forest[report.forest["exposure"] == exposure]
    within = (mixed[(mixed["exposure"] == exposure) & (mixed["component"] == "within")]
              if not mixed.empty else mixed)
    absent = report.not_in_forest[report.not_in_forest["exposure"] == exposure]
    if forest.empty:
        st.info(f"No runner has a per-runner estimate for {words[exposure]}: each needs "
                f"{MIN_PAIRS_WEEKLY} weeks with weekly pain after a week with a value (and "
                "the cohort some spread in it).")
    else:
        st.altair_chart(charts.forest_chart(forest, within["estimate"].iloc[0] if len(within)
                                            else None), width="stretch")
    if not absent.empty:
        st.caption("Not in the plot: " + ui.plain("; ".join(
            f"{athlete} ({reason})" for athlete, reason in
            zip(absent["athlete_id"], absent["reason"], strict=True))) + ".")

    st.subheader("Flares: time to flare and risk in a week")
    if report.time_to_flare.empty and report.risk.empty:
        st.info("Not fitted: the flare models need at least 5 flares per parameter "
                f"({report.n_flares_at_risk} flares in weeks at risk so far).")
    else:
        for title, table, name in (("Risk in a week (GEE)", report.risk, "flare-risk"),
                                   ("Time to flare (Cox)", report.time_to_flare,
                                    "time-to-flare")):
            st.markdown(f"**{title}**")
            download_table(f"Download {title.lower()} (CSV)", table, name)
            st.dataframe(table, hide_index=True, width="stretch")
    download_table("Download the per-runner estimates (CSV)", report.forest, "forest")
    with st.expander("Methods and what was not computed"):
        st.write(report.message)


DATASET = "A dataset built by `kneeload cohort build`"
source = st.radio("Runners", ["Everyone stored in kneeload", "A cohort CSV from elsewhere",
                              *([] if squad_mode() else [DATASET])], horizontal=True)
if source == "Everyone stored in kneeload":
    if not squad_mode() and ui.athletes().empty:
        st.info("No runners stored yet.")
    else:
        show_models(ui.cohort())
elif source == DATASET:
    folder = st.text_input("Dataset folder (OUTDIR) on this computer")
    if folder:
        try:
            show_models(ui.cohort_dataset(folder))
        except (OSError, ValueError) as exc:
            st.error(f"{folder} could not be read: {exc}")
else:
    st.caption(f"The daily.csv of a research export, or long format, one row per runner and "
               f"day: {', '.join(TIDY_REQUIRED)} (optional: {', '.join(TIDY_OPTIONAL)}).")
    upload = st.file_uploader("Cohort CSV", type=["csv"], key="cohort_csv")
    if upload is not None:
        try:
            show_models(ui.cohort_csv(upload.getvalue()))
        except CohortCSVError as exc:
            st.error(f"{ui.plain(upload.name)} could not be read, nothing was analysed:\n\n"
                     + "\n".join(f"- {ui.plain(problem)}" for problem in exc.shown()))
        except (ValueError, KeyError) as exc:
            st.error(f"{ui.plain(upload.name)} could not be read: {ui.plain(exc)}")

st.subheader("De-identified export of everyone stored" if not squad_mode() else
             "De-identified export of the athletes who consent")
st.write("Daily and weekly exposure and pain, pain episodes in the layout of the R package "
         "injurytools, a daily load table for the R package ACWR, with a data dictionary; "
         "CSV and Parquet. Names become salted pseudonyms; no GPS, notes or file names.")
shift = st.checkbox("Shift every runner's dates by a random number of whole weeks",
                    value=True)
if not shift:
    st.warning("Real calendar dates make re-identification easier: do not share this export.")
# One prepared export per date setting: the download always matches the box as it is now.
prepared = f"research_zip_{'shifted' if shift else 'real_dates'}"
if st.button("Prepare the export", disabled=not squad_mode() and ui.athletes().empty):
    tables = research_tables(ui.research_people(), salt=secrets.token_bytes(32),
                             shift_dates=shift)
    st.session_state[prepared] = research_zip(tables, shifted=shift)
if prepared in st.session_state:
    st.download_button("Download the research export (zip, "
                       f"{'dates shifted' if shift else 'real dates'})",
                       st.session_state[prepared], file_name="kneeload-research.zip",
                       mime="application/zip")
