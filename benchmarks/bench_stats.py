"""Statistics: false discoveries, power and speed (issue 5).

1. FDR: 200 simulated athletes without an effect (pain at random times, same kind of load),
   two years each, full exposure × lag grid with BH q-values: share of athletes with any
   q < 0.05 (with no true effect this is the false-discovery rate, nominal 5 %) and the
   per-test false-positive rate (p < 0.05 and q < 0.05).
2. Power: 200 athletes with a planted effect (pain +size points `lag` days after each volume
   jump, half that the day after): share where spike_ratio at the planted lag has q < 0.05,
   a positive estimate and the largest estimate of its lags; for several effect sizes.
3. Speed: one athlete with 3 years of data, whole `analyze` pipeline with the event study's
   2,000 permutations (target < 2 s); a cohort of 500 athletes × 2 years from the tidy CSV
   through every model (target < 30 s).

The calibration against the issue-9 scenarios (pain cutting load, cohorts, flare rule) is
benchmarks/calibration.py.

    python benchmarks/bench_stats.py [--athletes 200] [--cohort 500] [--workers N]

(--athletes 0 or --cohort 0 skips that part.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.stats.cohort import analyze_cohort, cohort_panel, tidy_tables
from analysis.stats.events import event_study
from analysis.stats.exposures import exposure_grid
from analysis.stats.nof1 import EXPOSURES, associations
from analysis.stats.report import analyze_athlete
from analysis.stats.simulate import PlantedEffect, grid_outcome, simulate_athlete, tidy_rows


def grid_outcomes(seeds: range, effect: PlantedEffect | None) -> pd.DataFrame:
    """grid_outcome of every simulated athlete, and for athletes without an effect the event
    study's tests too."""
    rows = []
    for seed in seeds:
        athlete = simulate_athlete(seed, days=730, effect=effect)
        grid = exposure_grid(athlete.activities, athlete.pain)
        row = grid_outcome(associations(grid.daily, grid.weekly).table, effect)
        if effect is None:
            events = event_study(grid.daily, EXPOSURES, seed=seed)[0]
            row |= {"event_tests": len(events),
                    "event_p_below": int((events["p_value"] < 0.05).sum()),
                    "event_q_below": int((events["q_value"] < 0.05).sum())}
        rows.append(row)
    return pd.DataFrame(rows)


def interval(successes: int, n: int) -> str:
    """A share with its Wilson 95 % interval."""
    p, z = successes / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{p:.1%} (95 % CI {centre - half:.1%}–{centre + half:.1%}, {successes}/{n})"


def false_discoveries(n: int) -> None:
    start = time.perf_counter()
    null = grid_outcomes(range(10_000, 10_000 + n), None)
    tests = int(null["tests"].sum())
    print(f"FDR, {n} null athletes × 2 years, {tests // n} tests each "
          f"({time.perf_counter() - start:.0f} s):")
    print(f"  athletes with any q < 0.05 (FDR = FWER here): "
          f"{interval(int((null['q_below'] > 0).sum()), n)}")
    print(f"  per-test p < 0.05: {interval(int(null['p_below'].sum()), tests)}")
    print(f"  per-test q < 0.05: {interval(int(null['q_below'].sum()), tests)}")
    events = int(null["event_tests"].sum())
    print(f"  event study ({events} tests): athletes with any q < 0.05 "
          f"{interval(int((null['event_q_below'] > 0).sum()), n)}; per-test p < 0.05 "
          f"{interval(int(null['event_p_below'].sum()), events)}")


def power(n: int) -> None:
    for size in (1.0, 1.5, 2.5):
        effect = PlantedEffect(lag_days=2, size=size)
        start = time.perf_counter()
        planted = grid_outcomes(range(20_000, 20_000 + n), effect)
        unrelated = int(planted["unrelated_q_below"].sum())
        print(f"Power, {n} planted athletes, +{size:g} pain points 2 days after each jump "
              f"({time.perf_counter() - start:.0f} s): found with sign and lag in "
              f"{interval(int(planted['found'].sum()), n)}; discoveries on exposures "
              f"unrelated to the jumps: {unrelated} of {n * 8} cells")


def one_athlete(repeat: int) -> None:
    athlete = simulate_athlete(7, days=3 * 365, effect=PlantedEffect())
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        report = analyze_athlete(athlete.activities, athlete.pain)
        times.append(time.perf_counter() - start)
    print(f"One athlete, 3 years ({len(athlete.activities)} runs, {len(athlete.pain)} diary "
          f"entries), {len(report.associations)} tests + event study of "
          f"{len(report.flares)} flares: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (target < 2 s)")


def cohort(n: int, workers: int | None) -> None:
    start = time.perf_counter()
    athletes = [simulate_athlete(30_000 + s, days=730,
                                 effect=PlantedEffect() if s % 2 else None) for s in range(n)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cohort.csv"
        tidy_rows(athletes).to_csv(path, index=False)
        print(f"Cohort: {n} athletes × 2 years simulated and written in "
              f"{time.perf_counter() - start:.0f} s; now timed:")
        start = time.perf_counter()
        tables = tidy_tables(pd.read_csv(path))
        read = time.perf_counter()
    panel = cohort_panel([(name, acts, pain) for name, (acts, pain) in tables.items()],
                         workers=workers)
    built = time.perf_counter()
    report = analyze_cohort(panel, workers=workers)
    done = time.perf_counter()
    print(f"  read CSV into tables {read - start:.1f} s, exposures and panel "
          f"{built - read:.1f} s, models {done - built:.1f} s: total {done - start:.1f} s "
          f"(target < 30 s); {report.n_weeks} athlete-weeks, {report.n_flares} flares, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--cohort", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    one_athlete(args.repeat)
    if args.cohort:
        cohort(args.cohort, args.workers)
    if args.athletes:
        false_discoveries(args.athletes)
        power(args.athletes)


if __name__ == "__main__":
    main()
