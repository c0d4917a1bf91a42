"""The dashboard's pure pieces: chart builders, the coach's roster, the one-page report."""

import numpy as np
import pandas as pd
import pytest

from analysis import charts, effort
from analysis.athlete_report import athlete_report_html
from analysis.load import acwr_table, load_tables
from analysis.roster import roster, roster_row
from analysis.thresholds import Thresholds
from analysis.units import IMPERIAL, METRIC, format_value
from tests.load.fixtures import activities, pain, run

# A 21-day spike window: the data begin 21 days before the spike, and no ratio is shown
# before the window is filled (analysis.load).
T = Thresholds(spike_window_days=21)
TODAY = "2024-03-20"  # a Wednesday

# Two 10 km runs a week for three weeks, then a 15 km run (1.5× the longest of the 21 days
# before: a spike in the 1.3–2.0 band) on Monday 18 March.
# Four weeks before the spike week, so the 30-day spike window is filled (no ratio before).
RUNS = activities(*(run(day, 10.0, descent_m=50.0, elevation_loss_m=50.0)
                    for day in ("2024-02-12", "2024-02-14", "2024-02-19", "2024-02-21",
                                "2024-02-26", "2024-02-28", "2024-03-04", "2024-03-06",
                                "2024-03-11", "2024-03-13")),
                  run("2024-03-18", 15.0, elevation_loss_m=150.0))
PAIN = pain(("2024-03-10", 1, "daily_worst"), ("2024-03-15", 3, "daily_worst"),
            ("2024-03-18", 4, "daily_worst"))


@pytest.fixture(scope="module")
def tables():
    return load_tables(RUNS, PAIN, T, TODAY)


def layers(spec: dict) -> list[dict]:
    """Every leaf layer of a (possibly nested) layered chart spec."""
    if "layer" not in spec:
        return [spec]
    return [leaf for layer in spec["layer"] for leaf in layers(layer)]


def test_weekly_chart_layers_units_and_spike_marker(tables):
    weeks = effort.weekly_measure(tables.weekly, tables.runs, "distance", T)
    spec = charts.weekly_load_chart(weeks, tables.runs, IMPERIAL, T).to_dict()
    bars, markers, _shoes, pain_line = layers(spec)
    assert [bars["mark"]["type"], markers["mark"]["type"], pain_line["mark"]["type"]] == [
        "bar", "point", "line"]
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    assert bars["encoding"]["color"]["scale"]["domain"] == ["≤10 %", ">10–30 %", ">30 %",
                                                            "no comparison"]
    assert "mi/week" in bars["encoding"]["y"]["title"]
    data = spec["datasets"]
    rows = next(v for v in data.values() if len(v) == len(tables.weekly))
    # Week of 12 Feb: 20 km = 12.427 miles.
    assert rows[0]["load"] == pytest.approx(20_000 / 1609.344)
    spikes = next(v for v in data.values() if v and "spike_ratio" in v[0])
    assert [(s["week_start"][:10], s["spike_ratio"]) for s in spikes] == [("2024-03-18", 1.5)]
    for layer in (bars, markers, pain_line):
        assert layer["encoding"]["tooltip"], "every layer has a tooltip"


def test_descent_chart_converts_per_distance(tables):
    spec = charts.descent_chart(tables.weekly, IMPERIAL).to_dict()
    rows = next(iter(spec["datasets"].values()))
    # Week of 29 Jan: 100 m over 20 km = 5 m/km = 5 × 1.609344 / 0.3048 = 26.4 ft/mi.
    assert rows[0]["descent"] == pytest.approx(100 / 0.3048)
    assert rows[0]["per_distance"] == pytest.approx(5 * 1.609344 / 0.3048)
    assert "ft/mi" in layers(spec)[1]["encoding"]["y"]["title"]


def test_acwr_zones_only_on_request(tables):
    daily = acwr_table(tables.daily)
    # The line and the (here empty) layer marking ratios above the axis.
    plain = layers(charts.acwr_chart(daily).to_dict())
    assert [layer["mark"]["type"] for layer in plain] == ["line", "point"]
    with_zones = layers(charts.acwr_chart(daily, show_zones=True).to_dict())
    assert [layer["mark"]["type"] for layer in with_zones] == ["rect", "line", "point"]


