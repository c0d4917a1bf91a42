"""Saying why there is nothing: a flag window without runs or diary entries is no all-clear,
a period without runs names the nearest ones, whole counts stay whole, long periods get
monthly bars, clipped ratios are marked, and `kneeload weekly` prints no 8.6e-28."""

import csv
import io
import json

import pandas as pd
import pytest

from analysis import charts, effort
from analysis.athlete_report import athlete_report_html
from analysis.cli import main
from analysis.load import load_tables
from analysis.periods import Period, no_runs_words
from analysis.risk import RecentData, current_from, no_flags_words, recent_data
from analysis.thresholds import Thresholds
from analysis.units import METRIC
from tests.load.fixtures import activities, pain, run
from tests.load.test_cli_load import fake_store  # noqa: F401  (a fixture)

# Runs on Wed 14 Feb, Mon 19 Feb and Mon 18 Mar 2024; pain on 15 and 18 Mar.
RUNS = activities(run("2024-02-14", 10.0), run("2024-02-19", 10.0), run("2024-03-18", 12.0))
PAIN = pain(("2024-03-15", 3, "daily_worst"), ("2024-03-18", 4, "daily_worst"))


def test_an_empty_window_says_so_and_when_the_latest_data_were():
    tables = load_tables(RUNS, PAIN, Thresholds(), "2024-04-01")
    # The last 7 days are 26 Mar – 1 Apr: no run, no entry; nothing is flagged there.
    assert current_from(tables) == []
    recent = recent_data(tables)
    assert recent == RecentData(7, 0, 0, pd.Timestamp("2024-03-18"), pd.Timestamp("2024-03-18"))
    assert recent.empty
    assert no_flags_words(recent) == (
        "No runs or diary entries in the last 7 days (latest run 18 Mar 2024, latest pain "
        "entry 18 Mar 2024): nothing to flag.")


def test_the_one_page_report_says_the_window_was_empty():
    tables = load_tables(RUNS, PAIN, Thresholds(), "2024-04-01")
    page = athlete_report_html("Sam", tables, METRIC)
    assert ("<p>No runs or diary entries in the last 7 days (latest run 18 Mar 2024, latest "
            "pain entry 18 Mar 2024): nothing to flag.</p>") in page


def test_a_window_with_data_counts_runs_and_diary_days():
    # 14–20 Mar 2024: the run of 18 Mar; entries on 15 and 18 Mar.
    recent = recent_data(load_tables(RUNS, PAIN, Thresholds(), "2024-03-20"))
    assert (recent.runs, recent.diary_days, recent.empty) == (1, 2, False)
    # A 3-day window (18–20 Mar) holds the run and one diary day.
    short = recent_data(load_tables(RUNS, PAIN, Thresholds(current_days=3), "2024-03-20"))
    assert (short.days, short.runs, short.diary_days) == (3, 1, 1)


@pytest.mark.parametrize(("runs", "diary_days", "words"), [
    (2, 3, "No flags in the last 7 days: no single-run spike, weekly jump, cadence drop or "
           "pain-rule breach."),
    (2, 0, "No flags in the last 7 days: no single-run spike, weekly jump or cadence drop; no "
           "diary entries in them to check the pain rule against."),
    (0, 3, "No flags in the last 7 days, but no runs in them to check (latest run 18 Mar "
           "2024): the diary breaks no pain rule."),
])
def test_no_flags_claims_only_what_was_checked(runs, diary_days, words):
    recent = RecentData(7, runs, diary_days, pd.Timestamp("2024-03-18"),
                        pd.Timestamp("2024-03-30"))
    assert no_flags_words(recent) == words


def test_a_diary_without_runs_says_none_are_stored():
    recent = RecentData(7, 0, 1, None, pd.Timestamp("2024-03-30"))
    assert no_flags_words(recent) == ("No flags in the last 7 days, but no runs in them to "
                                      "check (no runs stored): the diary breaks no pain rule.")
    quiet = RecentData(7, 0, 0, pd.Timestamp("2022-05-29"), None)
    assert no_flags_words(quiet) == (
        "No runs or diary entries in the last 7 days (latest run 29 May 2022, no diary "
        "entries stored): nothing to flag.")


@pytest.mark.parametrize(("start", "end", "words"), [
    ("2024-03-19", "2024-04-01", "No runs in this period (latest run 18 Mar 2024)"),
    ("2024-01-01", "2024-02-10", "No runs in this period (first run 14 Feb 2024)"),
    ("2024-02-15", "2024-02-18", "No runs in this period (the run before it 14 Feb 2024, the "
                                 "next one 19 Feb 2024)"),
])
def test_a_period_without_runs_names_the_nearest(start, end, words):
    tables = load_tables(RUNS, PAIN, Thresholds(), "2024-04-01")
    assert no_runs_words(tables, Period(pd.Timestamp(start), pd.Timestamp(end))) == words


