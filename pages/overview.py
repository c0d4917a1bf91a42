"""Overview of one runner over a chosen period (ending at their latest data by default):
weekly load with pain, spikes and new shoes, descent, cadence, ACWR, the pain calendar, the
block before side by side, shoes, and the run list with each run's route and profile."""

import socket
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analysis import charts, effort, periods, runlist, shoes
from analysis.load import acwr_table
from analysis.risk import no_flags_words, raised
from analysis.thresholds import EVIDENCE
from pages import ui

ui.require_app()

current = ui.athlete()
st.title(f"{ui.plain(current.name)}: overview" if current else "Overview")
ui.disclaimer()
if ui.no_data(current):
    st.stop()

units = ui.units()
key, shown = ui.keyed_view(current)
tables = shown.tables
activities = shown.activities
t = tables.thresholds
weekly, runs, daily = tables.weekly, tables.runs, tables.daily


def remembered(name: str, default: object) -> str:
    """A widget key for this athlete whose value outlives leaving the page: Streamlit drops
    a widget's state when its page is left, so a plain session key keeps a copy."""
    key, keep = f"{name}-{current.id}", f"kept-{name}-{current.id}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(keep, default)
    st.session_state[keep] = st.session_state[key]
    return key


def one_of(widget: Callable[..., object], label: str, options: list[str], name: str,
           default: str, **kwargs: object) -> str:
    """A remembered pills or segmented-control choice that always has one option chosen:
    clicking the chosen option again would leave none chosen, so it stays chosen."""
    key = remembered(name, default)

    def keep_one() -> None:
        if st.session_state[key] is None:
            st.session_state[key] = st.session_state.get(f"kept-{name}-{current.id}", default)

    return widget(label, options, key=key, on_change=keep_one, **kwargs) or default


latest = periods.latest_data_day(tables)
# Pills wrap on a phone where a segmented control would be cut off.
span = one_of(st.pills, "Period", [*periods.PRESETS, "Dates"], "period", "6 months")
end_words = {"latest": f"latest data ({latest:%-d %b %Y})" if latest is not None
             else "latest data", "today": "today"}
left, right = st.columns([3, 2], vertical_alignment="bottom")
ends = one_of(left.pills, "Ending at", list(end_words), "period-end", "latest",
              format_func=end_words.get, disabled=span == "Dates")
compare = right.toggle("Compare with the block before", key=remembered("compare", False))
if span == "Dates":
    chosen = periods.period_for(tables, "12 weeks")
    picked = st.date_input("From – to", key=remembered("dates", (chosen.start.date(),
                                                                 chosen.end.date())),
                           max_value=tables.today.date(), format="DD.MM.YYYY")
    period = (periods.free_period(tables, pd.Timestamp(picked[0]), pd.Timestamp(picked[-1]))
              if len(picked) else chosen)
else:
    period = periods.period_for(tables, span, end_at_today=ends == "today")
# Tables and charts are cached by the data they come from (key) and what else they read.
span_key = (period.start, period.end)
st.caption(f"Showing {period.label()} ({period.days} days)."
           + (f" Your latest run or diary entry is from {latest:%-d %B %Y}."
              if latest is not None and latest < tables.today - pd.Timedelta(days=7) else ""))

in_period = weekly["week_start"].isin(periods.weeks_in(weekly, period)["week_start"])
shown_runs = runs[period.holds(runs["local_date"])]
shown_days = daily[period.holds(daily.index)]
complete = weekly[~weekly["partial"] & in_period
                  & (weekly["week_start"] + pd.Timedelta(days=6) <= period.end)]
last = complete.iloc[-1] if len(complete) else None
latest_pain = shown_days["pain_max"].dropna()
flags = raised(shown.flags)
recent = shown.recent
to_today = period.end >= tables.today
a, b, c, d, *e = st.columns(5 if to_today else 4)
a.metric("Last full week", units.format_dist(last["distance_m"]) if last is not None else "–",
         delta=None if last is None or pd.isna(last["change_pct"])
         else f"{last['change_pct']:+.0f} %", delta_color="inverse",
         help="Running distance of the period's last complete week and its change against "
              "the week before" + (f" (week of {last['week_start']:%-d %b %Y})."
                                   if last is not None else "."))
b.metric("Period total", units.format_dist(shown_days["distance_m"].sum()),
         help=f"Running distance from {period.label()}.")
if to_today:
    e[0].metric("This week so far", units.format_dist(weekly["distance_m"].iloc[-1]),
                help="The week in progress is never compared as if it were complete.")
