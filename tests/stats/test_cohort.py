import multiprocessing
import os
import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.stats.cohort import (
    analyze_cohort,
    athlete_panel,
    cluster_robust,
    cohort_panel,
    flare_risk,
    group_slopes,
    mixed_model,
    parallel_map,
    restricted_cubic_spline,
    tidy_tables,
    time_to_flare,
    within_between,
)
from analysis.stats.events import flare_table
from analysis.stats.exposures import exposure_grid
from analysis.stats.nof1 import EXPOSURES, newey_west_maxlags
from analysis.stats.simulate import simulate_athlete, tidy_rows


def test_tidy_rows_become_runs_and_diary_entries():
    rows = pd.DataFrame({
        "athlete_id": ["a", "a", "a", "b"],
        "date": ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-05"],
        "distance_m": [5000, 3000, None, 8000],
        "elevation_loss_m": [40, None, None, 10],
        "pain": [2, None, 4, None],
    })
    tables = tidy_tables(rows)
    assert list(tables) == ["a", "b"]
    runs_a, pain_a = tables["a"]
    assert list(runs_a["distance_m"]) == [5000, 3000]  # two runs on Jan 1
    assert list(runs_a["sport"]) == ["run", "run"]
    assert list(runs_a["local_date"].dt.strftime("%Y-%m-%d")) == ["2024-01-01"] * 2
    assert runs_a["elevation_loss_m"].isna().tolist() == [False, True]
    assert list(pain_a["score"]) == [2, 4]
    runs_b, pain_b = tables["b"]
    assert len(runs_b) == 1 and pain_b.empty


def test_tidy_rows_name_missing_columns():
    with pytest.raises(ValueError, match="lacks column\\(s\\): pain"):
        tidy_tables(pd.DataFrame({"athlete_id": [], "date": [], "distance_m": []}))


def test_simulated_csv_round_trip_keeps_the_exposures():
    athlete = simulate_athlete(3, days=150)
    (acts, pain), = tidy_tables(tidy_rows([athlete])).values()
    direct = exposure_grid(athlete.activities, athlete.pain).weekly
    via_csv = exposure_grid(acts, pain).weekly
    pd.testing.assert_frame_equal(direct, via_csv, check_exact=False, rtol=1e-9)


def test_within_between_hand_computed():
    # athlete a: 1, 3 (mean 2); b: 5, 9 (mean 7); within -1, 1, -2, 2 (SD sqrt(10/3));
    # between: means 2 and 7 around 4.5 → ∓2.5, SD of the means 5/sqrt(2)
    panel = pd.DataFrame({"athlete_id": ["a", "a", "b", "b"], "x": [1.0, 3, 5, 9]})
    split = within_between(panel, "x", np.ones(4, dtype=bool))
    assert split.sd_within == pytest.approx(np.sqrt(10 / 3))
    assert split.sd_between == pytest.approx(5 / np.sqrt(2))
    np.testing.assert_allclose(split.within * split.sd_within, [-1, 1, -2, 2])
    np.testing.assert_allclose(split.between * split.sd_between, [-2.5, -2.5, 2.5, 2.5])
    assert within_between(panel.assign(x=[1.0, 1, 1, 1]), "x", np.ones(4, dtype=bool)) is None


def test_group_slopes_match_statsmodels_hac():
    rng = np.random.default_rng(0)
    groups = np.repeat(["a", "b", "c"], [40, 130, 25])
    x = rng.normal(size=195)
    y = 0.5 * x + np.cumsum(rng.normal(size=195)) * 0.3
    slopes = group_slopes(groups, x, y).set_index("group")
    for name in "abc":
        mask = groups == name
        fit = sm.OLS(y[mask], sm.add_constant(x[mask])).fit(
            cov_type="HAC", cov_kwds={"maxlags": newey_west_maxlags(int(mask.sum())),
                                      "use_correction": True})
        assert slopes.loc[name, "slope"] == pytest.approx(fit.params[1], rel=1e-10)
        assert slopes.loc[name, "se"] == pytest.approx(fit.bse[1], rel=1e-10)


