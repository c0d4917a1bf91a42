import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.stats.multiple import bh_qvalues
from analysis.stats.nof1 import (
    ar_innovations,
    associations,
    diary_shortfall,
    newey_west_maxlags,
    prior_pain,
    shared_signals,
    slope_test,
)


def test_newey_west_rule():
    # floor(4 (n/100)^(2/9)): n=100 → 4; n=1000 → 4·10^(2/9) = 6.67 → 6; n=50 → 3.44 → 3
    assert [newey_west_maxlags(n) for n in (100, 1000, 50)] == [4, 6, 3]


def test_diary_shortfall_counts_weeks_with_four_entries():
    days = pd.date_range("2024-01-01", periods=70)  # 10 Monday weeks
    pain = pd.Series(np.nan, index=days)
    for week in range(5):  # weeks 0-4: four entries each; weeks 5-9: three each
        pain.iloc[week * 7: week * 7 + 4] = 2
    for week in range(5, 10):
        pain.iloc[week * 7: week * 7 + 3] = 2
    assert diary_shortfall(pain) == ("5 of the 8 weeks needed have ≥4 diary entries (days with "
                                     "a pain score); keep the diary for 3 more such weeks.")
    pain.iloc[35:35 + 7 * 3] = 1  # three more full weeks
    assert diary_shortfall(pain) is None


def test_ar_innovations_order_zero_is_the_centred_series():
    # 1, 2, NaN, 6 with max_order 0: mean 3, residuals -2, -1, NaN, 3
    resid, order = ar_innovations(np.array([1.0, 2.0, np.nan, 6.0]), 0)
    assert order == 0
    np.testing.assert_allclose(resid, [-2, -1, np.nan, 3])


def test_ar_innovations_whiten_an_ar1_series():
    rng = np.random.default_rng(3)
    x = np.zeros(600)
    for t in range(1, 600):
        x[t] = 0.8 * x[t - 1] + rng.normal()
    x[rng.random(600) < 0.2] = np.nan  # gaps are skipped: the AR runs over defined values
    resid, order = ar_innovations(x, 7)
    assert order >= 1
    r = resid[np.isfinite(resid)]
    assert abs(np.corrcoef(r[1:], r[:-1])[0, 1]) < 0.1
    assert np.isnan(resid[np.isnan(x)]).all()


def test_slope_test_interval_and_p_come_from_one_standard_error():
    # y on u with one covariate, 6 rows (one with a missing covariate is dropped).
    y = np.array([1.0, 2.0, 3.0, 5.0, 4.0, 7.0, 9.0])
    u = np.array([0.0, 1.0, 2.0, 3.0, 1.5, 4.0, 5.0])
    c = np.array([[0.5], [0.1], [0.9], [0.3], [0.8], [0.2], [np.nan]])
    slope, low, high, p, n = slope_test(y, u, c)
    assert n == 6
    design = sm.add_constant(np.column_stack([u[:6], c[:6, 0]]))
    fit = sm.OLS(y[:6], design).fit()
    hac = fit.get_robustcov_results(cov_type="HAC", maxlags=newey_west_maxlags(6),
                                    use_correction=True)
    se = max(fit.bse[1], hac.bse[1])
    half = stats.t.ppf(0.975, 3) * se  # 6 rows − 3 parameters
    assert slope == pytest.approx(fit.params[1])
    assert (low, high) == pytest.approx((slope - half, slope + half))
    assert p == pytest.approx(2 * stats.t.sf(abs(slope) / se, 3))


def test_prior_pain_is_the_day_before_and_the_week_before():
    pain = np.array([1.0, np.nan, 3.0, 2.0, 2.0, 4.0, np.nan, 5.0, 0.0])
    prior = prior_pain(pain, weekly=False)
    # Day 7: the day before (6) has no entry; days 0-6 hold 1, 3, 2, 2, 4 -> mean 2.4, which
    # stands in for the missing day, flagged.
    np.testing.assert_allclose(prior[7], [2.4, 1, 2.4])
    # Day 8: day 7 = 5; days 1-7 hold 3, 2, 2, 4, 5 -> 3.2. Day 3: days 0-2 hold 1 and 3
    # (2 entries, enough) -> 2. Day 2: one entry before it (1), no mean.
    np.testing.assert_allclose(prior[8], [5, 0, 3.2])
    np.testing.assert_allclose(prior[3], [3, 0, 2])
    assert np.isnan(prior[2, 2])
    np.testing.assert_array_equal(prior_pain(pain, weekly=True)[1:, 0], pain[:-1])


def test_shared_signals_are_connected_by_rank_correlation():
    rng = np.random.default_rng(2)
    a = rng.normal(size=200)
    frame = pd.DataFrame({"a": a, "b": a + rng.normal(0, 0.3, 200),
                          "c": rng.normal(size=200), "d": -a ** 3})
    assert shared_signals(frame, ("a", "b", "c", "d")) == [("a", "b", "d")]


