import numpy as np
import pandas as pd
import pytest

from analysis.pain import flare_onsets
from analysis.stats.events import (
    eligible_days,
    event_study,
    flare_table,
    onset_mask,
    window_means,
)
from analysis.stats.exposures import exposure_grid
from analysis.stats.simulate import simulate_athlete
from analysis.thresholds import Thresholds


def _daily(pain: list[float], start: str = "2024-01-01") -> pd.DataFrame:
    values = pd.Series(pain, index=pd.date_range(start, periods=len(pain)), dtype=float)
    return pd.DataFrame({"pain_max": values, "pain_entries": values.notna().astype(int)})


def test_flare_table_hand_fixture():
    # day  0-6: 1 1 - 2 1 - 1   (5 recorded, none ≥ 4)   → day 7 (6 Jan + 1) is an onset
    # day 7-10: 5 6 - 3; days 11-17 quiet (6 recorded, mean 7/6) → day 18 (4, again on day
    # 19) is a second onset; episode 1 ends on its last painful day 8 (Jan 9), recovered
    # Jan 10 (the diary runs 7+ more days); episode 2 is still going: ongoing
    daily = _daily([1, 1, np.nan, 2, 1, np.nan, 1, 5, 6, np.nan, 3,
                    1, 1, np.nan, 1, 2, 1, 1, 4, 4])
    flares = flare_table(daily, Thresholds())
    assert list(flares["onset"]) == [pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-19")]
    assert list(flares["peak_pain"]) == [6, 4]
    assert list(flares["last_painful_day"]) == [pd.Timestamp("2024-01-09"),
                                                pd.Timestamp("2024-01-20")]
    assert flares["recovered"].iloc[0] == pd.Timestamp("2024-01-10")
    assert pd.isna(flares["recovered"].iloc[1])
    assert list(flares["duration_days"]) == [2, 2]


def test_quiet_days_must_be_recorded():
    # only 3 of the 7 days before the 5 have an entry: not a flare (a day without an entry
    # is missing, not pain-free); with 4 recorded it is one
    daily = _daily([1, np.nan, np.nan, np.nan, np.nan, 1, 1, 5, 5])
    assert not onset_mask(daily, Thresholds())[7]
    assert flare_table(daily).empty
    daily = _daily([1, np.nan, np.nan, np.nan, 1, 1, 1, 5, 5])
    assert onset_mask(daily, Thresholds())[7]


def test_the_threshold_is_a_setting():
    daily = _daily([1, 1, 1, 1, 1, 1, 1, 3, 3])
    assert flare_table(daily, Thresholds()).empty
    assert len(flare_table(daily, Thresholds(flare_score=3))) == 1


def test_with_every_day_recorded_the_onsets_are_analysis_loads():
    athlete = simulate_athlete(1, days=730, diary_rate=1.0)
    daily = exposure_grid(athlete.activities, athlete.pain).daily
    mask = onset_mask(daily, Thresholds())
    assert mask.sum() > 5
    np.testing.assert_array_equal(mask, flare_onsets(daily, Thresholds()).to_numpy())


def test_window_means_hand_fixture():
    # window 2 over 1, NaN, 3, 5, 7: days 0-1 lack history; day 2: {1, NaN} → 1;
    # day 3: {NaN, 3} → 3; day 4: {3, 5} → 4
    means = window_means(np.array([1.0, np.nan, 3.0, 5.0, 7.0]), 2)
    np.testing.assert_allclose(means, [np.nan, np.nan, 1, 3, 4])


def test_eligible_days_are_quiet_weeks_outside_flares_and_the_week_after():
    # days 0-9 at 1 (day 7 is the first with 7 days before it), a flare on 10-11 (5), 1 after
    # it until day 29; day 22 has no entry, days 14-16 neither.
    pain = [1.0] * 10 + [5.0, 5.0] + [1.0] * 18
    pain[22] = np.nan
    for day in (14, 15, 16):
        pain[day] = np.nan
    eligible = eligible_days(_daily(pain))
    # 7-9 quiet; 10 (the onset) to 18 (last painful day 11 + 7) excluded; 19: days 12-18
    # hold 4 entries (12, 13, 17, 18): quiet; 19-29 quiet (day 22 missing changes nothing).
    assert list(np.flatnonzero(eligible)) == [7, 8, 9, *range(19, 30)]


def test_event_study_is_a_case_crossover_against_eligible_days():
    # pain 1 every day, flares (5, 5) on days 60-61 and 100-101; the exposure is 20 on the
    # 28 days before each onset and 10 elsewhere.
    pain = np.ones(130)
    pain[[60, 61, 100, 101]] = 5
    x = np.full(130, 10.0)
    x[32:60] = 20
    x[72:100] = 20
    daily = _daily(list(pain)).assign(descent_m=x)
    table, profile, skipped = event_study(daily, ("descent_m", "spike_ratio"), n_perm=999)
    row = table.iloc[0]
    # Controls: days 28-59, 69-99 and 109-129 (episodes 60-68 and 100-108 are out; day 28
    # is the first with 28 days of history) = 32 + 31 + 21 = 84 days.
    controls = [*range(28, 60), *range(69, 100), *range(109, 130)]
    expected = np.mean([x[d - 28:d].mean() for d in controls])
    assert (row["n_flares"], row["n_controls"]) == (2, 84)
    assert row["pre_flare_mean"] == 20
    assert row["baseline_mean"] == pytest.approx(expected)
    assert row["difference"] == pytest.approx(20 - expected)
    # No pair of control days has both windows all at 20 (days 60 and 100 are not controls).
    assert row["p_value"] == pytest.approx(1 / 1000)
    assert row["label"] == "exploratory"
    assert list(profile["day"]) == list(range(-28, 0))
    day_minus_1 = np.mean([x[d - 1] for d in controls])
    assert profile["difference"].iloc[-1] == pytest.approx(20 - day_minus_1)
    assert skipped == ["spike_ratio: no variation (or no values)"]


def test_event_study_needs_two_flares_with_history():
    pain = np.ones(80)
    pain[[20, 21, 70, 71]] = 5  # the first onset has only 20 days of exposure history
    daily = _daily(list(pain)).assign(descent_m=np.arange(80.0))
    table, _, skipped = event_study(daily, ("descent_m",))
    assert table.empty
    assert skipped == ["descent_m: 1 flare with 28 days of this exposure before them; "
                       "needs 2"]