def _synthetic_panel(n_athletes: int = 40, weeks: int = 60, seed: int = 0) -> pd.DataFrame:
    """pain = 2 + athlete effect + 0.5·(x − athlete mean) + 0.2·athlete mean + noise;
    flares more likely with high x."""
    rng = np.random.default_rng(seed)
    athlete = np.repeat(np.arange(n_athletes), weeks)
    level = rng.normal(0, 1, n_athletes)[athlete]
    mean_x = rng.normal(0, 1, n_athletes)[athlete]
    deviation = rng.normal(0, 1, len(athlete))
    x = mean_x + deviation
    risk = 1 / (1 + np.exp(-(-2 + 0.8 * deviation)))
    start = np.tile(np.arange(weeks) * 7, n_athletes)
    return pd.DataFrame({
        "athlete_id": athlete.astype(str), "start": start, "stop": start + 7,
        "pain": 2 + level + 0.5 * deviation + 0.2 * mean_x + rng.normal(0, 0.5, len(x)),
        "flare": rng.random(len(x)) < risk, "at_risk": True, "spike_ratio": x})


def test_mixed_model_recovers_within_and_between_effects():
    panel = _synthetic_panel()
    rows, reason = mixed_model(panel, "spike_ratio")
    assert reason is None
    within, between = rows
    # per 1 SD: 0.5 × SD of the deviations (≈ 1) within
    assert within["estimate"] / within["per_sd"] == pytest.approx(0.5, abs=0.03)
    assert within["ci_low"] < within["estimate"] < within["ci_high"]
    assert within["p_value"] < 1e-10 and within["nonlinearity_p"] > 0.001
    # between: 0.2 per unit of the athlete mean, estimated from 40 athletes only
    assert between["ci_low"] < 0.2 * between["per_sd"] < between["ci_high"]
    assert (within["n_obs"], within["n_athletes"]) == (2400, 40)


def test_flare_models_find_the_within_effect_and_give_ratios_and_differences():
    panel = _synthetic_panel()
    cox, reason = time_to_flare(panel, "spike_ratio")
    assert reason is None
    assert cox[0]["component"] == "within" and cox[0]["estimate"] > 1.5
    assert cox[0]["ci_low"] > 1
    assert cox[1]["ci_low"] < 1 < cox[1]["ci_high"]  # no between effect was planted
    risk, reason = flare_risk(panel, "spike_ratio")
    within = risk[0]
    assert within["odds_ratio"] > 1.5 and within["or_ci_low"] > 1
    assert within["risk_difference"] > 0.05 and within["rd_ci_low"] > 0
    assert within["baseline_risk"] == pytest.approx(panel["flare"].mean())


def test_flare_models_refuse_with_too_few_events():
    panel = _synthetic_panel().assign(flare=False)
    panel.loc[:8, "flare"] = True
    rows, reason = time_to_flare(panel, "spike_ratio")
    assert rows == []
    assert reason == ("time to flare, spike_ratio: 9 flares in weeks at risk, needs 10 "
                      "(5 per parameter)")
    assert flare_risk(panel, "spike_ratio")[1].startswith("flare risk, spike_ratio: 9 flares")


