"""Calibration of the cohort's time-to-flare (Cox) model and of the mixed model's spline
check for non-linearity, on simulated null cohorts (benchmarks/calibration.py's style).

The generators here are this script's own:

- Time to flare, null: 12–40 runners (the jackknife's range) or 51–120; each runner 30–80
  weeks (so many weeks lie after the cohort's last flare time); a weekly exposure AR(1)
  φ 0.7 around the runner's own mean; a weekly flare probability 0.12 × the runner's
  frailty (lognormal, SD 0.5) × exp(an AR(1) φ 0.7, SD 0.5, of its own) — flares cluster
  within runners and over time, but have nothing to do with the exposure; the flare's day
  within the week uniform, 1–3 weeks after it in the episode (not at risk); 10 % of weeks
  with too few diary days (not at risk).
- Spline, linear null: weekly pain = runner level (SD 0.8) + 0.5 × the week's deviation of
  the exposure from the runner's mean (per its SD: a straight line) + AR(1) φ 0.5 noise;
  the exposure skewed like a spike ratio (exp of an AR(1) φ 0.7, SD 0.4, around a runner
  mean), 25 or 80 weeks a runner.

    python benchmarks/calibration_cox.py [--cohorts 200] [--parts cox,spline]

Prints shares of p < 0.05 with Wilson 95 % intervals (README.md quotes them).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from calibration import ar1, wilson
from scipy import stats

from analysis.stats.cohort import mixed_model, time_to_flare


def cox_null_panel(seed: int, runners: int) -> pd.DataFrame:
    """A cohort panel in start/stop form without any exposure effect on flares."""
    rng = np.random.default_rng(seed)
    frames = []
    for runner in range(runners):
        weeks = int(rng.integers(30, 81))
        x = rng.normal(20, 10) + ar1(rng, weeks, 0.7, 25.0)
        chance = np.clip(0.12 * np.exp(rng.normal(0, 0.5) + ar1(rng, weeks, 0.7, 0.5)), 0, 0.9)
        start = np.arange(weeks) * 7
        stop, flare = start + 7, np.zeros(weeks, dtype=bool)
        at_risk = rng.random(weeks) >= 0.1
        week = 0
        while week < weeks:
            if at_risk[week] and rng.random() < chance[week]:
                flare[week] = True
                stop[week] = start[week] + int(rng.integers(0, 7)) + 1
                after = int(rng.integers(1, 4))
                at_risk[week + 1:week + 1 + after] = False
                week += after
            week += 1
        frames.append(pd.DataFrame({"athlete_id": f"r{runner}", "start": start, "stop": stop,
                                    "flare": flare, "at_risk": at_risk, "exposure": x}))
    return pd.concat(frames, ignore_index=True)


def cox_null(cohorts: int, runners: tuple[int, int], base: int) -> tuple[str, str, str, int]:
    """Shares of null cohorts (runners drawn from the range) with p < 0.05 for within, for
    between and for either after BH over the two; and how many had a non-finite error."""
    within = between = either = broken = 0
    rng = np.random.default_rng(base)
    for seed in range(base, base + cohorts):
        size = int(rng.integers(runners[0], runners[1] + 1))
        rows, reason = time_to_flare(cox_null_panel(seed, size), "exposure")
        assert reason is None, reason
        p = np.array([row["p_value"] for row in rows])
        broken += int(not np.isfinite(p).all())
        within += int(p[0] < 0.05)
        between += int(p[1] < 0.05)
        either += int(np.nanmin(p) < 0.025 or np.nanmax(p) < 0.05)
    return wilson(within, cohorts), wilson(between, cohorts), wilson(either, cohorts), broken


def spline_null_panel(seed: int, runners: int, weeks: int) -> pd.DataFrame:
    """A weekly cohort panel whose pain is a straight line in the within part."""
    rng = np.random.default_rng(seed)
    frames = []
    for runner in range(runners):
        x = np.exp(rng.normal(0, 0.2) + ar1(rng, weeks, 0.7, 0.4))
        pain = (rng.normal(2, 0.8) + 0.5 * (x - x.mean()) / 0.4
                + ar1(rng, weeks, 0.5, 1.0))
        frames.append(pd.DataFrame({"athlete_id": f"s{runner}", "pain": pain,
                                    "exposure": x}))
    return pd.concat(frames, ignore_index=True)


def spline_null(cohorts: int, runners: int, weeks: int, base: int) -> tuple[str, str, str]:
    """Shares of linear-null cohorts whose spline check gives p < 0.05 and p < 0.001, and
    what the former χ² form of the same Wald statistic gave (p < 0.05)."""
    hits = tiny = chi2_hits = 0
    for seed in range(base, base + cohorts):
        rows, reason = mixed_model(spline_null_panel(seed, runners, weeks), "exposure")
        assert reason is None, reason
        p = rows[0]["nonlinearity_p"]
        hits += int(p < 0.05)
        tiny += int(p < 0.001)
        wald = 2 * stats.f.isf(p, 2, runners - 1)  # the statistic behind the F p-value
        chi2_hits += int(stats.chi2.sf(wald, 2) < 0.05)
    return wilson(hits, cohorts), wilson(tiny, cohorts), wilson(chi2_hits, cohorts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--parts", default="cox,spline")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if "cox" in parts:
        for low, high in ((12, 40), (51, 120)):  # the jackknife, then the sandwich
            begin = time.perf_counter()
            within, between, either, broken = cox_null(args.cohorts, (low, high), 11000)
            print(f"time to flare, {args.cohorts} null cohorts of {low}–{high} runners × "
                  f"30–80 weeks: p < 0.05 within {within}, between {between}, either (BH) "
                  f"{either}; non-finite errors in {broken} "
                  f"[{time.perf_counter() - begin:.0f} s]", flush=True)
    if "spline" in parts:
        for runners, weeks in ((6, 25), (12, 25), (40, 80)):
            begin = time.perf_counter()
            hits, tiny, chi2_hits = spline_null(args.cohorts, runners, weeks, 12000)
            print(f"spline check, {args.cohorts} linear-null cohorts of {runners} runners × "
                  f"{weeks} weeks: p < 0.05 {hits}, p < 0.001 {tiny}; the former χ² test "
                  f"p < 0.05 {chi2_hits} [{time.perf_counter() - begin:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
