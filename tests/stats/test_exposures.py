import numpy as np
import pandas as pd
import pytest

from analysis.schema import conform_activities, conform_pain
from analysis.stats.exposures import exposure_grid
from analysis.thresholds import Thresholds

RUNS = [  # day, km, descent (m)
    ("2024-01-01", 10, 100.0),
    ("2024-01-03", 5, np.nan),
    ("2024-01-03", 5, 50.0),
    ("2024-01-08", 12, 120.0),
    ("2024-01-14", 20, 300.0),
]


def _tables():
    days = pd.to_datetime([r[0] for r in RUNS])
    activities = conform_activities(pd.DataFrame({
        "activity_id": [f"r{i}" for i in range(len(RUNS))], "sport": "run",
        "start_time": (days + pd.to_timedelta(np.arange(len(RUNS)), unit="h")).tz_localize(
            "UTC"),
        "local_date": days, "distance_m": [r[1] * 1000.0 for r in RUNS],
        "moving_time_s": [r[1] * 300.0 for r in RUNS],
        "elevation_loss_m": [r[2] for r in RUNS]}))
    pain = conform_pain(pd.DataFrame({"date": pd.to_datetime(["2024-01-02", "2024-01-02",
                                                              "2024-01-09"]),
                                      "score": [3, 5, 2], "timing": "daily_worst"}))
    return activities, pain


WEEK_WINDOW = Thresholds(spike_window_days=7)  # spike ratios over the previous 7 days


def test_daily_grid_hand_computed():
    grid = exposure_grid(*_tables(), WEEK_WINDOW, today="2024-01-14").daily
    assert grid.index[0] == pd.Timestamp("2024-01-01") and len(grid) == 14
    # spike ratio: Jan 3 is 2 days into the data, its 7-day window unfilled: none (it is
    # not 0.5); Jan 8 12 ÷ 10; Jan 14 20 ÷ 12
    spike = grid["spike_ratio"].dropna()
    assert list(spike.index.strftime("%m-%d")) == ["01-08", "01-14"]
    np.testing.assert_allclose(spike, [1.2, 20 / 12])
    # Jan 3: one run without descent is left out (50 m over its 5 km), never counted as 0
    assert grid.loc["2024-01-03", "descent_m"] == 50
    assert grid.loc["2024-01-03", "descent_per_km"] == 10
    assert grid.loc["2024-01-14", "descent_per_km"] == 15
    assert np.isnan(grid.loc["2024-01-02", "descent_m"])  # no run that day
    # pain: the day's worst entry; days without one stay missing
    assert grid.loc["2024-01-02", "pain_max"] == 5
    assert grid["pain_max"].notna().sum() == 2
    assert grid["acwr_ewma"].isna().all()  # under 28 days of history
    # weekly exposures as known that day: week 1's value from Monday Jan 8 on
    assert grid.loc[:"2024-01-07", "long_run_share"].isna().all()
    assert (grid.loc["2024-01-08":, "long_run_share"] == 0.5).all()


def test_weekly_grid_hand_computed():
    weekly = exposure_grid(*_tables(), WEEK_WINDOW, today="2024-01-14").weekly
    assert list(weekly.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-08"]
    first, second = weekly.iloc[0], weekly.iloc[1]
    # week 1: 20 km, longest 10 → share 0.5; descent 150 m over the 15 km that have one
    assert (first["distance_m"], first["long_run_share"]) == (20000, 0.5)
    assert (first["descent_m"], first["descent_per_km"]) == (150, 10)
    assert np.isnan(first["weekly_change_pct"])
    # week 2: 32 km (+60 %), longest 20 → 0.625, largest spike 20/12, 420 m over 32 km
    assert second["weekly_change_pct"] == pytest.approx(60)
    assert second["long_run_share"] == 0.625
    assert second["spike_ratio"] == pytest.approx(20 / 12)
    assert second["descent_per_km"] == pytest.approx(420 / 32)
    # one diary day a week: pain summarised by its maximum, the mean needs 4 diary days
    assert list(weekly["pain_max"]) == [5, 2] and list(weekly["pain_days"]) == [1, 1]
    assert weekly["pain_mean_daily_max"].isna().all()


def test_week_in_progress_is_left_out():
    weekly = exposure_grid(*_tables(), today="2024-01-12").weekly
    assert list(weekly.index.strftime("%Y-%m-%d")) == ["2024-01-01"]


def test_weekly_change_matches_the_load_weekly_table():
    from analysis.load import weekly_table
    from analysis.stats.simulate import simulate_athlete
    from analysis.thresholds import Thresholds

    athlete = simulate_athlete(2, days=200)
    grid = exposure_grid(athlete.activities, athlete.pain)
    table = weekly_table(athlete.activities, athlete.pain, Thresholds(),
                         grid.daily.index.max()).set_index("week_start")
    joined = grid.weekly.join(table[["change_pct", "acwr_uncoupled", "long_run_share"]]
                              .add_suffix("_load"))
    np.testing.assert_allclose(joined["weekly_change_pct"], joined["change_pct_load"])
    np.testing.assert_allclose(joined["acwr_uncoupled"], joined["acwr_uncoupled_load"])
    np.testing.assert_allclose(joined["long_run_share"], joined["long_run_share_load"])


def test_flags_as_events_hand_computed():
    grid = exposure_grid(*_tables(), WEEK_WINDOW, today="2024-01-14").daily
    # Spike ratios 1.2 (Jan 8) and 1.667 (Jan 14) are above 1.1; Jan 3 has none (start-up).
    assert grid["spike_flag"].dropna().to_dict() == {pd.Timestamp("2024-01-08"): 1.0,
                                                     pd.Timestamp("2024-01-14"): 1.0}
    # Descent: Jan 8 120 m ÷ 100 m = 1.2 (not above 1.3); Jan 14 300 ÷ 120 = 2.5 -> raised.
    assert grid["descent_spike_flag"].dropna().to_dict() == {
        pd.Timestamp("2024-01-08"): 0.0, pd.Timestamp("2024-01-14"): 1.0}
    # Week 2 is +60 %: raised on its Sunday, the first day a weekly change is known.
    assert grid["weekly_jump_flag"].dropna().to_dict() == {pd.Timestamp("2024-01-14"): 1.0}


def test_a_single_diary_day_has_no_weekly_exposures():
    """One entry and no run: no complete week, so every weekly exposure is unknown."""
    pain = conform_pain(pd.DataFrame({"date": pd.to_datetime(["2026-11-02"]), "score": [2]}))
    grid = exposure_grid(conform_activities(pd.DataFrame()), pain)
    assert grid.weekly.empty
    assert len(grid.daily) == 1 and grid.daily["pain_max"].tolist() == [2.0]
    assert grid.daily["weekly_change_pct"].isna().all()
