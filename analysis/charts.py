"""Altair chart builders: data in, chart out, no Streamlit. Every chart has a tooltip with
units, and colours carry meaning (change bands, steep descent, pain)."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk

from analysis import effort, shoes, track
from analysis.thresholds import Thresholds
from analysis.units import Units

NO_COMPARISON = "no comparison"
GREEN, AMBER, RED, GREY = "#4d9a6a", "#e0a526", "#c8412c", "#b8b8b8"
BLUE, PAIN = "#3b6ea8", "#7a2e8e"
WIDTH = "container"


def vega_lite(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """`chart`'s Vega-Lite spec with its data frames as named datasets kept as frames (not
    JSON rows), as `st.vega_lite_chart` takes them: a plain dict, cheap to cache, where
    Altair takes a tenth of a second a chart to build and check. Without Altair's default
    theme, like Streamlit's own conversion (every chart here sets its size)."""
    datasets: dict[str, pd.DataFrame] = {}
    _name_datasets(chart, datasets)
    spec = chart.to_dict(context={"top_level": False})  # top level: adds the theme
    return {"$schema": alt.SCHEMA_URL, **spec, "datasets": datasets}


def _name_datasets(chart: alt.TopLevelMixin, datasets: dict[str, pd.DataFrame]) -> None:
    """Replace each (layer's) data frame by a reference to it in `datasets`, in place."""
    if isinstance(chart.data, pd.DataFrame):
        name = next((known for known, frame in datasets.items() if frame is chart.data),
                    f"data-{len(datasets)}")
        datasets[name] = chart.data
        chart.data = alt.NamedData(name=name)
    for part in chart.layer if isinstance(chart, alt.LayerChart) else ():
        _name_datasets(part, datasets)


def _change_scale(t: Thresholds) -> alt.Scale:
    c, h = t.weekly_change_caution_pct, t.weekly_change_high_pct
    return alt.Scale(domain=[f"≤{c:g} %", f">{c:g}–{h:g} %", f">{h:g} %", NO_COMPARISON],
                     range=[GREEN, AMBER, RED, GREY])


def date_axis(days: pd.Series | pd.DatetimeIndex) -> alt.Axis:
    """A time axis whose labels always carry the year: '5 Mar 2024' over spans of up to
    four months, 'Mar 2024' beyond."""
    values = pd.DatetimeIndex(pd.to_datetime(days)).dropna()
    span = (values.max() - values.min()).days if len(values) else 0
    if span <= 120:
        return alt.Axis(format="%-d %b %Y", labelOverlap=True, labelFlush=True)
    interval = "month" if span <= 3 * 365 else "year"
    return alt.Axis(format="%b %Y" if interval == "month" else "%Y", labelOverlap=True,
                    labelFlush=True, tickCount=interval)


def load_title(measure: str, units: Units, per: str = "week") -> str:
    """Words of a load measure (effort.MEASURES key) with its unit per `per` (week, month)."""
    return {"distance": f"Running distance ({units.distance}/{per})",
            "minutes": f"Running time (min/{per})",
            "trimp": f"Heart-rate load (TRIMP/{per})"}[measure]


MONTHLY_AFTER_DAYS = 2 * 365  # longer periods get monthly bars: weekly ones would be hairlines
MONTHLY = "per month (no weekly change)"


