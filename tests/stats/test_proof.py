"""The n-of-1 grid on simulated athletes: no effect → discoveries at about the nominal rate;
a planted effect → found with the right sign and lag. A small, seeded version of
benchmarks/bench_stats.py (which runs 200 athletes of each kind and prints the figures)."""

import numpy as np

from analysis.stats.exposures import exposure_grid
from analysis.stats.nof1 import associations
from analysis.stats.simulate import PlantedEffect, grid_outcome, simulate_athlete


def _outcomes(seeds: range, effect: PlantedEffect | None) -> list[dict]:
    results = []
    for seed in seeds:
        athlete = simulate_athlete(seed, days=730, effect=effect)
        grid = exposure_grid(athlete.activities, athlete.pain)
        table = associations(grid.daily, grid.weekly).table
        results.append(grid_outcome(table, effect))
    return results


def test_null_athletes_stay_near_the_nominal_rate():
    results = _outcomes(range(100, 140), None)
    tests = sum(r["tests"] for r in results)
    # every cell computed on two years of data: 12 daily exposures × 3 lags (the simulated
    # runners have heart rate and shoes) + 2 weekly × 4 lags = 44
    assert tests == 40 * 44
    per_test = sum(r["p_below"] for r in results) / tests
    any_discovery = np.mean([r["q_below"] > 0 for r in results])
    # nominal 5 %; generous bounds for 40 athletes (the benchmark's 200 give the figures)
    assert per_test < 0.08
    assert any_discovery <= 0.15


def test_planted_effect_is_found_with_sign_and_lag():
    results = _outcomes(range(200, 215), PlantedEffect(lag_days=2, size=2.5))
    power = np.mean([r["found"] for r in results])
    assert power >= 0.6
    # exposures drawn independently of the jumps are (almost) never called
    assert sum(r["unrelated_q_below"] for r in results) <= 2


def test_a_different_lag_is_reported_at_that_lag():
    results = _outcomes(range(300, 306), PlantedEffect(lag_days=1, size=3.0))
    assert np.mean([r["found"] for r in results]) >= 0.5