def test_pain_calendar_keeps_missing_days_missing(tables):
    spec = charts.pain_calendar(tables.daily, tables.daily.index[0], tables.today).to_dict()
    rows = next(iter(spec["datasets"].values()))
    # From the Monday of the first day (12 Feb) to today (20 Mar): 38 days.
    assert len(rows) == 38 and rows[0]["date"][:10] == "2024-02-12"
    by_day = {r["date"][:10]: (r["pain_max"], r["entry"]) for r in rows}
    assert by_day["2024-03-15"] == (3.0, "logged")
    assert by_day["2024-03-14"] == (None, "no entry")
    grey, logged = layers(spec)
    assert grey["mark"]["color"] == "#e4e4e4" and "color" not in grey.get("encoding", {})
    assert logged["transform"] == [{"filter": "isValid(datum.pain_max)"}]
    assert logged["encoding"]["color"]["field"] == "pain_max"


def test_one_pain_entry_is_one_small_square_on_a_dated_axis():
    daily = pd.DataFrame({"pain_max": [3.0]}, index=pd.DatetimeIndex(["2019-05-08"]))
    spec = charts.pain_calendar(daily, pd.Timestamp("2019-05-08"),
                                pd.Timestamp("2019-05-08")).to_dict()
    # The axis spans eight weeks from Monday 6 May 2019, so the one week is 1/8 of it.
    domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert (domain[0]["year"], domain[0]["month"], domain[0]["date"]) == (2019, 5, 6)
    assert (domain[1]["year"], domain[1]["month"], domain[1]["date"]) == (2019, 7, 1)
    assert spec["layer"][0]["encoding"]["x"]["axis"]["format"] == "%-d %b %Y"
    assert spec["layer"][0]["encoding"]["x2"]["field"] == "week_end"


def test_elevation_profile_marks_steep_descent():
    # 1 km flat, then 200 m down at −10 %, sampled every 10 m.
    distance = np.arange(0, 1201, 10.0)
    elevation = np.where(distance <= 1000, 100.0, 100 - (distance - 1000) * 0.10)
    samples = pd.DataFrame({"distance_m": distance, "elevation_m": elevation})
    spec = charts.elevation_profile(samples, METRIC).to_dict()
    rows = next(iter(spec["datasets"].values()))
    steep = [r["distance"] for r in rows if r["very_steep"] is not None]
    # Smoothed over 50 m (5 cells), the −10 % stretch runs from 1.02 to 1.17 km.
    assert steep == pytest.approx([1.02 + 0.01 * i for i in range(16)])
    assert [layer["mark"]["type"] for layer in layers(spec)] == ["area", "area", "area"]


def test_route_chart_projects_and_marks_the_ends():
    samples = pd.DataFrame({"lat": [52.0, 52.001, 52.002], "lon": [4.0, 4.001, 4.0],
                            "distance_m": [0.0, 130.0, 260.0]})
    spec = charts.route_chart(samples).to_dict()
    assert spec["projection"] == {"type": "mercator"}
    ends = [r["where"] for v in spec["datasets"].values() for r in v if "where" in r]
    assert ends == ["start", "finish"]


def test_vega_lite_keeps_each_layers_frame_as_a_named_dataset():
    """The cached form of a chart: frames by name (dates stay dates), the rest of the spec
    as Altair writes it, without the default theme's sizes."""
    samples = pd.DataFrame({"lat": [52.0, 52.001, 52.002], "lon": [4.0, 4.001, 4.0],
                            "distance_m": [0.0, 130.0, 260.0]})
    route = charts.route_chart(samples)
    path = route.layer[0].data  # the line's three fixes with their order
    spec = charts.vega_lite(route)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "config" not in spec
    assert [layer["data"] for layer in spec["layer"]] == [{"name": "data-0"},
                                                          {"name": "data-1"}]
    assert spec["datasets"]["data-0"] is path
    assert spec["datasets"]["data-1"]["where"].tolist() == ["start", "finish"]
    assert spec["projection"] == {"type": "mercator"}
    weeks = pd.DataFrame({"week_start": pd.to_datetime(["2024-03-04", "2024-03-11"]),
                          "elevation_loss_m": [120.0, 300.0], "descent_per_km": [6.0, 10.0],
                          "downhill_10pct_m": [0.0, 500.0]})
    spec = charts.vega_lite(charts.descent_chart(weeks, METRIC))
    (frame,) = spec["datasets"].values()  # bars and line share one frame
    assert spec["data"] == {"name": "data-0"}
    assert frame["week_start"].dtype.kind == "M"
    assert frame["week_mid"].tolist() == [pd.Timestamp("2024-03-07 12:00"),
                                          pd.Timestamp("2024-03-14 12:00")]