def monthly_measure(runs: pd.DataFrame, loads: pd.DataFrame, daily: pd.DataFrame,
                    measure: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """weekly_measure's columns per calendar month from `start` to `end`: the load summed
    over the month's runs (distance from `runs`, minutes and TRIMP from effort.run_loads of
    the same runs; unknown values skipped as weekly_measure skips them), runs, the worst
    pain of the month's days
    (`daily`) and the days with an entry; `partial` where the period covers only part of
    the month. Months have no change band (the weekly-change rule is about weeks)."""
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS")
    month = pd.Series(months, index=months)

    def per_month(values: pd.Series, days: pd.Series, how: str) -> pd.Series:
        inside = (days >= start) & (days <= end)
        grouped = values[inside.to_numpy()].groupby(days[inside].dt.to_period("M")
                                                    .dt.to_timestamp().to_numpy())
        total = grouped.sum(min_count=1) if how == "sum" else grouped.agg(how)
        return total.reindex(months)

    run_days = pd.Series(pd.DatetimeIndex(runs["local_date"]))
    load = (runs["distance_m"] if measure == "distance" else loads[measure]).reset_index(
        drop=True)
    day_index = pd.Series(pd.DatetimeIndex(daily.index))
    logged = pd.Series((daily["pain_entries"] > 0).to_numpy(dtype=float))
    return pd.DataFrame({
        "week_start": months,
        "load": per_month(load, run_days, "sum")
        .fillna(0.0).to_numpy(),
        "partial": ((month < start) | (month + pd.offsets.MonthEnd(0) > end)).to_numpy(),
        "runs": per_month(pd.Series(1.0, index=run_days.index), run_days, "sum")
        .fillna(0).to_numpy(dtype=int),
        "pain_max": per_month(daily["pain_max"].reset_index(drop=True), day_index, "max")
        .to_numpy(),
        "pain_days": per_month(logged, day_index, "sum").fillna(0).to_numpy(dtype=int),
        "change_pct": np.nan, "band": MONTHLY})


def weekly_load_chart(weeks: pd.DataFrame, runs: pd.DataFrame, units: Units,
                      thresholds: Thresholds, measure: str = "distance",
                      new_shoes: pd.DataFrame | None = None, per: str = "week"
                      ) -> alt.LayerChart:
    """Weekly running load (effort.weekly_measure) coloured by change band, the week's worst
    pain on the same time axis, a marker over weeks holding a single-run spike above the
    middle band (distance only), and a dashed line where a new pair of shoes came in.
    With `per` "month", `weeks` are monthly_measure's months, drawn in one colour."""
    scale = units.distance_m if measure == "distance" else 1.0
    monthly = per == "month"
    data = pd.DataFrame({
        "week_start": weeks["week_start"],
        "load": weeks["load"] / scale,
        "band": weeks["band"].astype("object").fillna(NO_COMPARISON),
        "change_pct": weeks["change_pct"].round(0),
        "runs": weeks["runs"],
        "partial": weeks["partial"].map({True: f"yes ({per} not all in the period)"
                                         if monthly else "yes (week not over)", False: "no"}),
        "pain_max": weeks["pain_max"],
        "pain_days": weeks["pain_days"],
    })
    # Bars fill their week (or month).
    data["week_end"] = (data["week_start"] + pd.offsets.MonthBegin(1) if monthly
                        else data["week_start"] + pd.Timedelta(days=7))
    data["week_mid"] = data["week_start"] + (data["week_end"] - data["week_start"]) / 2
    title = load_title(measure, units, per)
    when = "Month" if monthly else "Week of"
    base = alt.Chart(data).encode(x=alt.X("week_start:T",
                                          title="Month" if monthly else "Week (Monday)",
                                          axis=date_axis(data["week_start"])))
    colour = _change_scale(thresholds)
    bars = base.mark_bar(stroke="white", strokeWidth=0 if monthly else 1).encode(
        x2="week_end:T", y2=alt.datum(0),
        y=alt.Y("load:Q", title=title, axis=alt.Axis(format="~f")),
        color=alt.Color("band:N", scale=alt.Scale(domain=[MONTHLY], range=[BLUE]) if monthly
                        else colour,
                        # Months have one colour: the page's caption says what they are.
                        legend=None if monthly else alt.Legend(
                            title="Change vs week before", orient="top", columns=2)),
        opacity=alt.condition(alt.datum.partial == "no", alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("week_start:T", title=when,
                             format="%b %Y" if monthly else "%-d %b %Y"),
                 alt.Tooltip("load:Q", title=title, format=".1f"),
                 alt.Tooltip("change_pct:Q", title="Change (%)"),
                 alt.Tooltip("band:N", title="Band"), alt.Tooltip("runs:Q", title="Runs"),
                 alt.Tooltip("partial:N", title=f"Partial {per}")])
    spikes = _spike_weeks(runs if measure == "distance" else runs.iloc[:0], data, units,
                          thresholds, monthly)
    markers = alt.Chart(spikes).mark_point(shape="triangle-down", filled=True, size=90,
                                           color=RED, yOffset=-8).encode(
        x="week_mid:T", y="load:Q",
        tooltip=[alt.Tooltip("local_date:T", title="Run on"),
                 alt.Tooltip("run_distance:Q", title=f"Run ({units.distance})", format=".1f"),
                 alt.Tooltip("spike_ratio:Q", title="× longest run of previous 30 days",
                             format=".2f")])
    pain = base.mark_line(color=PAIN, point=alt.OverlayMarkDef(color=PAIN)).encode(
        x="week_mid:T",
        y=alt.Y("pain_max:Q", title=f"Worst knee pain that {per} (0–10)",
                scale=alt.Scale(domain=[0, 10])),
        tooltip=[alt.Tooltip("week_start:T", title=when,
                             format="%b %Y" if monthly else "%-d %b %Y"),
                 alt.Tooltip("pain_max:Q", title="Worst pain (0–10)"),
                 alt.Tooltip("pain_days:Q", title="Days with an entry")])
    shoes = _shoe_marks(new_shoes, data["week_start"])
    rules = alt.Chart(shoes).mark_rule(strokeDash=[6, 3], color="#555555").encode(
        x="local_date:T", tooltip=[alt.Tooltip("local_date:T", title="New shoes from"),
                                   alt.Tooltip("shoe:N", title="Shoes")])
    return (alt.layer(alt.layer(bars, markers, rules), pain).resolve_scale(y="independent")
            .properties(width=WIDTH, height=300))


def _shoe_marks(new_shoes: pd.DataFrame | None, weeks: pd.Series) -> pd.DataFrame:
    """The new-shoe days that fall within the charted weeks."""
    if new_shoes is None or new_shoes.empty or weeks.empty:
        return pd.DataFrame({"local_date": pd.Series(dtype="datetime64[ns]"),
                             "shoe": pd.Series(dtype=object)})
    inside = new_shoes["local_date"].between(weeks.min(), weeks.max() + pd.Timedelta(days=6))
    return new_shoes[inside]


def _spike_weeks(runs: pd.DataFrame, weekly: pd.DataFrame, units: Units,
                 t: Thresholds, monthly: bool = False) -> pd.DataFrame:
    """The biggest spike above `spike_medium` of each week (or month), placed on top of its
    bar."""
    big = runs.loc[runs["spike_ratio"] > t.spike_medium,
                   ["local_date", "distance_m", "spike_ratio"]]
    days = big["local_date"]
    big = big.assign(week_start=days.dt.to_period("M").dt.to_timestamp() if monthly
                     else days - pd.to_timedelta(days.dt.day_of_week, unit="D"),
                     run_distance=big["distance_m"] / units.distance_m)
    big = big.sort_values("spike_ratio").groupby("week_start").tail(1)
    return big.merge(weekly[["week_start", "week_mid", "load"]], on="week_start")


def descent_chart(weekly: pd.DataFrame, units: Units) -> alt.LayerChart:
    """Weekly descent (bars) and descent per distance unit (line), on the same time axis."""
    per = f"{units.height}/{units.distance}"
    data = pd.DataFrame({
        "week_start": weekly["week_start"],
        "descent": weekly["elevation_loss_m"] / units.height_m,
        "per_distance": weekly["descent_per_km"] * (units.distance_m / 1000) / units.height_m,
        "steep": weekly["downhill_10pct_m"] / units.distance_m,
    })
    data["week_end"] = data["week_start"] + pd.Timedelta(days=7)
    data["week_mid"] = data["week_start"] + pd.Timedelta(days=3.5)
    base = alt.Chart(data).encode(x=alt.X("week_start:T", title="Week (Monday)",
                                          axis=date_axis(data["week_start"])))
    tooltip = [alt.Tooltip("week_start:T", title="Week of"),
               alt.Tooltip("descent:Q", title=f"Descent ({units.height})", format=".0f"),
               alt.Tooltip("per_distance:Q", title=f"Descent per {units.distance} ({per})",
                           format=".1f"),
               alt.Tooltip("steep:Q", title=f"Run at ≤ −10 % ({units.distance})", format=".2f")]
    bars = base.mark_bar(color=BLUE, stroke="white", strokeWidth=1).encode(
        x2="week_end:T", y2=alt.datum(0),
        y=alt.Y("descent:Q", title=f"Descent ({units.height}/week)"),
        tooltip=tooltip)
    line = base.mark_line(color=AMBER, point=True).encode(
        x="week_mid:T", y=alt.Y("per_distance:Q", title=f"Descent per {units.distance} ({per})"),
        tooltip=tooltip)
    return alt.layer(bars, line).resolve_scale(y="independent").properties(width=WIDTH,
                                                                           height=220)


def cadence_chart(runs: pd.DataFrame, thresholds: Thresholds) -> alt.LayerChart:
    """Each run's cadence against the runner's own baseline at that speed, in %."""
    data = runs.loc[runs["cadence_dev_pct"].notna(),
                    ["local_date", "cadence_dev_pct", "cadence_spm", "cadence_baseline_spm",
                     "speed_mps"]].copy()
    limit = -thresholds.cadence_drop_pct
    data["below"] = np.where(data["cadence_dev_pct"] < limit, f"more than {-limit:g} % below",
                             "within")
    data["trend"] = data["cadence_dev_pct"].rolling(8, min_periods=3).median()
    # One y scale for every layer, from the data and both reference lines, with a margin.
    low = min(float(data["cadence_dev_pct"].min()), limit) - 2
    high = max(float(data["cadence_dev_pct"].max()), 0.0) + 2
    title = "vs own baseline (%)"
    y = alt.Y("cadence_dev_pct:Q", title=title,
              scale=alt.Scale(domain=[low, high], nice=True),
              axis=alt.Axis(format="+~f", tickCount=5, titlePadding=8))
    base = alt.Chart(data).encode(x=alt.X("local_date:T", title="Run date",
                                          axis=date_axis(data["local_date"])))
    points = base.mark_circle(size=40).encode(
        y=y,
        color=alt.Color("below:N", scale=alt.Scale(domain=[f"more than {-limit:g} % below",
                                                           "within"], range=[RED, BLUE]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("local_date:T", title="Run on"),
                 alt.Tooltip("cadence_spm:Q", title="Cadence (steps/min)", format=".0f"),
                 alt.Tooltip("cadence_baseline_spm:Q", title="Expected at that speed",
                             format=".0f"),
                 alt.Tooltip("cadence_dev_pct:Q", title="Difference (%)", format="+.1f"),
                 alt.Tooltip("speed_mps:Q", title="Speed (m/s)", format=".2f")])
    # The same title on every layer: Vega-Lite merges the shared axis (a layer without an
    # axis would switch it off, different titles would be joined into a clipped one).
    trend = base.mark_line(color=GREY).encode(y=alt.Y("trend:Q", title=title))
    rules = alt.Chart(pd.DataFrame({"y": [0.0, limit]})).mark_rule(
        strokeDash=[4, 4], color=GREY).encode(y=alt.Y("y:Q", title=title))
    return alt.layer(points, trend, rules).properties(width=WIDTH, height=240)


ACWR_VARIANTS = {"acwr_uncoupled": "rolling, uncoupled", "acwr_ewma": "EWMA"}


def _acwr_long(acwr: pd.DataFrame) -> pd.DataFrame:
    """The charted ratios, one row per day and variant (date, variant words, ratio)."""
    long = acwr.reset_index().melt(id_vars="date", value_vars=list(ACWR_VARIANTS),
                                   var_name="variant", value_name="ratio").dropna()
    return long.assign(variant=long["variant"].map(ACWR_VARIANTS))


def _axis_top(ratio: pd.Series) -> float:
    """Where acwr_chart's axis ends: the ratios' 99th percentile, kept between 2 and 3."""
    return max(2.0, min(float(ratio.quantile(0.99)) if len(ratio) else 2.0, 3.0))


def acwr_axis(acwr: pd.DataFrame) -> tuple[float, int]:
    """acwr_chart's axis top, and how many day × variant ratios lie above it (drawn at its
    edge)."""
    ratio = _acwr_long(acwr)["ratio"]
    top = _axis_top(ratio)
    return top, int((ratio > top).sum())


def acwr_chart(acwr: pd.DataFrame, show_zones: bool = False) -> alt.LayerChart:
    """Uncoupled and EWMA acute:chronic ratios as trend lines; team-sport zones only on request.

    The axis ends at acwr_axis's top (between 2 and 3) so that the ratio's wild values after a
    break do not flatten everything else; a day above it is drawn at the top edge with a
    ▲ marker, and tooltips keep the true values."""
    long = _acwr_long(acwr)
    top = _axis_top(long["ratio"])
    y = alt.Y("ratio:Q", title="Acute:chronic distance ratio",
              scale=alt.Scale(domain=[0, top], clamp=True))
    color = alt.Color("variant:N", scale=alt.Scale(domain=list(ACWR_VARIANTS.values()),
                                                   range=[BLUE, AMBER]),
                      legend=alt.Legend(title=None, orient="top"))
    tooltip = [alt.Tooltip("date:T", title="Day"), alt.Tooltip("variant:N", title="Variant"),
               alt.Tooltip("ratio:Q", title="Ratio", format=".2f")]
    lines = alt.Chart(long).mark_line(clip=True).encode(
        x=alt.X("date:T", title="Day", axis=date_axis(long["date"])), y=y, color=color,
        tooltip=tooltip)
    clipped = alt.Chart(long[long["ratio"] > top]).mark_point(
        shape="triangle-up", filled=True, size=50, opacity=1).encode(
        x="date:T", y=y, color=color, tooltip=tooltip)
    lines = alt.layer(lines, clipped)
    if not show_zones:
        return lines.properties(width=WIDTH, height=220)
    zones = pd.DataFrame({"low": [0.8, 1.5], "high": [1.3, top],
                          "zone": ["0.8–1.3 'sweet spot' (team sports)",
                                   "≥1.5 'danger' (team sports)"]})
    shading = alt.Chart(zones).mark_rect(opacity=0.12).encode(
        y="low:Q", y2="high:Q",
        color=alt.Color("zone:N", scale=alt.Scale(range=[GREEN, RED]),
                        legend=alt.Legend(title="Zones (see caveat)", orient="top")))
    return alt.layer(shading, lines).resolve_scale(color="independent").properties(
        width=WIDTH, height=220)


def pain_calendar(daily: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
                  ) -> alt.LayerChart:
    """The days from `start` to `end` by week (x, dated) and weekday (rows), coloured by the
    day's worst pain; light grey = no entry (unknown, not pain-free). The axis spans at least
    eight weeks, so that one entry is one small square, not a band."""
    first = start - pd.to_timedelta(start.day_of_week, unit="D")
    last = max(end, first + pd.Timedelta(weeks=8) - pd.Timedelta(days=1))
    days = pd.date_range(first, end, freq="D")
    pain = daily["pain_max"].reindex(days) if len(daily) else pd.Series(np.nan, index=days)
    data = pd.DataFrame({"date": days, "pain_max": pain.to_numpy()})
    data["week"] = data["date"] - pd.to_timedelta(data["date"].dt.day_of_week, unit="D")
    data["week_end"] = data["week"] + pd.Timedelta(days=7)
    data["weekday"] = data["date"].dt.strftime("%a")
    data["entry"] = np.where(data["pain_max"].notna(), "logged", "no entry")
    stop = last + pd.Timedelta(days=1)
    domain = [alt.DateTime(year=day.year, month=day.month, date=day.day) for day in (first, stop)]
    base = alt.Chart(data).encode(
        x2="week_end:T",
        y=alt.Y("weekday:O", title=None, sort=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
        tooltip=[alt.Tooltip("date:T", title="Day", format="%a %-d %b %Y"),
                 alt.Tooltip("pain_max:Q", title="Worst pain (0–10)"),
                 alt.Tooltip("entry:N", title="Diary")])
    # Two layers: every day grey, the logged ones coloured on top (a colour scale would drop
    # the days without a value).
    # The domain is set on the first layer only: Vega-Lite would union two equal DateTime
    # domains into a wrong one.
    days_layer = base.mark_rect(color="#e4e4e4", stroke="white", strokeWidth=0.5).encode(
        x=alt.X("week:T", title=None, scale=alt.Scale(domain=domain),
                axis=date_axis(pd.DatetimeIndex([first, last]))))
    logged = base.transform_filter("isValid(datum.pain_max)").mark_rect(
        stroke="white", strokeWidth=0.5).encode(
        x="week:T",
        color=alt.Color("pain_max:Q", title="Worst pain (0–10)",
                        scale=alt.Scale(domain=[0, 10], scheme="orangered"),
                        legend=alt.Legend(orient="top", direction="horizontal")))
    return alt.layer(days_layer, logged).properties(width=WIDTH, height=alt.Step(18))


def route_chart(samples: pd.DataFrame, max_points: int = 1500) -> alt.LayerChart:
    """The route on a Mercator projection with its start and finish (no map tiles needed)."""
    fix = samples.dropna(subset=["lat", "lon"])
    step = max(1, len(fix) // max_points)
    path = fix.iloc[::step][["lat", "lon", "distance_m"]].reset_index(drop=True)
    path["order"] = path.index
    line = alt.Chart(path).mark_line(color=BLUE, strokeWidth=3).encode(
        longitude="lon:Q", latitude="lat:Q", order="order:Q")
    ends = pd.DataFrame({"lat": [fix["lat"].iloc[0], fix["lat"].iloc[-1]],
                         "lon": [fix["lon"].iloc[0], fix["lon"].iloc[-1]],
                         "where": ["start", "finish"]}) if len(fix) else pd.DataFrame(
        columns=["lat", "lon", "where"])
    points = alt.Chart(ends).mark_circle(size=120).encode(
        longitude="lon:Q", latitude="lat:Q",
        color=alt.Color("where:N", scale=alt.Scale(domain=["start", "finish"],
                                                   range=[GREEN, RED]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("where:N", title=" ")])
    return alt.layer(line, points).project(type="mercator").properties(width=WIDTH, height=320)


def elevation_profile(samples: pd.DataFrame, units: Units,
                      settings: track.TrackSettings = track.DEFAULT_SETTINGS) -> alt.LayerChart:
    """Elevation against distance, with stretches at −5 % and −10 % or steeper filled in."""
    grid = track.elevation_on_grid(samples["distance_m"].to_numpy(float),
                                   samples["elevation_m"].to_numpy(float), settings)
    step = track.grid_step(samples["distance_m"].to_numpy(float), settings)
    distance = np.arange(len(grid)) * step
    grade = np.r_[np.diff(grid) / step, 0.0]
    data = pd.DataFrame({"distance": distance / units.distance_m,
                         "elevation": grid / units.height_m, "grade": grade * 100})
    data["steep"] = data["elevation"].where(grade <= -0.05 + track.GRADE_TOLERANCE)
    data["very_steep"] = data["elevation"].where(grade <= -0.10 + track.GRADE_TOLERANCE)
    base = alt.Chart(data).encode(x=alt.X("distance:Q", title=f"Distance ({units.distance})"))
    tooltip = [alt.Tooltip("distance:Q", title=f"At ({units.distance})", format=".2f"),
               alt.Tooltip("elevation:Q", title=f"Elevation ({units.height})", format=".0f"),
               alt.Tooltip("grade:Q", title="Grade (%)", format="+.1f")]
    profile = base.mark_area(color="#d9dde3", line={"color": "#6b7280"}).encode(
        y=alt.Y("elevation:Q", title=f"Elevation ({units.height})",
                scale=alt.Scale(zero=False)), tooltip=tooltip)
    steep = base.mark_area(color=AMBER, opacity=0.8).encode(y="steep:Q", tooltip=tooltip)
    very = base.mark_area(color=RED, opacity=0.9).encode(y="very_steep:Q", tooltip=tooltip)
    return alt.layer(profile, steep, very).properties(width=WIDTH, height=220)


EXPOSURE_WORDS = {
    "weekly_change_pct": "weekly change (%)", "spike_ratio": "single-run spike",
    "descent_m": "descent (m)", "descent_per_km": "descent per km",
    "cadence_dev_pct": "cadence vs baseline (%)", "acwr_uncoupled": "ACWR, uncoupled",
    "acwr_ewma": "ACWR, EWMA", "long_run_share": "long-run share",
    # Time-based load and shoes carry their evidence tag: neither is in DOMAIN.md's evidence.
    "minutes": f"running minutes {effort.EVIDENCE.strength}",
    "trimp": f"heart-rate load (TRIMP) {effort.EVIDENCE.strength}",
    "new_shoes": f"new shoes (first {shoes.NEW_SHOE_DAYS} days) {shoes.EVIDENCE.strength}",
}
# The flags tested as events (analysis.stats.nof1.FLAG_EXPOSURES), for the n-of-1 chart.
FLAG_WORDS = {"spike_flag": "spike flag raised", "descent_spike_flag": "descent spike flag",
              "weekly_jump_flag": "weekly jump > 30 %"}


def associations_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Each exposure × lag: the pain points that went with 1 SD more of the exposure (or
    with a raised flag), with its 95 % interval (from the same error as the test); filled
    when the Benjamini–Hochberg q-value is under 0.05."""
    data = table.assign(
        exposure_words=table["exposure"].map(EXPOSURE_WORDS | FLAG_WORDS),
        lag=np.where(table["lag_weeks"].notna(), table["lag_weeks"].astype("string") + " wk",
                     table["lag_days"].astype("string") + " d"),
        finding=np.where(table["q_value"] < 0.05, "q < 0.05", "not significant"))
    data["row"] = data["exposure_words"] + " · " + data["lag"]
    y = alt.Y("row:N", title=None, sort=None, axis=alt.Axis(labelLimit=260,
                                                             labelOverlap=False))
    tooltip = [alt.Tooltip("exposure_words:N", title="Exposure"), alt.Tooltip("lag:N", title="Lag"),
               alt.Tooltip("estimate:Q", title="Pain points per 1 SD (or per flag)",
                           format="+.2f"),
               alt.Tooltip("ci_low:Q", title="95 % CI from", format="+.2f"),
               alt.Tooltip("ci_high:Q", title="to", format="+.2f"),
               alt.Tooltip("q_value:Q", title="q (BH)", format=".3f")]
    bars = alt.Chart(data).mark_rule(color=GREY).encode(
        y=y, x=alt.X("ci_low:Q", title="Daily pain that went with 1 SD more (or a flag), "
                                       "points"),
        x2="ci_high:Q", tooltip=tooltip)
    points = alt.Chart(data).mark_point(size=60, filled=True).encode(
        y=y, x="estimate:Q",
        color=alt.Color("finding:N", scale=alt.Scale(domain=["q < 0.05", "not significant"],
                                                     range=[RED, BLUE]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(zero, bars, points).properties(width=WIDTH, height=alt.Step(22))


def event_study_chart(events: pd.DataFrame) -> alt.Chart:
    """Each exposure over the 28 days before flare onsets against the runner's baseline, in
    standard deviations."""
    data = events.assign(exposure_words=events["exposure"].map(EXPOSURE_WORDS),
                         finding=np.where(events["q_value"] < 0.05, "q < 0.05",
                                          "not significant"))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("exposure_words:N", title=None, sort="-x",
                axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        x=alt.X("difference_sd:Q", title="28 days before flares vs usual (SD)"),
        color=alt.Color("finding:N", scale=alt.Scale(domain=["q < 0.05", "not significant"],
                                                     range=[RED, BLUE]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("exposure_words:N", title="Exposure"),
                 alt.Tooltip("pre_flare_mean:Q", title="Before flares", format=".2f"),
                 alt.Tooltip("baseline_mean:Q", title="Usually", format=".2f"),
                 alt.Tooltip("difference_sd:Q", title="Difference (SD)", format="+.2f"),
                 alt.Tooltip("n_flares:Q", title="Flares"),
                 alt.Tooltip("p_value:Q", title="p (permutation)", format=".3f")],
    ).properties(width=WIDTH, height=alt.Step(26))


def forest_chart(forest: pd.DataFrame, pooled: float | None = None) -> alt.LayerChart:
    """Per-athlete estimates with 95 % intervals; the pooled within-athlete effect as a line."""
    tooltip = [alt.Tooltip("athlete_id:N", title="Athlete"),
               alt.Tooltip("estimate:Q", title="Estimate", format="+.2f"),
               alt.Tooltip("ci_low:Q", title="95 % CI from", format="+.2f"),
               alt.Tooltip("ci_high:Q", title="to", format="+.2f"),
               alt.Tooltip("n:Q", title="Weeks")]
    y = alt.Y("athlete_id:N", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False))
    rules = alt.Chart(forest).mark_rule(color=GREY).encode(
        y=y, x=alt.X("ci_low:Q", title=["Pain points per 1 SD of the exposure",  # 2 lines:
                                        "(within athlete)"]),  # fits a phone
        x2="ci_high:Q", tooltip=tooltip)
    points = alt.Chart(forest).mark_square(size=70, color=BLUE).encode(
        y=y, x="estimate:Q", tooltip=tooltip)
    lines = [alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")]
    if pooled is not None and pooled == pooled:
        lines.append(alt.Chart(pd.DataFrame({"x": [pooled], "what": ["pooled (mixed model)"]}))
                     .mark_rule(color=RED).encode(x="x:Q", tooltip=["what:N", "x:Q"]))
    return alt.layer(*lines, rules, points).properties(width=WIDTH, height=alt.Step(32))


TILE_HOST = "basemaps.cartocdn.com"  # Carto's free basemaps, pydeck's default without a token


def route_deck(samples: pd.DataFrame, max_points: int = 1500) -> pdk.Deck:
    """The route as a line on map tiles (Carto, no token), framed on the track, with its start
    (green) and finish (red). Needs the browser to reach the tile server; route_chart is the
    offline drawing."""
    fix = samples.dropna(subset=["lat", "lon"])
    step = max(1, len(fix) // max_points)
    path = fix.iloc[::step][["lon", "lat"]].to_numpy().tolist()
    ends = pd.DataFrame({"lon": [path[0][0], path[-1][0]], "lat": [path[0][1], path[-1][1]],
                         "where": ["start", "finish"],
                         "colour": [[77, 154, 106], [200, 65, 44]]})
    view = pdk.data_utils.compute_view(fix[["lon", "lat"]].to_numpy().tolist())
    layers = [pdk.Layer("PathLayer", data=[{"path": path}], get_path="path",
                        get_color=[59, 110, 168], width_min_pixels=3),
              pdk.Layer("ScatterplotLayer", data=ends, get_position=["lon", "lat"],
                        get_fill_color="colour", radius_min_pixels=6, pickable=True)]
    return pdk.Deck(layers=layers, initial_view_state=view, map_style="light",
                    tooltip={"text": "{where}"})