def test_athlete_panel_lags_exposures_and_marks_the_risk_set():
    athlete = simulate_athlete(1, days=400)
    panel = athlete_panel(athlete.activities, athlete.pain)
    grid = exposure_grid(athlete.activities, athlete.pain)
    weeks = grid.weekly
    # exposures are the previous week's
    np.testing.assert_allclose(panel["spike_ratio"].iloc[1:],
                               weeks["spike_ratio"].iloc[:-1])
    assert np.isnan(panel["spike_ratio"].iloc[0])
    np.testing.assert_allclose(panel["pain"], weeks["pain_mean_daily_max"])
    flares = flare_table(grid.daily)
    onset_weeks = set(flares["onset"] - pd.to_timedelta(flares["onset"].dt.day_of_week,
                                                         unit="D"))
    assert set(panel.loc[panel["flare"], "week_start"]) == onset_weeks & set(
        panel["week_start"])  # an onset in the week in progress has no panel row
    flare_rows = panel[panel["flare"]]
    offset = [(flares["onset"][(flares["onset"] >= w) & (flares["onset"] < w + pd.Timedelta(
        days=7))].min() - w).days for w in flare_rows["week_start"]]
    np.testing.assert_array_equal(flare_rows["stop"] - flare_rows["start"],
                                  np.array(offset) + 1)
    # a Monday inside an episode (after an onset, before its recovery) is not at risk
    for flare in flares.itertuples():
        inside = (panel["week_start"] > flare.onset) & (
            panel["week_start"] < (flare.recovered if pd.notna(flare.recovered)
                                   else pd.Timestamp.max))
        assert not panel.loc[inside, "at_risk"].any()
    assert panel["at_risk"].sum() > len(panel) / 3


def test_cohort_refuses_with_too_few_athletes_and_lists_who_was_left_out():
    athletes = [simulate_athlete(s, days=120) for s in range(3)]
    athletes[2].pain = athletes[2].pain[athletes[2].pain["date"] < "2022-02-07"]  # 5 weeks
    panel = cohort_panel([(a.name, a.activities, a.pain) for a in athletes], workers=1)
    report = analyze_cohort(panel, workers=1, names=[*(a.name for a in athletes), "zed"])
    assert not report.enough_data
    assert report.message == ("Not enough data: 2 of 4 athletes have ≥ 8 weeks with ≥ 4 "
                              "diary entries and runs before them; the cohort analysis "
                              "needs 5.")
    assert report.mixed.empty and report.forest.empty
    days = pd.Series(athletes[2].pain["date"].unique())
    weeks = int((days.groupby(days.dt.to_period("W-SUN")).size() >= 4).sum())  # of 5
    assert report.left_out.to_dict("records") == [
        {"athlete_id": "sim-2", "reason": f"{weeks} weeks with ≥ 4 diary days, needs 8"},
        {"athlete_id": "zed", "reason": "no complete week of runs or diary"}]


def test_cluster_robust_cr3_is_the_leave_one_cluster_out_jackknife():
    # For least squares, CR3 = Σ_g (β − β_(−g))(β − β_(−g))ᵀ exactly (β_(−g): the fit
    # without cluster g), whatever the groups' order in the rows.
    rng = np.random.default_rng(5)
    groups = rng.permutation(np.repeat(np.arange(6), 5))
    design = np.column_stack([np.ones(30), rng.normal(size=30), rng.normal(size=30)])
    y = design @ [1.0, 0.5, -0.2] + rng.normal(size=30)
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    expected = np.zeros((3, 3))
    for g in range(6):
        keep = groups != g
        other = np.linalg.lstsq(design[keep], y[keep], rcond=None)[0]
        expected += np.outer(beta - other, beta - other)
    fitted, cov = cluster_robust(y, design, groups)  # no random part: least squares
    np.testing.assert_allclose(fitted, beta)
    np.testing.assert_allclose(cov, expected)


def test_cohort_report_on_simulated_athletes():
    athletes = [simulate_athlete(s, days=300) for s in range(8)]
    panel = cohort_panel([(a.name, a.activities, a.pain) for a in athletes], workers=1)
    assert list(panel.columns[:7]) == ["athlete_id", "week_start", "start", "stop", "pain",
                                       "flare", "at_risk"]
    report = analyze_cohort(panel, workers=1)
    assert report.enough_data and report.n_athletes == 8
    assert report.message.startswith("Exploratory: associations across runners")
    assert set(report.mixed["exposure"]) == set(EXPOSURES)
    assert set(report.mixed["component"]) == {"within", "between"}
    assert (report.mixed["label"] == "exploratory").all()
    assert (report.mixed["q_value"] >= report.mixed["p_value"] - 1e-12).all()
    assert set(report.forest["athlete_id"]) <= {a.name for a in athletes}
    assert (report.forest["ci_low"] < report.forest["ci_high"]).all()
    assert {"odds_ratio", "risk_difference", "rd_q_value"} <= set(report.risk.columns)