def test_months_sum_their_runs_and_mark_partly_covered_ones():
    acts = activities(run("2024-01-31", 10.0, 3000), run("2024-02-01", 5.0, 1500),
                      run("2024-02-29", 7.0, 2100))
    tables = load_tables(acts, pain(("2024-02-10", 3, "daily_worst"),
                                    ("2024-02-11", 6, "daily_worst")), Thresholds(),
                         "2024-03-31")
    loads = effort.run_loads(tables.runs, acts)
    start, end = pd.Timestamp("2024-01-15"), pd.Timestamp("2024-03-10")
    months = charts.monthly_measure(tables.runs, loads, tables.daily, "distance", start, end)
    assert months["week_start"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02",
                                                                   "2024-03"]
    assert months["load"].tolist() == [10_000.0, 12_000.0, 0.0]  # 10; 5 + 7 km; none
    assert months["runs"].tolist() == [1, 2, 0]
    # January begins before 15 Jan, March ends after 10 Mar: both only partly covered.
    assert months["partial"].tolist() == [True, False, True]
    assert months["pain_max"].tolist()[1] == 6.0 and months["pain_max"].isna().tolist() == [
        True, False, True]
    assert months["pain_days"].tolist() == [0, 2, 0]
    minutes = charts.monthly_measure(tables.runs, loads, tables.daily, "minutes", start, end)
    assert minutes["load"].tolist() == [50.0, 60.0, 0.0]  # 3000 s; 1500 + 2100 s
    spec = charts.weekly_load_chart(months, tables.runs, METRIC, Thresholds(),
                                    per="month").to_dict()
    bars = spec["layer"][0]["layer"][0]
    assert bars["encoding"]["y"]["title"] == "Running distance (km/month)"
    assert bars["encoding"]["color"]["scale"] == {"domain": [charts.MONTHLY],
                                                  "range": [charts.BLUE]}


def test_ratios_above_the_axis_are_marked_with_their_true_value():
    days = pd.date_range("2024-01-01", periods=10, freq="D", name="date")
    acwr = pd.DataFrame({"acwr_uncoupled": [1.0] * 9 + [5.0], "acwr_ewma": float("nan")},
                        index=days)
    # 99th percentile of nine 1.0s and one 5.0: 1 + 0.91 × 4 = 4.64, kept at most 3.
    assert charts.acwr_axis(acwr) == (3.0, 1)
    spec = charts.acwr_chart(acwr).to_dict()
    line, marker = spec["layer"]
    assert (line["mark"]["type"], marker["mark"]["shape"]) == ("line", "triangle-up")
    assert line["encoding"]["y"]["scale"]["domain"] == [0, 3.0]
    clipped = spec["datasets"][marker["data"]["name"]]
    assert [(row["date"][:10], row["ratio"]) for row in clipped] == [("2024-01-10", 5.0)]


def test_cli_risk_says_the_window_is_empty(fake_store, capsys):  # noqa: F811
    # The season's last run is Mon 12 Feb 2024, its last entry 24 Jan; 25–31 Mar is empty.
    assert main(["risk", "--today", "2024-03-31"]) == 0
    assert capsys.readouterr().out.endswith(
        "No runs or diary entries in the last 7 days (latest run 12 Feb 2024, latest pain "
        "entry 24 Jan 2024): nothing to flag.\n")
    assert main(["risk", "--today", "2024-03-31", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["flags"] == []
    assert payload["window"] == {
        "days": 7, "runs": 0, "diary_days": 0, "latest_run": "2024-02-12",
        "latest_pain_entry": "2024-01-24", "empty": True,
        "no_flags": "No runs or diary entries in the last 7 days (latest run 12 Feb 2024, "
                    "latest pain entry 24 Jan 2024): nothing to flag."}


def test_cli_weekly_rounds_to_three_decimals(fake_store, capsys):  # noqa: F811
    assert main(["weekly", "--today", "2024-03-31"]) == 0
    out = capsys.readouterr().out
    assert "e-" not in out  # weeks without running: no 8.6e-28
    first = next(csv.DictReader(io.StringIO(out)))
    # Week of 1 Jan: 10, 0, 10, 0, 0, 20, 0 km; monotony = mean ÷ SD = (40/7) ÷ (√2600/7)
    # = 40/√2600 = 0.784465…
    assert first["monotony"] == "0.784"
    assert first["distance_m"] == "40000.0"
