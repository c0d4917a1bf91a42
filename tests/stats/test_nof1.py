import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.stats.nof1 import (
    _slope_test,
    ar_innovations,
    associations,
    bootstrap_slopes,
    diary_shortfall,
    newey_west_maxlags,
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


def test_slope_test_uses_the_larger_standard_error():
    # y = 1, 2, 3, 5 on u = 0, 1, 2, 3: Sxy = 6.5, Sxx = 5, slope 1.3
    y = np.array([1.0, 2.0, 3.0, 5.0, np.nan])
    u = np.array([0.0, 1.0, 2.0, 3.0, 7.0])
    slope, p, n = _slope_test(y, u)
    assert slope == pytest.approx(1.3)
    assert n == 4
    fit = sm.OLS(y[:4], sm.add_constant(u[:4])).fit()
    hac = fit.get_robustcov_results(cov_type="HAC", maxlags=newey_west_maxlags(4),
                                    use_correction=True)
    se = max(fit.bse[1], hac.bse[1])
    from scipy import stats
    assert p == pytest.approx(2 * stats.t.sf(1.3 / se, 2))


def test_bootstrap_slopes_from_counts():
    y = np.array([1.0, 2.0, 3.0, 5.0])
    u = np.array([[0.0], [1.0], [2.0], [3.0]])
    # counts 1,1,1,1 → the full-sample slope 1.3
    # counts 2,0,1,1 → u = 0,0,2,3 and y = 1,1,3,5: Sxy = 8.5, Sxx = 6.75, slope 1.259259…
    # counts 0,0,4,0 → u constant: no slope
    counts = np.array([[1.0, 1, 1, 1], [2, 0, 1, 1], [0, 0, 4, 0]])
    slopes = bootstrap_slopes(y, u, counts)
    np.testing.assert_allclose(slopes[:2, 0], [1.3, 8.5 / 6.75])
    assert np.isnan(slopes[2, 0])


def _grid(days: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=days)
    daily = pd.DataFrame({"pain_max": rng.integers(0, 5, days).astype(float),
                          "spike_ratio": np.where(rng.random(days) < 0.5,
                                                  rng.lognormal(0, 0.3, days), np.nan),
                          "acwr_ewma": 1 + rng.normal(0, 0.1, days)}, index=index)
    weekly_pain = daily["pain_max"].groupby(np.arange(days) // 7).mean()
    weekly = pd.DataFrame({"pain_mean_daily_max": weekly_pain,
                           "weekly_change_pct": rng.normal(0, 20, len(weekly_pain))})
    return daily, weekly


def test_grid_shape_labels_and_skips():
    daily, weekly = _grid(70, 4)  # 10 weeks: daily cells fine, weekly cells under 12 pairs
    result = associations(daily, weekly, n_boot=200, seed=1)
    table = result.table
    assert list(table["exposure"].unique()) == ["spike_ratio", "acwr_ewma"]
    assert list(table["lag_days"]) == [0, 1, 2, 3, 0, 1, 2, 3]
    assert table["lag_weeks"].isna().all()
    assert (table["label"] == "exploratory").all()
    assert ((table["ci_low"] <= table["estimate"]) & (table["estimate"] <= table["ci_high"])).all()
    assert (table["q_value"] >= table["p_value"]).all()
    assert "descent_m: no variation (or no values) to relate to pain" in result.skipped
    assert "weekly_change_pct at lag 4 weeks: 6 paired values, needs 12" in result.skipped


def test_weekly_lags_are_reported_in_days_and_weeks():
    daily, weekly = _grid(7 * 40, 5)
    table = associations(daily, weekly, n_boot=0).table
    weekly_rows = table[table["exposure"] == "weekly_change_pct"]
    assert list(weekly_rows["lag_weeks"]) == [1, 2, 3, 4]
    assert list(weekly_rows["lag_days"]) == [7, 14, 21, 28]
    assert table["ci_low"].isna().all()  # n_boot=0: no intervals asked for


def test_estimate_is_pain_per_sd_of_the_exposure():
    # pain = 2 + 0.5 * exposure the same day, exposure white noise with SD 2:
    # the prewhitened slope is 0.5 per unit, i.e. 1.0 pain point per SD
    rng = np.random.default_rng(6)
    index = pd.date_range("2024-01-01", periods=400)
    x = rng.normal(0, 2, 400)
    daily = pd.DataFrame({"pain_max": 2 + 0.5 * x + rng.normal(0, 0.01, 400),
                          "descent_m": x}, index=index)
    weekly = pd.DataFrame({"pain_mean_daily_max": np.full(58, np.nan)})
    row = associations(daily, weekly, n_boot=200).table.iloc[0]
    assert row["exposure"] == "descent_m" and row["lag_days"] == 0
    assert row["per_sd"] == pytest.approx(np.std(x, ddof=1))
    assert row["estimate"] == pytest.approx(0.5 * row["per_sd"], rel=1e-3)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["q_value"] < 1e-10
