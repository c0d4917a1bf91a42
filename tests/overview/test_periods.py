"""Periods: the default ends at the latest data; the block before; totals side by side."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.load import load_tables
from analysis.periods import Period, compare, free_period, latest_data_day, period_for, weeks_in
from tests.load.fixtures import activities, pain, run

# Runs in 2015 only, pain until 10 Mar 2015; "today" is years later.
OLD = activities(run("2015-01-05", 10), run("2015-01-12", 5), run("2015-02-02", 8),
                 run("2015-02-09", 12, elevation_loss_m=40.0), run("2015-02-28", 6))
OLD_PAIN = pain(("2015-02-10", 3, "daily_worst"), ("2015-03-10", 2, "daily_worst"))


@pytest.fixture(scope="module")
def tables():
    return load_tables(OLD, OLD_PAIN, today="2024-06-05")


def test_the_default_period_ends_at_the_latest_data_not_today(tables):
    assert latest_data_day(tables) == pd.Timestamp("2015-03-10")  # the pain entry
    period = period_for(tables, "4 weeks")
    assert (period.start, period.end) == (pd.Timestamp("2015-02-11"), pd.Timestamp("2015-03-10"))
    assert period.days == 28
    start = period_for(tables, "1 year")  # would begin in March 2014, before any data
    assert (start.start, start.end) == (pd.Timestamp("2015-01-05"), pd.Timestamp("2015-03-10"))
    today = period_for(tables, "4 weeks", end_at_today=True)
    assert (today.start, today.end) == (pd.Timestamp("2024-05-09"), pd.Timestamp("2024-06-05"))


def test_all_runs_from_the_first_day(tables):
    period = period_for(tables, "All")
    assert (period.start, period.end) == (pd.Timestamp("2015-01-05"), pd.Timestamp("2015-03-10"))


def test_a_free_period_is_ordered_and_ends_by_today(tables):
    period = free_period(tables, pd.Timestamp("2015-02-20"), pd.Timestamp("2015-01-01"))
    assert (period.start, period.end) == (pd.Timestamp("2015-01-01"), pd.Timestamp("2015-02-20"))
    late = free_period(tables, pd.Timestamp("2024-06-01"), pd.Timestamp("2030-01-01"))
    assert late.end == pd.Timestamp("2024-06-05")


def test_the_block_before_has_the_same_length_and_ends_the_day_before():
    period = Period(pd.Timestamp("2015-02-02"), pd.Timestamp("2015-03-01"))
    before = period.previous()
    assert (before.start, before.end) == (pd.Timestamp("2015-01-05"), pd.Timestamp("2015-02-01"))
    assert period.label() == "2 Feb 2015 – 1 Mar 2015"


def test_weeks_overlapping_a_period(tables):
    period = Period(pd.Timestamp("2015-01-07"), pd.Timestamp("2015-01-20"))  # Wed to Tue
    weeks = weeks_in(tables.weekly, period)["week_start"].dt.strftime("%Y-%m-%d").tolist()
    assert weeks == ["2015-01-05", "2015-01-12", "2015-01-19"]


def test_two_periods_side_by_side_by_hand(tables):
    # 2 Feb – 1 Mar 2015: runs of 8, 12 and 6 km (300 s/km), 40 m descent, one diary day (3).
    # The 28 days before (5 Jan – 1 Feb): 10 and 5 km, no diary.
    table = compare(tables, Period(pd.Timestamp("2015-02-02"), pd.Timestamp("2015-03-01")))
    assert table.loc["distance_m", "this"] == 26_000 and table.loc["distance_m", "before"] == 15_000
    assert table.loc["distance_m", "change_pct"] == pytest.approx(1100 / 15)
    assert table.loc["time_s", "this"] == 26 * 300 and table.loc["runs", "this"] == 3
    assert table.loc["runs", "change_pct"] == pytest.approx(50.0)
    assert table.loc["longest_run_m", "this"] == 12_000
    assert table.loc["longest_run_m", "before"] == 10_000
    assert table.loc["descent_m", "this"] == 40 and math.isnan(table.loc["descent_m", "change_pct"])
    assert table.loc["pain_days", "this"] == 1 and table.loc["pain_max", "this"] == 3
    assert math.isnan(table.loc["pain_max", "before"])