c.metric("Latest pain", ui.fmt(latest_pain.iloc[-1] if len(latest_pain) else None,
                               "{:.0f}/10"),
         help="Worst entry of the period's latest day with a diary entry"
              + (f" ({latest_pain.index[-1]:%-d %b %Y})." if len(latest_pain) else
                 ": none in this period."))
# Over a window without runs or diary entries, 0 flags would read as an all-clear.
nothing = recent.empty and not flags
d.metric("Flags now", "–" if nothing else len(flags),
         help=no_flags_words(recent) if nothing else
         "Caution and high flags as of today (notes such as the week in progress are not "
         "flags); see Knee risk.")

if compare:
    before = period.previous()
    st.subheader(f"{period.label()} against {before.label()}")
    st.dataframe(ui.derived(key, lambda: periods.comparison_table(tables, period, units),
                            "comparison", *span_key, units.distance),
                 hide_index=True, width="stretch")

measure = one_of(st.segmented_control, "Load as", list(effort.MEASURES), "measure", "distance",
                 format_func=effort.MEASURES.get)
loads = ui.derived(key, lambda: effort.run_loads(runs, activities), "loads")
# Every chart of runs says the same when the period holds none.
no_runs = periods.no_runs_words(tables, period) + "."
monthly = period.days > charts.MONTHLY_AFTER_DAYS
per = "month" if monthly else "week"
st.subheader(f"{per.capitalize()}ly running load and knee pain")
if shown_runs.empty:
    st.info(no_runs + (" Its diary entries are in the pain calendar below."
                       if shown_days["pain_max"].notna().any() else ""))
else:
    st.caption(f"Bars: {charts.load_title(measure, units, per).lower()}, "
               + ("one per calendar month: over more than two years weekly bars would be "
                  "too thin to see; faded bar: a month the period covers only in part. "
                  if monthly else
                  "coloured by the change against the week before (the 10 % line is a rule "
                  f"of thumb {EVIDENCE['weekly_change_caution'].strength}); faded bar: the "
                  "week in progress.")
               + (f" ▼ a run longer than {t.spike_medium:g}× the longest of the 30 days "
                  f"before it {EVIDENCE['spike_medium'].strength}." if measure == "distance"
                  else "")
               + " Dashed line: new shoes " + shoes.EVIDENCE.strength
               + f". Line: worst pain of the {per}."
               + (f" TRIMP: {effort.EVIDENCE.tagged}." if measure == "trimp" else ""))
    if measure == "trimp" and loads.loc[period.holds(loads["local_date"]), "trimp"].isna().all():
        st.info("No run in this period has a heart rate, so there is no heart-rate load.")
    else:
        ui.chart(key, lambda: charts.weekly_load_chart(
            charts.monthly_measure(runs, loads, daily, measure, period.start, period.end)
            if monthly else
            effort.weekly_measure(weekly, loads, measure, t)[in_period.to_numpy()],
            shown_runs, units, t, measure, shoes.new_shoe_days(activities), per),
            "weekly load", *span_key, measure, units.distance)

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Descent")
    st.caption("Downhill running raises impact and braking forces, and the knee takes a "
               f"larger share of the work {EVIDENCE['descent'].strength}; no validated "
               "threshold exists.")
    if shown_days["descent_m"].sum() > 0:
        ui.chart(key, lambda: charts.descent_chart(weekly[in_period], units),
                 "descent", *span_key, units.distance)
    else:
        st.info(no_runs if shown_runs.empty else "No descent recorded in this period: these "
                "runs have no usable elevation (treadmill, or files without it).")
with right:
    st.subheader("Cadence against your own baseline")
    st.caption("Each run's step rate against what you usually run at that speed "
               f"(never against a universal 180) {EVIDENCE['cadence'].strength}.")
    if shown_runs["cadence_dev_pct"].notna().any():
        ui.chart(key, lambda: charts.cadence_chart(shown_runs, t), "cadence", *span_key)
    elif shown_runs.empty:
        st.info(no_runs)
    elif shown_runs["cadence_spm"].isna().all():
        st.info("None of this period's runs recorded a cadence.")
    else:
        st.info("No run in this period has a cadence baseline: it needs "
                f"{t.cadence_min_runs} earlier runs with cadence within {t.cadence_baseline_days}"
                " days.")

st.subheader("Acute:chronic ratio (trend only)")
zones = st.toggle("Show the team-sport zones", value=False)
st.caption(EVIDENCE["acwr"].tagged + (" The zones come from team sports and are shown only "
                                      "as a reference." if zones else ""))