def test_row_charts_grow_with_their_rows():
    """One band per exposure (or runner): many rows must not squash into a fixed height."""
    events = pd.DataFrame({"exposure": ["descent_m", "spike_ratio", "distance_km"],
                           "difference_sd": [1.5, 0.1, -1.7], "q_value": [0.01, 0.6, 0.2],
                           "pre_flare_mean": [300.0, 1.1, 40.0],
                           "baseline_mean": [200.0, 1.0, 45.0], "n_flares": [2, 2, 2],
                           "p_value": [0.002, 0.5, 0.1]})
    spec = charts.event_study_chart(events).to_dict()
    assert spec["height"] == {"step": 26}
    colours = {r["exposure"]: r["finding"] for r in next(iter(spec["datasets"].values()))}
    assert colours == {"descent_m": "q < 0.05", "spike_ratio": "not significant",
                       "distance_km": "not significant"}
    forest = pd.DataFrame({"athlete_id": ["a", "b"], "estimate": [0.2, -0.1],
                           "ci_low": [-0.1, -0.5], "ci_high": [0.5, 0.3], "n": [40, 52]})
    spec = charts.forest_chart(forest, pooled=0.05).to_dict()
    assert spec["height"] == {"step": 32}
    assert len(layers(spec)) == 4  # zero line, pooled line, intervals, estimates

def test_roster_row_and_ranking(tables):
    row = roster_row(1, "Sam", tables)
    # Last 7 days (14–20 Mar): entries 3 and 4 -> 3.5; the 7 before (7–13 Mar): 1 -> +2.5.
    assert (row["pain_7d"], row["pain_trend"]) == (3.5, 2.5)
    # Current flags: the 1.5× spike of 18 March and its descent, 150 m against at most 50 m
    # in the 21 days before (3×): two cautions, nothing high.
    assert (row["high_flags"], row["caution_flags"]) == (0, 2)
    assert row["flags"] == "spike_medium, descent_spike, week_partial"
    assert row["flag_titles"] == "run spike, descent spike"  # no info-level flags
    # Triage = 3.5 + 2.5 + 2 × 0 + 1 × 2 = 8.
    assert row["triage"] == 8.0
    assert row["last_week_m"] == 20_000.0 and row["this_week_m"] == 15_000.0
    calm = roster_row(2, "Ada", load_tables(RUNS.iloc[:-1], pain(), T, TODAY))
    ranked = roster([calm, row])
    assert ranked["name"].tolist() == ["Sam", "Ada"]


def test_report_is_escaped_and_complete(tables):
    html = athlete_report_html("<b>Sam</b>", tables, METRIC)
    assert "&lt;b&gt;Sam&lt;/b&gt;" in html and "<b>Sam</b>" not in html
    assert "not medical advice" in html
    assert "1.50 ×" in html  # the spike flag's measured value
    # Flags: header + spike, descent spike, week in progress; weeks: header + 5 complete.
    assert html.count("<tr>") == 1 + 3 + 1 + 5
    assert "<script" not in html and "http" not in html  # self-contained


@pytest.mark.parametrize(("value", "unit", "text"), [
    (34.04, "%", "+34.0 %"), (1.5, "×", "1.50 ×"), (3.0, "/10", "3/10"),
    (12_345.0, "m", "12.3 km"), (40.0, "days", "40 days"), (float("nan"), "%", "–")])
def test_format_value(value, unit, text):
    assert format_value(value, unit, METRIC) == text


def test_report_of_old_data_says_why_there_is_no_chart():
    old = load_tables(RUNS, PAIN, T, "2026-01-07")  # nearly two years after the last run
    html = athlete_report_html("Sam", old, METRIC)
    assert "<svg" not in html
    assert "No runs and no diary entries in the 16 complete weeks before this report" in html
    assert "<svg" in athlete_report_html("Sam", load_tables(RUNS, PAIN, T, TODAY), METRIC)
