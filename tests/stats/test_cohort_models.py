"""The cohort's Cox model and spline check against independent, textbook computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from analysis.stats.cohort import (
    SPLINE_KNOTS,
    at_risk_at_a_flare,
    cox_cluster_fit,
    mixed_model,
    restricted_cubic_spline,
    time_to_flare,
    within_between,
)


def test_rows_at_risk_at_a_flare_are_those_whose_interval_holds_a_flare_time():
    # flare times 7 and 10; (start, stop] is open at the start
    start = np.array([0, 7, 7, 14, 0, 20, 7])
    stop = np.array([7, 14, 10, 21, 3, 27, 9])
    flare = np.array([1, 0, 1, 0, 0, 0, 0], dtype=bool)
    assert at_risk_at_a_flare(start, stop, flare).tolist() == [
        True, True, True, False, False, False, False]


@pytest.mark.filterwarnings("ignore:Maximum Likelihood")  # the jackknife's 2-row refits
def test_a_week_starting_on_a_flare_day_is_not_at_risk_at_that_flare():
    # A (0,7] flare, B (0,7] then (7,14] flare at day 10, C (0,14]; x = 1, 0, 0, 1.
    # Risk set at 7: A, B's first week, C — not B's second week, which starts at 7.
    # At 10: B's second week and C. With u = e^b the partial likelihood is
    # u / ((2u + 1)(u + 1)); its maximum solves 1/u = 2/(2u + 1) + 1/(u + 1), 2u² = 1,
    # so b = −ln(2)/2 (counting B's second week at 7 as well gives b = 0).
    params, _ = cox_cluster_fit(np.array([0.0, 0, 7, 0]), np.array([7.0, 7, 10, 14]),
                                np.array([1.0, 0, 1, 0]), np.array([[1.0], [0], [0], [1]]),
                                np.array(["a", "b", "b", "c"]))
    assert params[0] == pytest.approx(-np.log(2) / 2, abs=1e-6)


def _breslow(start: np.ndarray, stop: np.ndarray, event: np.ndarray, x: np.ndarray
             ) -> np.ndarray:
    """Reference: the Breslow partial likelihood over (start, stop], maximised numerically."""
    times = np.unique(stop[event])

    def negative(b: np.ndarray) -> float:
        eta = x @ b
        total = 0.0
        for t in times:
            risk = (start < t) & (t <= stop)
            dead = event & (stop == t)
            total -= eta[dead].sum() - dead.sum() * np.log(np.exp(eta[risk]).sum())
        return total

    return optimize.minimize(negative, np.zeros(x.shape[1]), method="Nelder-Mead",
                             options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000}).x


def _flare_panel(seed: int = 4, lengths: tuple[int, ...] = (20, 20, 22, 24, 26, 30)
                 ) -> pd.DataFrame:
    """Athletes of `lengths` weeks; flares only in the first 18 weeks, so later weeks lie
    after the cohort's last flare time; 1–2 weeks after a flare not at risk."""
    rng = np.random.default_rng(seed)
    frames = []
    for athlete, weeks in enumerate(lengths):
        start = np.arange(weeks) * 7
        stop, flare, at_risk = start + 7, np.zeros(weeks, dtype=bool), np.ones(weeks, bool)
        week = 1
        while week < 18:
            if rng.random() < 0.3:
                flare[week] = True
                stop[week] = start[week] + rng.integers(0, 7) + 1
                at_risk[week + 1:week + 2 + rng.integers(0, 2)] = False
                week += 2
            week += 1
        frames.append(pd.DataFrame({"athlete_id": f"a{athlete}", "start": start, "stop": stop,
                                    "flare": flare, "at_risk": at_risk,
                                    "spike_ratio": rng.normal(1 + athlete / 10, 0.2, weeks)}))
    return pd.concat(frames, ignore_index=True)


def test_time_to_flare_has_jackknife_errors_with_weeks_after_the_last_flare():
    panel = _flare_panel()
    used = panel[panel["at_risk"]]
    last_flare = used.loc[used["flare"], "stop"].max()
    assert (used["start"] >= last_flare).sum() >= 10  # statsmodels' robust errors were NaN
    rows, reason = time_to_flare(panel, "spike_ratio")
    assert reason is None
    split = within_between(panel, "spike_ratio", panel["at_risk"].to_numpy())
    start, stop = used["start"].to_numpy(float), used["stop"].to_numpy(float)
    event = used["flare"].to_numpy()
    x = np.column_stack([split.within, split.between])
    b = _breslow(start, stop, event, x)
    leave_out = [_breslow(start[rest], stop[rest], event[rest], x[rest])
                 for rest in (split.groups != name for name in np.unique(split.groups))]
    se = np.sqrt(5 / 6 * ((np.array(leave_out) - b) ** 2).sum(axis=0))
    critical = stats.t(5).ppf(0.975)
    for row, coef, error in zip(rows, b, se, strict=True):
        assert row["estimate"] == pytest.approx(np.exp(coef), rel=1e-4)
        assert row["ci_low"] == pytest.approx(np.exp(coef - critical * error), rel=1e-4)
        assert row["ci_high"] == pytest.approx(np.exp(coef + critical * error), rel=1e-4)
        assert row["p_value"] == pytest.approx(2 * stats.t(5).sf(abs(coef / error)), rel=1e-3)
        assert (row["n_events"], row["n_intervals"]) == (event.sum(), len(used))


