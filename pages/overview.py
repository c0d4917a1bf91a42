"""Overview of one runner: weekly load with pain, spikes, descent, cadence, ACWR, the pain
calendar and the run list with each run's route and elevation profile."""

import pandas as pd
import streamlit as st

from analysis import charts
from analysis.thresholds import EVIDENCE
from pages import ui

ui.require_app()

current = ui.athlete()
st.title(f"{current.name}: overview" if current else "Overview")
ui.disclaimer()
if ui.no_data(current):
    st.stop()

units = ui.units()
shown = ui.view(current)
tables = shown.tables
t = tables.thresholds
weekly, runs, daily = tables.weekly, tables.runs, tables.daily

span = st.segmented_control("Show", ["12 weeks", "6 months", "1 year", "All"],
                            default="6 months", key="overview_span")
weeks = {"12 weeks": 12, "6 months": 26, "1 year": 52}.get(span or "6 months")
first = weekly["week_start"].iloc[-weeks] if weeks and len(weekly) > weeks else \
    weekly["week_start"].iloc[0]
shown_weeks = weekly[weekly["week_start"] >= first]
shown_runs = runs[runs["local_date"] >= first]
shown_days = daily[daily.index >= first]

complete = weekly[~weekly["partial"]]
last = complete.iloc[-1] if len(complete) else None
this_week = weekly.iloc[-1]
latest_pain = tables.daily["pain_max"].dropna()
flags = shown.flags
a, b, c, d = st.columns(4)
if last is not None:
    a.metric("Last full week", units.format_dist(last["distance_m"]),
             delta=None if pd.isna(last["change_pct"]) else f"{last['change_pct']:+.0f} %",
             delta_color="inverse", help="Running distance of the last complete week and its "
                                         "change against the week before.")
b.metric("This week so far", units.format_dist(this_week["distance_m"]),
         help="The week in progress is never compared as if it were complete.")
c.metric("Latest pain", ui.fmt(latest_pain.iloc[-1] if len(latest_pain) else None,
                               "{:.0f}/10"),
         help="Worst entry of the latest day with a diary entry"
              + (f" ({latest_pain.index[-1]:%d %b})" if len(latest_pain) else ""))
d.metric("Flags now", len(flags), help="See the Knee risk page for the rules and evidence.")

st.subheader("Weekly running distance and knee pain")
st.caption("Bars: running distance, coloured by the change against the week before (the "
           f"10 % line is a rule of thumb {EVIDENCE['weekly_change_caution'].strength}); faded "
           "bar: the week in progress. ▼ a run longer than "
           f"{t.spike_medium:g}× the longest of the 30 days before it "
           f"{EVIDENCE['spike_medium'].strength}. Line: worst pain of the week.")
st.altair_chart(charts.weekly_load_chart(shown_weeks, shown_runs, units, t), width="stretch")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Descent")
    st.caption("Downhill running raises impact and braking forces, and the knee takes a "
               f"larger share of the work {EVIDENCE['descent'].strength}; no validated "
               "threshold exists.")
    st.altair_chart(charts.descent_chart(shown_weeks, units), width="stretch")
with right:
    st.subheader("Cadence against your own baseline")
    st.caption("Each run's step rate against what you usually run at that speed "
               f"(never against a universal 180) {EVIDENCE['cadence'].strength}.")
    if shown_runs["cadence_dev_pct"].notna().any():
        st.altair_chart(charts.cadence_chart(shown_runs, t), width="stretch")
    else:
        st.info("Not enough runs with cadence yet: a baseline needs "
                f"{t.cadence_min_runs} earlier runs with cadence in 90 days.")

st.subheader("Acute:chronic ratio (trend only)")
zones = st.toggle("Show the team-sport zones", value=False)
st.caption(EVIDENCE["acwr"].tagged + (" The zones come from team sports and are shown only "
                                      "as a reference." if zones else ""))
acwr = ui.acwr(current)
if acwr[["acwr_uncoupled", "acwr_ewma"]].notna().any().any():
    st.altair_chart(charts.acwr_chart(acwr[acwr.index >= first], zones), width="stretch")
else:
    st.info("The ratio needs 28 days of running history (35 for the uncoupled one).")

st.subheader("Pain calendar")
st.altair_chart(charts.pain_calendar(shown_days), width="stretch")

st.subheader("Runs")
table = shown_runs.sort_values("local_date", ascending=False)
listing = pd.DataFrame({
    "date": table["local_date"].dt.date,
    f"distance ({units.distance})": (table["distance_m"] / units.distance_m).round(2),
    f"descent ({units.height})": (table["descent_m"] / units.height_m).round(0),
    "spike ×": table["spike_ratio"].round(2),
    "cadence (spm)": table["cadence_spm"].round(0),
    "vs baseline (%)": table["cadence_dev_pct"].round(1),
})
picked = st.dataframe(listing, hide_index=True, width="stretch", height=280,
                      on_select="rerun", selection_mode="single-row", key="run_list")
rows = picked.selection.rows if picked else []
if rows:
    run = table.iloc[rows[0]]
    samples = ui.samples(current, run["activity_id"])
    st.markdown(f"**{run['local_date']:%A %d %B %Y}** · {units.format_dist(run['distance_m'], 2)}"
                f" · descent {units.format_height(run['descent_m'])}")
    if samples.empty or samples["lat"].isna().all():
        st.info("This run has no GPS track (a CSV summary or an indoor run).")
    else:
        route, profile = st.columns(2, gap="large")
        route.altair_chart(charts.route_chart(samples), width="stretch")
        profile.caption("Amber: −5 % or steeper; red: −10 % or steeper.")
        profile.altair_chart(charts.elevation_profile(samples, units), width="stretch")
else:
    st.caption("Choose a run in the table to see its route and elevation profile.")