def ratios() -> pd.DataFrame:
    """The period's daily acute:chronic distance ratios. After a long break the ratios of
    near-zero loads mean nothing: only days with a run in the chronic window before them
    count."""
    acwr = acwr_table(daily, "distance_m", t)
    ran = daily["runs"].rolling(t.chronic_days, min_periods=1).sum() > 0
    return acwr.where(ran.reindex(acwr.index, fill_value=False), axis=0)[
        period.holds(acwr.index)]


acwr = ui.derived(key, ratios, "acwr", *span_key)
if acwr[["acwr_uncoupled", "acwr_ewma"]].notna().any().any():
    top, clipped = charts.acwr_axis(acwr)
    if clipped:
        st.caption(f"▲ {clipped} daily ratio{'s' if clipped > 1 else ''} above "
                   f"{top:.2f} (mostly after breaks, when the chronic load "
                   "is small) drawn at the top edge; the tooltip gives the true ratio.")
    ui.chart(key, lambda: charts.acwr_chart(acwr, zones), "acwr", *span_key, zones)
elif shown_runs.empty:
    st.info(no_runs)
else:
    st.info(f"No ratio in this period: it needs {t.acwr_min_days} days of running history "
            f"({t.acwr_uncoupled_min_days} for the uncoupled one), counted again after more "
            f"than {t.chronic_days} days without a run, and some running in the "
            f"{t.chronic_days} days before each day.")

st.subheader("Pain calendar")
if shown_days["pain_max"].notna().any():
    st.caption("Each square a day, coloured by its worst pain; grey: no entry (unknown, not "
               "pain-free).")
    ui.chart(key, lambda: charts.pain_calendar(shown_days, period.start, period.end),
             "pain calendar", *span_key)
else:
    st.info(f"No diary entries between {period.label()}: log pain in the Pain diary.")

st.subheader("Shoes")
mileage = ui.derived(key, lambda: shoes.shoe_mileage(activities), "shoes")
if mileage.empty:
    st.caption("Your files name no shoes (Strava's export has them in activities.csv, "
               "column Activity Gear).")
else:
    st.caption(f"Distance per pair, all runs. {shoes.EVIDENCE.tagged}")
    st.dataframe(pd.DataFrame({
        "shoes": mileage["shoe"], "runs": mileage["runs"],
        f"distance ({units.distance})": (mileage["distance_m"] / units.distance_m).round(0),
        "first run": mileage["first_run"].dt.date, "latest run": mileage["last_run"].dt.date}),
        hide_index=True, width="stretch")


@st.cache_data(ttl=600, show_spinner=False)
def tiles_reachable() -> bool:
    """Can this machine reach the map tile server (else the plain drawing is shown)?"""
    try:
        socket.create_connection((charts.TILE_HOST, 443), timeout=1.5).close()
    except OSError:
        return False
    return True


st.subheader("Runs")
listing = ui.derived(key, lambda: runlist.run_list(shown_runs, activities, units), "run list",
                     *span_key, units.distance)
if listing.empty:
    st.info(no_runs)
    st.stop()
picked = st.dataframe(listing.drop(columns="activity_id"), hide_index=True, width="stretch",
                      height=280, on_select="rerun", selection_mode="single-row",
                      key="run_list")
rows = picked.selection.rows if picked else []
if not rows:
    st.caption("Choose a run in the table to see its route and elevation profile.")
    st.stop()
run = shown_runs.set_index("activity_id").loc[listing["activity_id"].iloc[rows[0]]]
chosen = listing.iloc[rows[0]]
samples = ui.samples(current, chosen["activity_id"])
st.markdown(f"**{run['local_date']:%A %d %B %Y}** · {units.format_dist(run['distance_m'], 2)}"
            f" · descent {units.format_height(run['descent_m'])}")
if samples.empty or samples["lat"].isna().all():
    st.info("This run has no GPS track (a CSV summary or an indoor run).")
else:
    route, profile = st.columns(2, gap="large")
    with route:
        tiles = st.toggle("Map tiles", value=tiles_reachable(), key="map_tiles",
                          help="Tiles come from Carto over the internet; off (or offline): "
                               "the plain drawing.")
        if tiles:
            st.pydeck_chart(charts.route_deck(samples), height=320)
        else:
            ui.chart(key, lambda: charts.route_chart(samples), "route", chosen["activity_id"])
    with profile:
        st.caption("Amber: −5 % or steeper; red: −10 % or steeper.")
        ui.chart(key, lambda: charts.elevation_profile(samples, units), "profile",
                 chosen["activity_id"], units.distance)
