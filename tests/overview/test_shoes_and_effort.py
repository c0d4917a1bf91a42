"""Shoes per run and their mileage, new-shoe days and exposure; minutes and TRIMP; the run
list. Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.effort import daily_loads, max_hr_of, run_loads, trimp, weekly_measure
from analysis.load import load_tables, run_table
from analysis.runlist import clock, pace, run_list
from analysis.shoes import new_shoe_days, new_shoes_exposure, shoe_mileage
from analysis.units import IMPERIAL, METRIC
from tests.load.fixtures import NO_PAIN, activities, run

SHOD = activities(
    run("2024-03-01", 10, gear="Pegasus 40"), run("2024-03-03", 5.5, gear="Pegasus 40"),
    run("2024-03-05", 8, gear=" Cloudmonster "), run("2024-03-06", 4),  # no gear named
    run("2024-03-08", 12, gear="Pegasus 40"),
    run("2024-03-09", 3, sport="walk", gear="Cloudmonster"))  # a walk: not shoe mileage


def test_mileage_per_pair_counts_runs_only():
    table = shoe_mileage(SHOD).set_index("shoe")
    # Pegasus: 10 + 5.5 + 12 km in 3 runs; Cloudmonster: one 8 km run (the walk is not one).
    assert table.loc["Pegasus 40", "distance_m"] == 27_500 and table.loc["Pegasus 40", "runs"] == 3
    assert table.loc["Cloudmonster", "distance_m"] == 8_000
    assert table.loc["Cloudmonster", "runs"] == 1
    assert shoe_mileage(SHOD)["shoe"].tolist() == ["Pegasus 40", "Cloudmonster"]  # latest first


def test_a_new_pair_is_marked_from_its_first_run_and_the_first_pair_is_no_change():
    days = new_shoe_days(SHOD)
    assert days["shoe"].tolist() == ["Cloudmonster"]
    assert days["local_date"].tolist() == [pd.Timestamp("2024-03-05")]
    index = pd.date_range("2024-02-28", "2024-03-20")
    exposure = new_shoes_exposure(SHOD, index)
    assert exposure[:"2024-02-29"].isna().all()  # before any gear: unknown
    assert (exposure["2024-03-01":"2024-03-04"] == 0).all()
    assert (exposure["2024-03-05":"2024-03-18"] == 1).all()  # 14 days from 5 March
    assert exposure["2024-03-19"] == 0


def test_banister_trimp_by_hand():
    # 60 min at 150 bpm, rest 60, max 190: HRr = 90/130 = 0.6923;
    # 60 × 0.6923 × 0.64 × e^(1.92 × 0.6923) = 26.585 × e^1.3292 = 26.585 × 3.7781 = 100.44
    assert trimp(np.array([60.0]), np.array([150.0]), 60.0, 190.0)[0] == pytest.approx(
        100.44, abs=0.01)
    assert trimp(np.array([30.0]), np.array([50.0]), 60.0, 190.0)[0] == 0  # below rest
    assert math.isnan(trimp(np.array([30.0]), np.array([np.nan]), 60.0, 190.0)[0])


def test_minutes_and_trimp_per_run_day_and_week():
    acts = activities(
        run("2024-03-04", 10, seconds=3600, avg_heart_rate_bpm=150, max_heart_rate_bpm=190),
        run("2024-03-06", 5, seconds=1800),  # no heart rate: unknown TRIMP
        run("2024-03-12", 6, seconds=2400, avg_heart_rate_bpm=125, max_heart_rate_bpm=170))
    assert max_hr_of(acts) == 190
    loads = run_loads(run_table(acts), acts)
    assert loads["minutes"].tolist() == [60, 30, 40]
    # 40 min at 125: HRr = 65/130 = 0.5; 40 × 0.5 × 0.64 × e^0.96 = 33.43
    assert loads["trimp"].iloc[2] == pytest.approx(33.43, abs=0.01)
    days = daily_loads(loads, pd.date_range("2024-03-04", "2024-03-07"))
    assert days["minutes"].tolist() == [60, 0, 30, 0]
    assert days["trimp"].iloc[[1, 3]].tolist() == [0, 0] and math.isnan(days["trimp"].iloc[2])
    tables = load_tables(acts, NO_PAIN, today="2024-03-13")
    weeks = weekly_measure(tables.weekly, loads, "minutes", tables.thresholds)
    assert weeks["load"].tolist() == [90, 40]
    assert math.isnan(weeks["change_pct"].iloc[1])  # the week in progress is not compared
    distance = weekly_measure(tables.weekly, loads, "distance", tables.thresholds)
    assert distance["load"].tolist() == [15_000, 6_000]


def test_a_week_on_week_change_in_minutes_is_banded():
    acts = activities(run("2024-03-04", 10, seconds=3000), run("2024-03-11", 10, seconds=3600))
    tables = load_tables(acts, NO_PAIN, today="2024-03-20")
    weeks = weekly_measure(tables.weekly, run_loads(tables.runs, acts), "minutes",
                           tables.thresholds)
    assert weeks["change_pct"].iloc[1] == pytest.approx(20.0)  # 60 vs 50 min
    assert weeks["band"].iloc[1] == ">10–30 %"


def test_durations_and_paces_read_like_a_watch():
    assert clock(3723) == "1:02:03" and clock(2707) == "45:07" and clock(np.nan) == ""
    assert pace(1500, 5000, METRIC) == "5:00 /km"
    assert pace(1500, 5000, IMPERIAL) == "8:03 /mi"  # 300 s/km × 1.609344 = 482.8 s
    assert pace(1500, 0, METRIC) == ""


def test_the_run_list_names_type_duration_pace_heart_rate_and_shoes_newest_first():
    acts = activities(
        run("2024-03-01", 10, seconds=3000, name="Easy", avg_heart_rate_bpm=141.4,
            gear="Pegasus 40"),
        run("2024-03-02", 5, seconds=1650, sport="treadmill_run", name="Gym"))
    table = run_list(run_table(acts), acts, METRIC)
    assert table["name"].tolist() == ["Gym", "Easy"]
    assert table["type"].tolist() == ["treadmill run", "run"]
    assert table["duration"].tolist() == ["27:30", "50:00"]
    assert table["pace"].tolist() == ["5:30 /km", "5:00 /km"]
    assert table["heart rate (bpm)"].tolist() == ["", "141"]
    assert table["distance (km)"].tolist() == ["5.00", "10.00"]
    assert table["cadence (spm)"].tolist() == ["", ""]  # unknown: empty, never "None"
    assert table["shoes"].tolist() == ["", "Pegasus 40"]


def test_the_exposure_grid_carries_trimp_and_new_shoes():
    from analysis.stats.exposures import exposure_grid

    acts = activities(
        run("2024-03-04", 10, seconds=3600, avg_heart_rate_bpm=150, max_heart_rate_bpm=190,
            gear="Old"),
        run("2024-03-06", 5, seconds=1800, gear="New"))
    daily = exposure_grid(acts, NO_PAIN, today="2024-03-11").daily
    # 60 min at 150 bpm (rest 60, max 190) = 100.44 (test_banister_trimp_by_hand); the
    # 6 March run has no heart rate; rest days are 0.
    assert daily["trimp"].iloc[0] == pytest.approx(100.44, abs=0.01)
    assert daily["trimp"].iloc[1] == 0 and math.isnan(daily["trimp"].iloc[2])
    # The new pair from 6 March: 14 days, so to the end of this grid (11 March).
    assert daily["new_shoes"].tolist() == [0, 0, 1, 1, 1, 1, 1, 1]
