"""Load metrics against numbers worked out by hand (DOMAIN.md §2–§3 definitions)."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.load import (
    acwr_table,
    change_band,
    daily_and_runs,
    daily_series,
    ewma_burn_in,
    resolve_today,
    rolling_change_pct,
    run_table,
    spike_band,
    weekly_table,
)
from analysis.thresholds import Thresholds
from tests.load.fixtures import NO_PAIN, activities, pain, run


def test_daily_series_counts_runs_only_rest_days_zero_pain_missing_is_nan():
    acts = activities(
        run("2024-01-01", 5, sport="walk"),  # first activity: the series starts here
        run("2024-01-02", 10, 3000, elevation_gain_m=120, elevation_loss_m=100,
            downhill_5pct_m=500, downhill_10pct_m=100),
        run("2024-01-04", 5, 1500),
        run("2024-01-04", 8, 2400),
        run("2024-01-05", 6, sport="treadmill_run", moving_time_s=None, elapsed_time_s=2000),
        run("2024-01-05", 30, 3600, sport="ride"),
        run("2024-01-07", 12),  # after today: left out
    )
    diary = pain(("2024-01-03", 2, "during_run"), ("2024-01-03", 4, "daily_worst"),
                 ("2024-01-06", 0, "daily_worst"))
    daily = daily_series(acts, diary, today="2024-01-06")
    assert daily.index.name == "date"
    assert list(daily.index.strftime("%m-%d")) == ["01-01", "01-02", "01-03", "01-04", "01-05",
                                                   "01-06"]
    assert daily["distance_m"].tolist() == [0, 10000, 0, 13000, 6000, 0]
    # Moving time; the treadmill run has only elapsed time (2000 s).
    assert daily["time_s"].tolist() == [0, 3000, 0, 3900, 2000, 0]
    assert daily["runs"].tolist() == [0, 1, 0, 2, 1, 0]
    assert daily["longest_run_m"].tolist() == [0, 10000, 0, 8000, 6000, 0]
    assert daily["descent_m"].tolist() == [0, 100, 0, 0, 0, 0]
    assert daily["gain_m"].tolist() == [0, 120, 0, 0, 0, 0]
    assert daily["downhill_5pct_m"].tolist() == [0, 500, 0, 0, 0, 0]
    assert daily["downhill_10pct_m"].tolist() == [0, 100, 0, 0, 0, 0]
    # 01-03: entries 2 and 4 -> max 4, mean 3; 01-06: a logged 0 is pain-free, not missing.
    assert daily["pain_max"].fillna(-1).tolist() == [-1, -1, 4, -1, -1, 0]
    assert daily["pain_mean"].iloc[2] == 3
    assert daily["pain_entries"].tolist() == [0, 0, 2, 0, 0, 1]


def test_daily_series_of_nothing_is_empty_with_the_columns():
    daily = daily_series(activities(), NO_PAIN, today="2024-01-06")
    assert daily.empty
    assert "distance_m" in daily and "pain_max" in daily


SPIKE_RUNS = (
    run("2024-01-01", 10, elevation_loss_m=100),
    # 30 days later: the window 01-01..01-30 still holds the 10 km -> 11.5 / 10 = 1.15.
    run("2024-01-31", 11.5, elevation_loss_m=160),
    # Same day, later: the earlier 11.5 km counts -> 5 / 11.5 = 0.4348.
    run("2024-01-31", 5, sport="treadmill_run"),
    # Window 01-02..01-31: 11.5 and 5 km -> 25 / 11.5 = 2.1739; descent 120 / 160 = 0.75.
    run("2024-02-01", 25, elevation_loss_m=120),
    # Window 02-14..03-14 is empty: no ratio; 43 days after 02-01.
    run("2024-03-15", 4),
)


def test_spike_ratio_uses_previous_30_days_and_earlier_runs_of_the_same_day():
    runs = run_table(activities(*SPIKE_RUNS))
    assert runs["spike_baseline_m"].tolist()[1:4] == [10000, 11500, 11500]
    ratio = runs["spike_ratio"]
    assert math.isnan(ratio[0]) and math.isnan(ratio[4])
    assert ratio[1:4].tolist() == pytest.approx([1.15, 5 / 11.5, 25 / 11.5])
    assert runs["spike_band"].tolist() == [
        "no run in the previous 30 days", ">1.1–1.3", "≤1.1", ">2.0",
        "no run in the previous 30 days"]
    assert runs["days_since_prev_run"].tolist()[1:] == [30, 0, 1, 43]


def test_no_spike_ratio_before_30_days_of_history_nor_after_a_longer_hole():
    rows = (run("2024-01-01", 10, elevation_loss_m=100),
            run("2024-01-15", 15, elevation_loss_m=300),  # day 14: window not filled
            run("2024-01-31", 20, elevation_loss_m=150),  # day 30: 20 / 15, 150 / 300
            run("2024-03-15", 10),  # 44 days without a run: history starts again
            run("2024-03-20", 30),  # day 5 of the new stretch: unknown, not 3.0
            run("2024-04-14", 12))  # day 30 of the new stretch: 12 / 30
    runs = run_table(activities(*rows))
    ratio = runs["spike_ratio"].tolist()
    assert math.isnan(ratio[0]) and math.isnan(ratio[1]) and math.isnan(ratio[3])
    assert ratio[2] == pytest.approx(20 / 15) and ratio[5] == pytest.approx(0.4)
    assert math.isnan(ratio[4])
    assert runs["descent_spike_ratio"].tolist()[:3] == pytest.approx([np.nan, np.nan, 0.5],
                                                                      nan_ok=True)
    assert runs["spike_band"].tolist() == [
        "no run in the previous 30 days", "under 30 days of history", ">1.3–2.0",
        "no run in the previous 30 days", "under 30 days of history", "≤1.1"]
    flags = weekly_table(activities(*rows), NO_PAIN, today="2024-04-14")["flags"]
    codes = [code for week in flags for code in week]
    # Only the real ratio (day 30) is flagged; start-up runs are neither spikes nor breaks.
    assert codes.count("spike_medium") == 1 and codes.count("spike_no_baseline") == 2
    assert "spike_large" not in codes


def test_a_first_week_the_data_begin_late_is_partial():
    # The data begin on Sunday 01-07 (10 km); 40 km the week after; 44 km the next.
    rows = (run("2024-01-07", 10), *(run(f"2024-01-{d:02d}", 10) for d in (8, 10, 12, 14)),
            run("2024-01-15", 20), run("2024-01-17", 24))
    weeks = weekly_table(activities(*rows), NO_PAIN, today="2024-01-24").set_index(
        "week_start")
    assert weeks["partial"].tolist() == [True, False, False, True]
    change = weeks["change_pct"]
    # Week 01-08 follows a partial week: no change (it read +300 % and a high jump).
    assert math.isnan(change.iloc[0]) and math.isnan(change.iloc[1])
    assert change.iloc[2] == pytest.approx(10.0)
    assert weeks["flags"].iloc[1] == []
    # The rolling 7 days on 01-14 would reach back before the data: none.
    assert math.isnan(weeks["rolling7_change_pct"].iloc[1])
    assert weeks["rolling7_change_pct"].iloc[2] == pytest.approx(10.0)


def test_descent_spike_skips_runs_without_elevation():
    runs = run_table(activities(*SPIKE_RUNS))
    # 160 / 100 = 1.6; the treadmill run has no descent; 120 / max(160) = 0.75.
    assert runs["descent_spike_ratio"].tolist()[1] == pytest.approx(1.6)
    assert math.isnan(runs["descent_spike_ratio"][2])
    assert runs["descent_spike_ratio"][3] == pytest.approx(0.75)
    # 100 m over 10 km = 10 m/km.
    assert runs["descent_per_km"][0] == pytest.approx(10.0)


def test_spike_bands_are_right_closed_like_frandsen():
    ratio = pd.Series([1.0, 1.1, 1.1001, 1.3, 2.0, 2.0001, np.nan])
    assert spike_band(ratio).tolist() == [
        "≤1.1", "≤1.1", ">1.1–1.3", ">1.1–1.3", ">1.3–2.0", ">2.0",
        "no run in the previous 30 days"]


def test_change_bands():
    pct = pd.Series([-50.0, 10.0, 10.5, 30.0, 31.0, np.nan])
    assert change_band(pct).tolist() == ["≤10 %", "≤10 %", ">10–30 %", ">10–30 %", ">30 %", None]


def _cadence_runs():
    # Baseline on the line cadence = 150 + 8 × speed (speed in m/s, 30-min runs); 01-05 minus
    # 90 days is 2023-10-07: that run (on the line) is in the window, 10-06's 100 spm is not.
    line = [("2024-01-01", 2.5), ("2024-01-02", 2.75), ("2024-01-03", 3.0), ("2024-01-04", 3.25),
            ("2024-01-05", 3.5)]
    rows = [run("2023-10-06", 3.0 * 1.8, 1800, avg_cadence_spm=100.0),
            run("2023-10-07", 4.0 * 1.8, 1800, avg_cadence_spm=182.0)]
    rows += [run(day, v * 1.8, 1800, avg_cadence_spm=150 + 8 * v) for day, v in line]
    rows += [run("2024-01-05", 3.0 * 1.8, 1800, avg_cadence_spm=161.0)]
    return activities(*rows)


def test_cadence_against_own_baseline_at_matched_speed():
    runs = run_table(_cadence_runs())
    last = runs.iloc[-1]
    # Window of the last run: 2023-10-07 (182 at 4.0), the line runs of 01-01..01-04 and the
    # earlier run of 01-05 (178 at 3.5): 6 runs, all on the line, so the fit is exact:
    # predicted at 3.0 m/s = 150 + 24 = 174 -> 161 / 174 − 1 = −7.4713 %.
    assert last["speed_mps"] == pytest.approx(3.0)
    assert last["cadence_baseline_runs"] == 6
    assert last["cadence_baseline_spm"] == pytest.approx(174.0)
    assert last["cadence_dev_pct"] == pytest.approx((161 / 174 - 1) * 100)
    # The 01-05 run at 3.5 m/s: 5 earlier runs on the line -> exactly on its baseline.
    assert runs["cadence_dev_pct"].iloc[-2] == pytest.approx(0.0, abs=1e-9)
    # Earlier runs in each window (01-04's reaches back to 10-06, the 100 spm outlier).
    assert runs["cadence_baseline_runs"].tolist() == [0, 1, 2, 3, 4, 5, 5, 6]
    # Fewer than 5 earlier runs: no baseline, no deviation.
    assert runs["cadence_dev_pct"].iloc[:5].isna().all()
    assert runs["cadence_dev_pct"].iloc[5:].notna().all()


def test_cadence_needs_speed_spread_or_uses_the_mean():
    rows = [run(f"2024-01-{d:02d}", 9, 2700, avg_cadence_spm=c)
            for d, c in zip(range(1, 7), [170, 172, 168, 170, 170, 160], strict=True)]
    runs = run_table(activities(*rows))
    # All at 3.333 m/s: no slope; baseline = mean of the five earlier runs = 170.
    assert runs["cadence_baseline_spm"].iloc[-1] == pytest.approx(170.0)
    assert runs["cadence_dev_pct"].iloc[-1] == pytest.approx((160 / 170 - 1) * 100)


def test_acwr_three_variants_match_hand_computation():
    # Two days without runs first (history counts from the first run), then
    # days 1–21: 10 km, days 22–28: 20 km, days 29–35: 5 km, days 36–70: rest.
    load = [0.0] * 2 + [10.0] * 21 + [20.0] * 7 + [5.0] * 7 + [0.0] * 35
    daily = pd.DataFrame({"distance_m": load, "runs": [int(x > 0) for x in load]},
                         index=pd.date_range("2024-01-01", periods=len(load), name="date"))
    acwr = acwr_table(daily).iloc[1:].reset_index(drop=True)  # row n = run-history day n

    # Day 28 (first with 28 days of history): acute = mean(days 22–28) = 20;
    # chronic = (21·10 + 7·20) / 28 = 12.5 -> 1.6. Day 27 has no value yet.
    assert math.isnan(acwr["acwr_coupled"].loc[27])
    assert acwr["acwr_coupled"].loc[28] == pytest.approx(1.6)
    # Day 35: acute = 5; coupled chronic = (14·10 + 7·20 + 7·5) / 28 = 11.25 -> 0.4444;
    # uncoupled chronic = days 8–28 = (14·10 + 7·20) / 21 = 13.333 -> 0.375. Day 34: none.
    assert acwr["acwr_coupled"].loc[35] == pytest.approx(5 / 11.25)
    assert math.isnan(acwr["acwr_uncoupled"].loc[34])
    assert acwr["acwr_uncoupled"].loc[35] == pytest.approx(0.375)
    # The EWMA ratio waits for its 42-day burn-in (test below).
    assert acwr["acwr_ewma"].loc[:41].isna().all() and acwr["acwr_ewma"].loc[42] > 0
    # Day 62: window 35–62 still holds day 35's 5 km, acute 0 -> 0; day 63: chronic 0 -> none.
    assert acwr["acwr_coupled"].loc[62] == 0
    assert math.isnan(acwr["acwr_coupled"].loc[63])


def _constant(load, start="2024-01-01"):
    return pd.DataFrame({"distance_m": load, "runs": [int(x > 0) for x in load]},
                        index=pd.date_range(start, periods=len(load), name="date"))


def test_ewma_starts_from_the_first_window_and_waits_for_its_burn_in():
    # Constant running: both EWMAs start at the first window's mean (10), so they stay 10 and
    # the ratio is exactly 1 (from 0 it read 1.156 at day 28). (27/29)^41 = 0.0534 ≥ 5 %,
    # (27/29)^42 = 0.0497 < 5 %: reported from day 42; the acute one ((3/4)^11 < 5 %) from 11.
    acwr = acwr_table(_constant([10.0] * 60))  # row n − 1 = day n
    assert acwr["acwr_ewma"].iloc[:41].isna().all()
    assert acwr["acwr_ewma"].iloc[41:].tolist() == [1.0] * 19
    assert acwr["ewma_acute"].iloc[:10].isna().all()
    assert acwr["ewma_acute"].iloc[10] == 10.0
    # Days 1–28 at 10, then 20: both start at 10; on day 42 (14 days at 20)
    # acute = 20 − 10·0.75^14 = 19.82182, chronic = 20 − 10·(27/29)^14 = 16.32277.
    acwr = acwr_table(_constant([10.0] * 28 + [20.0] * 28))
    acute, chronic = 20 - 10 * 0.75 ** 14, 20 - 10 * (27 / 29) ** 14
    assert acwr["ewma_acute"].iloc[41] == pytest.approx(acute)
    assert acwr["ewma_chronic"].iloc[41] == pytest.approx(chronic)
    assert acwr["acwr_ewma"].iloc[41] == pytest.approx(1.21437, abs=1e-5)
    assert ewma_burn_in(28) == 42 and ewma_burn_in(7) == 11


def test_ratios_start_again_after_a_hole_longer_than_the_window():
    # 40 days of 10 km, 30 days without a run (longer than the 28-day window), then 10 km a
    # day again from day 71: the load before day 71 is unknown, so the coupled ratio
    # returns on day 71 + 27 = day 98 (row 97), not on the restart (where it would read 4).
    acwr = acwr_table(_constant([10.0] * 40 + [0.0] * 30 + [10.0] * 40))
    assert acwr["acwr_coupled"].iloc[39] == 1.0
    assert acwr["acwr_coupled"].iloc[70:97].isna().all()
    assert acwr["acwr_coupled"].iloc[97] == 1.0
    # A 28-day break is rest, not a hole: the ratio is shown on the restart (7 / 1).
    acwr = acwr_table(_constant([10.0] * 40 + [0.0] * 27 + [10.0] * 7))
    assert acwr["acwr_coupled"].iloc[73] == pytest.approx(70 / 7 / (70 / 28))


def test_rolling_change_needs_two_full_windows():
    daily = pd.DataFrame({"distance_m": [1.0] * 7 + [2.0] * 7 + [0.0] * 7},
                         index=pd.date_range("2024-01-01", periods=21))
    pct = rolling_change_pct(daily)
    # Day 14: 14 vs 7 -> +100 %; day 13 has no full earlier window; day 21: 0 vs 14 -> −100 %.
    assert math.isnan(pct.iloc[12])
    assert pct.iloc[13] == pytest.approx(100.0)
    assert pct.iloc[20] == pytest.approx(-100.0)


# A season of Monday weeks (2024-01-01 is a Monday), today Wednesday 2024-02-14.
SEASON = (
    # W1 01-01: 40 km; cadence 170 and 180 over 3000 s each -> 175 (the 20 km has none).
    run("2024-01-01", 10, 3000, avg_cadence_spm=170), run("2024-01-03", 10, 3000,
                                                          avg_cadence_spm=180),
    run("2024-01-06", 20, 6000, elevation_gain_m=250, elevation_loss_m=200),
    # W2 01-08: 44 km = +10 % exactly (≤10 % band, no flag); 22 / 20 = 1.1 (≤1.1).
    run("2024-01-08", 10), run("2024-01-10", 12), run("2024-01-13", 22),
    # W3 01-15: no runs (−100 %). W4 01-22: 20 km after a week without runs: no %.
    run("2024-01-24", 20),
    # W5 01-29: 30 km = +50 %. W6 02-05: 34.5 km = +15 %.
    run("2024-01-29", 10), run("2024-01-31", 10), run("2024-02-03", 10),
    run("2024-02-05", 10), run("2024-02-07", 12), run("2024-02-10", 12.5),
    # W7 02-12 (in progress): 50 km / longest of 01-13..02-11 (22 km) = 2.27.
    run("2024-02-12", 50),
)
SEASON_PAIN = pain(
    ("2024-01-02", 3, "during_run"), ("2024-01-02", 4, "daily_worst"),
    ("2024-01-04", 5, "next_morning"),  # no entry on 01-03: not comparable
    ("2024-01-09", 2, "daily_worst"), ("2024-01-10", 3, "next_morning"),  # 3 > 2: breach
    ("2024-01-11", 3, "next_morning"),  # 3 = 3: not worse
    ("2024-01-24", 5, "during_run"),
)


def season_weeks(**overrides):
    return weekly_table(activities(*SEASON), SEASON_PAIN, Thresholds.from_dict(overrides),
                        today="2024-02-14").set_index("week_start")


def test_weekly_table_volumes_changes_and_partial_week():
    weeks = season_weeks()
    assert list(weeks.index.strftime("%m-%d")) == ["01-01", "01-08", "01-15", "01-22", "01-29",
                                                   "02-05", "02-12"]
    assert weeks["distance_m"].tolist() == [40000, 44000, 0, 20000, 30000, 34500, 50000]
    assert weeks["runs"].tolist() == [3, 3, 0, 1, 3, 3, 1]
    assert weeks["partial"].tolist() == [False] * 6 + [True]
    assert weeks["days"].tolist() == [7] * 6 + [3]
    change = weeks["change_pct"]
    assert math.isnan(change.iloc[0])  # no week before
    assert change.iloc[1:3].tolist() == pytest.approx([10.0, -100.0])
    assert math.isnan(change.iloc[3])  # after a week without runs: no +∞ %
    assert change.iloc[4:6].tolist() == pytest.approx([50.0, 15.0])
    assert math.isnan(change.iloc[6])  # in progress: never compared as if complete
    assert weeks["change_band"].tolist()[1:6] == ["≤10 %", "≤10 %", None, ">30 %", ">10–30 %"]
    # The week in progress gets the rolling comparison instead: 02-08..02-14 = 12.5 + 50 km
    # vs 02-01..02-07 = 10 + 10 + 12 km -> 62.5 / 32 − 1 = +95.3125 %.
    assert weeks["rolling7_change_pct"].iloc[6] == pytest.approx(95.3125)
    assert weeks["rolling7_change_band"].iloc[6] == ">30 %"


def test_weekly_table_shape_descent_cadence_pain():
    w1 = season_weeks().iloc[0]
    assert w1["longest_run_m"] == 20000
    assert w1["long_run_share"] == pytest.approx(0.5)
    assert (w1["elevation_gain_m"], w1["elevation_loss_m"]) == (250, 200)
    assert w1["descent_per_km"] == pytest.approx(5.0)  # 200 m / 40 km
    assert w1["avg_cadence_spm"] == pytest.approx(175.0)
    # Entries 3, 4, 5 on two days: max 5, mean 4.
    assert (w1["pain_max"], w1["pain_mean"], w1["pain_days"]) == (5, 4, 2)


def test_monotony_and_strain_foster():
    weeks = season_weeks()
    # W1 daily km Mon..Sun 10, 0, 10, 0, 0, 20, 0: mean 40/7, population variance
    # (2·(30/7)² + 4·(40/7)² + (100/7)²)/7 = 18200/343 -> monotony² = (1600/49)/(18200/343)
    # = 8/13 -> 0.784465; strain = 40 000 m × 0.784465.
    assert weeks["monotony"].iloc[0] == pytest.approx(math.sqrt(8 / 13))
    assert weeks["strain"].iloc[0] == pytest.approx(40000 * math.sqrt(8 / 13))
    assert math.isnan(weeks["monotony"].iloc[2])  # no runs: SD 0, undefined
    assert math.isnan(weeks["monotony"].iloc[6])  # week in progress


def test_weekly_flags_codes():
    weeks = season_weeks()
    assert weeks["flags"].tolist() == [
        # During-run 3/10; the first run ever has no ratio; 01-06 (20 km after 10) is 5
        # days into the data: its window is not filled, so no ratio and no spike flag.
        ["pain_during_run", "spike_no_baseline"],
        ["pain_next_morning"],
        [],
        ["pain_during_run_severe", "week_after_gap"],
        ["weekly_jump_high"],
        ["weekly_jump_caution"],
        ["spike_large", "rolling7_jump_high", "week_partial"],
    ]


def test_thresholds_are_per_athlete():
    weeks = season_weeks(weekly_change_caution_pct=20, pain_rule_max=3)
    assert weeks["flags"].iloc[5] == []  # +15 % is under a 20 % line
    assert weeks["flags"].iloc[0] == ["spike_no_baseline"]
    assert weeks["change_band"].iloc[5] == "≤20 %"


def test_vectorised_windows_agree_with_a_plain_loop():
    # Random runs (several on some days, some without cadence or elevation), checked against
    # the definitions written as loops: max over earlier runs within the window, and
    # np.polyfit over the earlier runs of the last 90 days.
    rng = np.random.default_rng(7)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 200, 150)), "D")
    rows = [run(day.strftime("%Y-%m-%d"), float(rng.uniform(3, 25)), float(rng.uniform(900, 9000)),
                elevation_loss_m=float(rng.uniform(0, 300)) if rng.random() > 0.2 else None,
                avg_cadence_spm=float(rng.normal(170, 6)) if rng.random() > 0.2 else None)
            for day in days]
    runs = run_table(activities(*rows))
    for i, this in runs.iterrows():
        earlier = runs.iloc[:i]
        window = earlier[earlier["local_date"] >= this["local_date"] - pd.Timedelta(days=30)]
        longest = window["distance_m"].max()
        assert runs.at[i, "spike_baseline_m"] == pytest.approx(longest, nan_ok=True)
        deepest = window["descent_m"].max()
        assert runs.at[i, "descent_baseline_m"] == pytest.approx(deepest, nan_ok=True)
        fit = earlier[(earlier["local_date"] >= this["local_date"] - pd.Timedelta(days=90))
                      & earlier["cadence_spm"].notna()]
        if len(fit) >= 5:
            slope, intercept = np.polyfit(fit["speed_mps"], fit["cadence_spm"], 1)
            expected = intercept + slope * this["speed_mps"]
        else:
            expected = np.nan
        assert runs.at[i, "cadence_baseline_spm"] == pytest.approx(expected, nan_ok=True,
                                                                    rel=1e-9)


def test_today_is_a_calendar_day_in_the_athletes_zone():
    assert resolve_today("2024-02-14 18:30") == pd.Timestamp("2024-02-14")
    # Kiritimati is UTC+14, Honolulu UTC−10 (neither has summer time): clocks 24 h apart,
    # so their dates always differ by exactly one day.
    ahead, behind = resolve_today(tz="Pacific/Kiritimati"), resolve_today(tz="Pacific/Honolulu")
    assert ahead - behind == pd.Timedelta(days=1) and ahead.tzinfo is None


def test_daily_and_runs_is_daily_series_and_run_table_in_one_pass():
    acts = activities(*SEASON)
    daily, runs = daily_and_runs(acts, SEASON_PAIN, Thresholds(), today="2024-03-31")
    pd.testing.assert_frame_equal(daily, daily_series(acts, SEASON_PAIN, today="2024-03-31"))
    pd.testing.assert_frame_equal(runs, run_table(acts, Thresholds()))