def _grid(days: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=days)
    daily = pd.DataFrame({"pain_max": rng.integers(0, 5, days).astype(float),
                          "spike_ratio": np.where(rng.random(days) < 0.5,
                                                  rng.lognormal(0, 0.3, days), np.nan),
                          "spike_flag": np.where(rng.random(days) < 0.5,
                                                 (rng.random(days) < 0.4).astype(float),
                                                 np.nan),
                          "acwr_ewma": 1 + rng.normal(0, 0.1, days)}, index=index)
    weekly_pain = daily["pain_max"].groupby(np.arange(days) // 7).mean()
    weekly = pd.DataFrame({"pain_mean_daily_max": weekly_pain,
                           "weekly_change_pct": rng.normal(0, 20, len(weekly_pain))})
    return daily, weekly


def test_grid_shape_labels_and_skips():
    daily, weekly = _grid(70, 4)  # 10 weeks: daily cells fine, weekly cells under 12 pairs
    result = associations(daily, weekly)
    table = result.table
    assert list(table["exposure"].unique()) == ["spike_ratio", "spike_flag", "acwr_ewma"]
    assert list(table["lag_days"]) == [1, 2, 3] * 3  # no same-day cells
    assert list(table["kind"]) == ["per SD"] * 3 + ["flag"] * 3 + ["per SD"] * 3
    assert table.loc[table["kind"] == "flag", "per_sd"].isna().all()
    assert table["lag_weeks"].isna().all()
    assert (table["label"] == "exploratory").all()
    # The interval excludes 0 exactly when p < 0.05: one method for both.
    excludes = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    assert (excludes == (table["p_value"] < 0.05)).all()
    assert (table["q_value"] >= table["p_value"]).all()
    assert "descent_m: no variation (or no values) to relate to pain" in result.skipped
    assert ("weekly_change_pct at lag 4 weeks: 5 paired values with the pain before them "
            "logged, needs 12") in result.skipped


def test_flag_cells_share_80_percent_of_the_error_rate():
    # 9 cells, 3 of them flags: flag weight 0.8 · 9 / 3 = 2.4, the others 0.2 · 9 / 6 = 0.3.
    table = associations(*_grid(70, 4)).table
    weights = [0.3] * 3 + [2.4] * 3 + [0.3] * 3
    np.testing.assert_allclose(table["q_value"],
                               bh_qvalues(table["p_value"].to_numpy(), weights))


def test_weekly_lags_are_reported_in_days_and_weeks():
    daily, weekly = _grid(7 * 40, 5)
    table = associations(daily, weekly).table
    weekly_rows = table[table["exposure"] == "weekly_change_pct"]
    assert list(weekly_rows["lag_weeks"]) == [1, 2, 3, 4]
    assert list(weekly_rows["lag_days"]) == [7, 14, 21, 28]


def test_estimate_is_pain_per_sd_adjusted_for_the_pain_before():
    # pain_t = 2 + 0.5 · x_{t−1} + 0.8 · pain_{t−2} (tiny noise), x white with SD 2: the
    # lag-1 cell, adjusted for the pain of the day before the exposure, recovers 0.5 per unit
    # = 1.0 pain point per SD.
    rng = np.random.default_rng(6)
    n = 400
    x = rng.normal(0, 2, n)
    pain = np.zeros(n)
    for t in range(2, n):
        pain[t] = 2 + 0.5 * x[t - 1] + 0.8 * pain[t - 2] + rng.normal(0, 0.01)
    daily = pd.DataFrame({"pain_max": pain, "descent_m": x},
                         index=pd.date_range("2024-01-01", periods=n))
    weekly = pd.DataFrame({"pain_mean_daily_max": np.full(58, np.nan)})
    row = associations(daily, weekly).table.iloc[0]
    assert row["exposure"] == "descent_m" and row["lag_days"] == 1
    assert row["per_sd"] == pytest.approx(np.std(x, ddof=1))
    assert row["estimate"] == pytest.approx(0.5 * row["per_sd"], rel=1e-2)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["q_value"] < 1e-10


def test_an_exposure_constant_but_for_rounding_is_not_tested():
    # A constant cadence of 172 minus its running mean: ±1e-13, SD 6e-14; scaled to 1 SD it
    # would "explain" pain with nothing but floating-point noise.
    daily, weekly = _grid(70, 4)
    noise = np.random.default_rng(5).normal(0, 1e-13, len(daily))
    daily["cadence_dev_pct"] = (172.0 + noise) / 172.0 * 100 - 100
    result = associations(daily, weekly)
    assert "cadence_dev_pct" not in set(result.table["exposure"])
    assert "cadence_dev_pct: no variation (or no values) to relate to pain" in result.skipped