def _sandwich(start: np.ndarray, stop: np.ndarray, event: np.ndarray, x: np.ndarray,
              groups: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Reference: the Lin–Wei score sandwich clustered by `groups` (Breslow, (start, stop])."""
    eta = np.exp(x @ b)
    score = np.zeros_like(x)
    information = np.zeros((x.shape[1], x.shape[1]))
    for t in np.unique(stop[event]):
        risk = (start < t) & (t <= stop)
        dead = event & (stop == t)
        s0 = eta[risk].sum()
        mean = eta[risk] @ x[risk] / s0
        centred = x - mean
        score[dead] += centred[dead]
        score[risk] -= (dead.sum() * eta[risk] / s0)[:, None] * centred[risk]
        information += dead.sum() * (centred[risk].T * eta[risk]) @ centred[risk] / s0
    by_group = np.array([score[groups == name].sum(axis=0) for name in np.unique(groups)])
    bread = np.linalg.inv(information)
    return np.sqrt(np.diag(bread @ by_group.T @ by_group @ bread))


def test_time_to_flare_beyond_the_jackknife_uses_the_sandwich_with_weeks_at_no_flare():
    panel = _flare_panel(7, tuple(range(20, 71)))  # 51 athletes
    used = panel[panel["at_risk"]]
    start, stop = used["start"].to_numpy(float), used["stop"].to_numpy(float)
    event = used["flare"].to_numpy()
    times = np.unique(stop[event])
    holds = [((start < t) & (t <= stop)) for t in times]
    assert not np.any(holds, axis=0).all()  # weeks after the last flare, or between two
    rows, reason = time_to_flare(panel, "spike_ratio")
    assert reason is None
    split = within_between(panel, "spike_ratio", panel["at_risk"].to_numpy())
    x = np.column_stack([split.within, split.between])
    b = _breslow(start, stop, event, x)
    se = _sandwich(start, stop, event, x, split.groups, b) * np.sqrt(51 / 50)
    critical = stats.t(50).ppf(0.975)
    for row, coef, error in zip(rows, b, se, strict=True):
        assert row["estimate"] == pytest.approx(np.exp(coef), rel=1e-4)
        assert row["ci_high"] == pytest.approx(np.exp(coef + critical * error), rel=1e-4)


def test_time_to_flare_refuses_when_one_athlete_has_every_flare():
    panel = _flare_panel().assign(flare=False, at_risk=True)
    panel["stop"] = panel["start"] + 7
    panel.loc[panel.index[:12], "flare"] = True  # athlete a0's first 12 weeks
    rows, reason = time_to_flare(panel, "spike_ratio")
    assert rows == []
    assert reason == ("time to flare, spike_ratio: without one of the athletes no flare is "
                      "left, or nothing varies, so there is no error clustered by athlete")


def _spline_panel(pain_of: object, athletes: int = 6, weeks: int = 25, seed: int = 2
                  ) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.gamma(4, 0.25, athletes * weeks) + np.repeat(rng.normal(0, 0.3, athletes), weeks)
    return pd.DataFrame({"athlete_id": np.repeat([f"s{i}" for i in range(athletes)], weeks),
                         "spike_ratio": x, "pain": pain_of(x, rng)})


def test_spline_check_is_an_f_test_on_athletes_minus_one():
    panel = _spline_panel(lambda x, rng: 2 + 0.5 * x + rng.normal(0, 1, len(x)))
    rows, reason = mixed_model(panel, "spike_ratio")
    assert reason is None
    split = within_between(panel, "spike_ratio", np.ones(len(panel), dtype=bool))
    design = np.column_stack([np.ones(len(panel)), split.within, split.between,
                              restricted_cubic_spline(split.within,
                                                      np.quantile(split.within, SPLINE_KNOTS))])
    y = panel["pain"].to_numpy()
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    # CR3 of least squares is the leave-one-athlete-out jackknife, Σ (β₋g − β)(β₋g − β)'
    shifts = [np.linalg.lstsq(design[rest], y[rest], rcond=None)[0] - beta
              for rest in (split.groups != name for name in np.unique(split.groups))]
    cov = sum(np.outer(d, d) for d in shifts)[3:, 3:]
    wald = beta[3:] @ np.linalg.solve(cov, beta[3:])
    assert rows[0]["nonlinearity_p"] == pytest.approx(stats.f.sf(wald / 2, 2, 5), rel=1e-6)


@pytest.mark.slow  # a mixed model of 40 athletes × 2 years
def test_spline_check_never_reports_a_p_of_zero():
    # pain a parabola in the exposure, 40 athletes × 2 years: χ² gave exactly 0.0
    panel = _spline_panel(lambda x, rng: (x - 1) ** 2 + rng.normal(0, 0.05, len(x)),
                          athletes=40, weeks=104)
    p = mixed_model(panel, "spike_ratio")[0][0]["nonlinearity_p"]
    assert 0 < p < 1e-10