def test_an_athlete_without_flares_is_always_at_risk_when_the_diary_allows():
    athlete = simulate_athlete(4, days=300)
    athlete.pain = athlete.pain.assign(score=athlete.pain["score"].clip(upper=2))
    panel = athlete_panel(athlete.activities, athlete.pain)
    assert not panel["flare"].any()
    np.testing.assert_array_equal(panel["at_risk"], panel["week_start"].map(
        exposure_grid(athlete.activities, athlete.pain).weekly["pain_days"]) >= 4)
    assert (panel["stop"] - panel["start"] == 7).all()


def test_restricted_cubic_spline_is_linear_beyond_the_outer_knots():
    knots = np.array([0.0, 1.0, 2.0, 3.0])
    x = np.linspace(-2, 6, 81)
    basis = restricted_cubic_spline(x, knots)
    assert basis.shape == (81, 2)  # 4 knots: 2 non-linear columns
    # zero up to the first knot; straight lines (zero second differences) past the last
    assert np.all(basis[x <= 0] == 0)
    beyond = basis[x >= 3]
    np.testing.assert_allclose(np.diff(beyond, n=2, axis=0), 0, atol=1e-9)
    # hand value of the first column at x = 2.5: ((2.5-0)^3 - (2.5-2)^3·(3-0)/(3-2)) / 3²
    assert basis[x == 2.5][0, 0] == pytest.approx((2.5**3 - 0.5**3 * 3) / 9)


def test_parallel_map_keeps_order_across_processes():
    seen = []
    assert parallel_map(abs, [-3, 1, -2, 5, -4], 2,
                        progress=lambda done, total, name: seen.append((done, total, name))
                        ) == [3, 1, 2, 5, 4]
    assert seen == [(1, 5, "-3"), (2, 5, "1"), (3, 5, "-2"), (4, 5, "5"), (5, 5, "-4")]


@pytest.mark.parametrize(("workers", "drawn_at_first"), [(1, 1), (2, 5)])
def test_parallel_map_draws_a_generator_as_it_goes(workers, drawn_at_first):
    drawn = []

    def numbers():
        for n in range(-10, 0):
            drawn.append(n)
            yield n

    seen = []
    assert parallel_map(abs, numbers(), workers, total=10,
                        progress=lambda done, total, name: seen.append((done, total,
                                                                        len(drawn)))
                        ) == list(range(10, 0, -1))
    # in process one at a time; with 2 workers 2 × 2 in flight, the fifth waits for the first
    assert seen[0] == (1, 10, drawn_at_first)
    assert seen[-1] == (10, 10, 10)


def kill_worker_at_zero(n: int) -> int:
    """In a pool worker, item 0 ends the worker (the pool breaks); elsewhere n itself."""
    if n == 0 and multiprocessing.parent_process() is not None:
        os._exit(1)
    return n


def test_parallel_map_loses_no_item_when_the_pool_breaks():
    def slowly():  # the pool breaks while the next item is being drawn
        for n in range(8):
            time.sleep(0.3)
            yield n

    assert parallel_map(kill_worker_at_zero, slowly(), 2, total=8) == list(range(8))


def blas_threads(_: object) -> str | None:
    """In a worker: the BLAS thread count its numpy was loaded with."""
    return os.environ.get("OPENBLAS_NUM_THREADS")


def test_workers_run_single_threaded_blas():
    """One worker per core: a BLAS pool in each would oversubscribe the cores."""
    assert parallel_map(blas_threads, [0, 1], 2) == ["1", "1"]
