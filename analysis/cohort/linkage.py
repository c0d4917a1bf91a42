"""The matching attack: how many pseudonyms of a release can someone re-identify who knows
some of each runner's runs (a club mate, a Strava follower)?

The attacker knows, for each target, the true day and distance of a share of their runs.
Against every released pseudonym and every date shift the export could have used (0 to
MAX_SHIFT_WEEKS whole weeks), the known runs are summed per released period (day or
Monday week) and compared with the released distance: a candidate is ruled out when the
known distance of a period exceeds what was released for it (beyond rounding), and scored
by the periods whose released distance the known runs match exactly (periods the release
does not cover count neither way: a release may end early). The best-scoring
pseudonym is the guess (none without a single exact match); a tie between k pseudonyms
counts as a 1/k chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats.export import MAX_SHIFT_WEEKS

EPOCH = pd.Timestamp("1970-01-05")  # a Monday: period numbers of days and weeks


@dataclass(frozen=True)
class Release:
    """A released distance series: pseudonym, period start (day or Monday), km, rounding."""

    table: pd.DataFrame  # columns runner, start, km
    period_days: int  # 1 (daily table) or 7 (weekly table)
    step_km: float  # rounding of the released distance


def daily_release(daily: pd.DataFrame) -> Release:
    """The research export's daily table as the attacker sees it (distances to 10 m)."""
    return Release(pd.DataFrame({"runner": daily["runner"], "start": pd.to_datetime(
        daily["date"]), "km": daily["distance_m"].astype(float) / 1000}), 1, 0.01)


def shared_release(weekly_shared: pd.DataFrame) -> Release:
    """The sharing level: weekly distance to 0.5 km."""
    return Release(pd.DataFrame({"runner": weekly_shared["runner"], "start": pd.to_datetime(
        weekly_shared["week_start"]), "km": weekly_shared["distance_km"].astype(float)}),
        7, 0.5)


def _periods(days: pd.Series, period_days: int) -> np.ndarray:
    return ((pd.to_datetime(days) - EPOCH).dt.days // period_days).to_numpy()


def guess(release: Release, known: pd.DataFrame) -> dict[str, float]:
    """For one target's known runs (columns date, distance_m), each pseudonym's chance of
    being the attacker's pick (0 for all when no candidate matches a single period)."""
    tol = release.step_km / 2 + 1e-9
    period = _periods(known["date"], release.period_days)
    sums = pd.Series(known["distance_m"].to_numpy(dtype=float) / 1000).groupby(period).sum()
    t, k = sums.index.to_numpy(), sums.to_numpy()
    shifts = np.arange(0, MAX_SHIFT_WEEKS + 1) * 7 // release.period_days
    best: dict[str, float] = {}
    for runner, rows in release.table.groupby("runner", sort=True):
        p = _periods(rows["start"], release.period_days)
        series = np.full(p.max() - p.min() + 1, np.nan)
        series[p - p.min()] = rows["km"].to_numpy(dtype=float)
        at = t[None, :] - shifts[:, None] - p.min()  # shift x known period
        inside = (at >= 0) & (at < len(series))
        released = np.where(inside, series[np.clip(at, 0, len(series) - 1)], np.nan)
        consistent = np.all(np.nan_to_num(k - released, nan=0.0) <= tol, axis=1)
        score = np.where(consistent, (np.abs(released - k) <= tol).sum(axis=1), -1)
        best[str(runner)] = float(score.max())
    top = max(best.values(), default=-1.0)
    winners = [r for r, s in best.items() if s == top and s >= 1]
    return {r: (1 / len(winners) if r in winners else 0.0) for r in best}


def reidentification_rate(release: Release, known: dict[str, pd.DataFrame]) -> float:
    """Expected share of targets (pseudonym -> their known runs) the attacker names right."""
    return float(np.mean([guess(release, runs).get(pseudonym, 0.0)
                          for pseudonym, runs in known.items()]))


def known_share(runs: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """A random `share` of the runs (at least one): what an acquaintance may know."""
    rng = np.random.default_rng(seed)
    n = max(1, round(share * len(runs)))
    return runs.iloc[np.sort(rng.choice(len(runs), size=n, replace=False))]
