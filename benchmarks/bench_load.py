"""Time the load metrics and flags for one athlete with 10 years of daily data.

Target (issue 4): all metrics in under 200 ms. Generates ~3,650 days with about 5 runs a week
and a pain entry every day, then prints the median of several timed runs of each step.

    python benchmarks/bench_load.py [--years 10] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.load import acwr_table, daily_series, load_tables, run_table
from analysis.plan import return_to_run_plan
from analysis.risk import current_from, week_flags
from analysis.schema import conform_activities, conform_pain

TODAY = pd.Timestamp("2025-12-31")


def synthetic(years: int, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical activity and pain tables: ~5 runs a week, a walk now and then, daily pain."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=TODAY, periods=365 * years, freq="D")
    ran = days[rng.random(len(days)) < 5 / 7]
    n = len(ran)
    km = rng.gamma(6, 1.6, n)
    speed = rng.normal(3.0, 0.3, n)
    runs = pd.DataFrame({
        "activity_id": [f"run-{i}" for i in range(n)], "sport": "run", "local_date": ran,
        "start_time": ran.tz_localize("UTC") + pd.Timedelta(hours=7),
        "distance_m": km * 1000, "moving_time_s": km * 1000 / speed,
        "elevation_gain_m": rng.gamma(2, 40, n), "elevation_loss_m": rng.gamma(2, 40, n),
        "downhill_5pct_m": rng.gamma(2, 300, n), "downhill_10pct_m": rng.gamma(1, 80, n),
        "avg_cadence_spm": 140 + 11 * speed + rng.normal(0, 3, n)})
    walked = days[rng.random(len(days)) < 1 / 7]
    walks = pd.DataFrame({"activity_id": [f"walk-{i}" for i in range(len(walked))],
                          "sport": "walk", "local_date": walked, "distance_m": 4000.0})
    activities = conform_activities(pd.concat([runs, walks], ignore_index=True))
    pain = conform_pain(pd.DataFrame({
        "entry_id": range(len(days)), "date": days,
        "score": rng.choice(11, len(days), p=[.3, .2, .15, .1, .08, .06, .04, .03, .02, .01, .01]),
        "timing": rng.choice(["daily_worst", "during_run", "next_morning"], len(days))}))
    return activities, pain


def timed(label: str, step: Callable[[], object], repeat: int) -> float:
    """Median wall time of `step` in milliseconds, printed with its label."""
    step()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    print(f"{label:<58} {median:8.1f} ms  (min {min(times):.1f}, max {max(times):.1f})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    activities, pain = synthetic(args.years)
    runs = int(activities["sport"].eq("run").sum())
    print(f"{args.years} years: {len(activities)} activities ({runs} runs), "
          f"{len(pain)} pain entries; median of {args.repeat} runs\n")

    def everything() -> None:
        tables = load_tables(activities, pain, today=TODAY)
        for column in ("time_s", "descent_m"):
            acwr_table(tables.daily, column)
        current_from(tables)

    daily = daily_series(activities, pain, today=TODAY)
    timed("daily_series", lambda: daily_series(activities, pain, today=TODAY), args.repeat)
    timed("run_table (spikes, descent spikes, cadence baseline)",
          lambda: run_table(activities), args.repeat)
    timed("acwr_table (one column)", lambda: acwr_table(daily), args.repeat)
    timed("load_tables (daily, runs, weekly, all flags)",
          lambda: load_tables(activities, pain, today=TODAY), args.repeat)
    total = timed("ALL: load_tables + ACWR on time and descent + current flags",
                  everything, args.repeat)
    timed("week_flags (every week's Flag records)",
          lambda: week_flags(activities, pain, today=TODAY), args.repeat)
    timed("return_to_run_plan", lambda: return_to_run_plan(activities, pain, today=TODAY),
          args.repeat)
    print(f"\ntarget < 200 ms for all metrics: {'met' if total < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
