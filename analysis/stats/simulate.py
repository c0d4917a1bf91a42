"""Synthetic athletes for proving the statistics: realistic load, pain with or without a
planted effect of volume jumps.

Load: a weekly volume that wanders (AR(1) on the log scale) around the runner's usual
volume (30 km × lognormal, SD 0.35 on the log scale), runs on random days with one longer
run a week, and every 3–6 weeks a planted volume jump — one run 1.4–2.2 times the longest
run of the previous 30 days. Pain: an autocorrelated background (AR(1), φ = 0.85) around a
usual level that differs between runners, plus flares at random times (about one per 50
days, unrelated to load); with a `PlantedEffect`, pain also rises `lag_days` after every
jump (by `size` points, then half of it the day after). Diary days are kept at random
(`diary_rate`), some with two entries. Heart rate (rising with speed) and shoes (a new pair
every 90–180 days), unrelated to pain, come from a second stream of the seed, so load and
pain are what they were without them. Everything is drawn from one seed, so an athlete can
be rebuilt with and without the effect on the very same load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from analysis.schema import conform_activities, conform_pain
from analysis.stats.cohort import TIDY_OPTIONAL


@dataclass(frozen=True)
class PlantedEffect:
    """Pain rises `size` points `lag_days` after each volume jump, half that the day after."""

    lag_days: int = 2
    size: float = 2.5


@dataclass
class SimulatedAthlete:
    """Canonical activity and pain tables, the planted jump days and the effect (or None)."""

    name: str
    activities: pd.DataFrame
    pain: pd.DataFrame
    jump_days: pd.DatetimeIndex
    effect: PlantedEffect | None


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) path with marginal SD `sd` (a recursive filter over shocks)."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    shocks[0] = rng.normal(0.0, sd)
    return lfilter([1.0], [1.0, -phi], shocks)


def _daily_distance(rng: np.random.Generator, days: pd.DatetimeIndex) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """Metres run per day, and which days carry a planted volume jump."""
    n = len(days)
    weeks = (days - days[0]).days // 7
    n_weeks = int(weeks[-1]) + 1
    usual_km = 30.0 * rng.lognormal(0.0, 0.35)  # runners differ in their usual volume
    weekly_km = usual_km * np.exp(_ar1(rng, n_weeks, 0.9, 0.25))[weeks]
    run = rng.random(n) < 0.55
    long_day = days.day_of_week == 6
    run |= long_day
    share = np.where(long_day, 1.6, 1.0) * rng.lognormal(0.0, 0.25, n)
    distance = np.where(run, weekly_km * 1000 / 4.5 * share, 0.0)
    # Planted jumps: every 3–6 weeks one run far above the longest of the last 30 days.
    gaps = rng.integers(21, 43, size=n // 21 + 1)
    jump_at = np.cumsum(gaps)
    jump_at = jump_at[(jump_at >= 35) & (jump_at < n)]
    prior_max = pd.Series(distance).rolling(30, min_periods=1).max().shift(1).to_numpy()
    distance[jump_at] = prior_max[jump_at] * rng.uniform(1.4, 2.2, len(jump_at))
    jumps = np.zeros(n, dtype=bool)
    jumps[jump_at] = True
    return distance, jumps


def _pain(rng: np.random.Generator, n: int, jumps: np.ndarray,
          effect: PlantedEffect | None) -> np.ndarray:
    """Daily pain 0–10: background, random flares, and the planted effect if any.

    The effect adds a fixed kernel and draws nothing, so the same seed gives the same
    background with and without it.
    """
    level = rng.normal(1.5, 0.5) + _ar1(rng, n, 0.85, 1.0)  # runners differ in usual pain
    flare_starts = (rng.random(n) < 1 / 50) * rng.uniform(3.0, 5.0, n)
    level += lfilter([1.0], [1.0, -0.8], flare_starts)  # each flare decays over about a week
    if effect is not None:
        kernel = np.zeros(effect.lag_days + 2)
        kernel[effect.lag_days] = effect.size
        kernel[effect.lag_days + 1] = effect.size / 2
        level += np.convolve(jumps.astype(float), kernel)[:n]
    return np.clip(np.round(level), 0, 10)


def heart_rate_and_shoes(rng: np.random.Generator, speed: np.ndarray, days: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Average heart rate of each run (145 bpm at 2.9 m/s, +25 bpm per m/s, SD 5) and its
    shoes ("shoe 0", "shoe 1", …: a new pair every 90–180 days) for runs on day positions
    `days`, unrelated to pain."""
    heart_rate = 145 + 25 * (speed - 2.9) + rng.normal(0.0, 5.0, len(speed))
    changes = np.cumsum(rng.integers(90, 181, size=int(days.max(initial=0)) // 90 + 1))
    pair = np.searchsorted(changes, days, side="right")
    return heart_rate, np.array([f"shoe {k}" for k in pair], dtype=object)


def simulate_athlete(seed: int, *, days: int = 730, start: str = "2022-01-03",
                     effect: PlantedEffect | None = None, diary_rate: float = 0.75,
                     name: str | None = None) -> SimulatedAthlete:
    """One synthetic athlete over `days` days from `start` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    calendar = pd.date_range(start, periods=days, freq="D")
    distance, jumps = _daily_distance(rng, calendar)
    pain_score = _pain(rng, days, jumps, effect)
    name = name or f"sim-{seed}"

    ran = np.flatnonzero(distance > 0)
    speed = rng.normal(2.9, 0.2, len(ran))
    descent_per_km = rng.lognormal(np.log(10.0), 0.5, len(ran))
    km = distance[ran] / 1000
    heart_rate, gear = heart_rate_and_shoes(np.random.default_rng([seed, 1]), speed, ran)
    activities = conform_activities(pd.DataFrame({
        "activity_id": [f"{name}-{i}" for i in range(len(ran))],
        "source_format": "simulated",
        "origin": "csv",
        "name": "Run",
        "sport": "run",
        "sport_raw": "Run",
        "start_time": (calendar[ran] + pd.Timedelta(hours=7)).tz_localize("UTC"),
        "local_date": calendar[ran],
        "utc_offset_min": 0.0,
        "tz_name": "UTC",
        "tz_source": "athlete",
        "distance_m": distance[ran],
        "moving_time_s": distance[ran] / speed,
        "elapsed_time_s": distance[ran] / speed * 1.05,
        "elevation_gain_m": km * descent_per_km * rng.uniform(0.9, 1.1, len(ran)),
        "elevation_loss_m": km * descent_per_km,
        "elevation_source": "summary",
        "downhill_5pct_m": distance[ran] * np.clip(descent_per_km / 60, 0, 1),
        "downhill_10pct_m": distance[ran] * np.clip(descent_per_km / 200, 0, 1),
        "avg_cadence_spm": 166 + 8 * (speed - 2.9) + rng.normal(0.0, 2.0, len(ran)),
        "cadence_source": "simulated",
        "cadence_unit_in": "steps_per_min",
        "cadence_factor": 1.0,
        "avg_heart_rate_bpm": heart_rate,
        "max_heart_rate_bpm": heart_rate + 15,
        "gear": gear,
    }))

    kept = np.flatnonzero(rng.random(days) < diary_rate)
    second = kept[rng.random(len(kept)) < 0.3]  # a lower next-morning entry on some days
    pain = conform_pain(pd.DataFrame({
        "entry_id": np.arange(len(kept) + len(second)),
        "date": np.concatenate([calendar[kept], calendar[second]]),
        "score": np.concatenate([pain_score[kept],
                                 np.maximum(pain_score[second] - 1, 0)]).astype(int),
        "side": "left",
        "timing": np.repeat(["daily_worst", "next_morning"], [len(kept), len(second)]),
    }).sort_values("date", kind="stable").reset_index(drop=True))
    return SimulatedAthlete(name, activities, pain, calendar[jumps], effect)


def tidy_rows(athletes: list[SimulatedAthlete]) -> pd.DataFrame:
    """The cohort CSV layout: athlete_id, date, distance_m, TIDY_OPTIONAL, pain — one row
    per run, plus one row per diary-only day (a day's pain is its worst entry, on its first
    row)."""
    frames = []
    for athlete in athletes:
        runs = athlete.activities[["local_date", "distance_m", *TIDY_OPTIONAL]].rename(
            columns={"local_date": "date"})
        daily_pain = athlete.pain.groupby("date")["score"].max().rename("pain")
        runs = runs.merge(daily_pain, left_on="date", right_index=True, how="outer")
        runs["pain"] = runs["pain"].where(~runs["date"].duplicated())  # once per day
        frames.append(runs.assign(athlete_id=athlete.name))
    out = pd.concat(frames, ignore_index=True)
    return out[["athlete_id", "date", "distance_m", *TIDY_OPTIONAL, "pain"]].sort_values(
        ["athlete_id", "date"], kind="stable", ignore_index=True)


PLANTED_EXPOSURE = "spike_ratio"
UNRELATED_EXPOSURES = ("descent_per_km", "cadence_dev_pct")  # drawn independently of the jumps


def grid_outcome(table: pd.DataFrame, effect: PlantedEffect | None,
                 alpha: float = 0.05) -> dict[str, int | bool]:
    """How an n-of-1 association grid (analysis.stats.nof1) fared on a simulated athlete.

    tests / p_below / q_below: cells, cells with p < alpha and with q < alpha;
    unrelated_q_below: discoveries on exposures that cannot carry the effect; found (with an
    effect): the planted exposure at the planted lag has q < alpha, a positive estimate and
    the largest estimate of that exposure's lags.
    """
    planted = table[table["exposure"] == PLANTED_EXPOSURE].set_index("lag_days")
    found = False
    if effect is not None and effect.lag_days in planted.index:
        cell = planted.loc[effect.lag_days]
        found = bool(cell["q_value"] < alpha and cell["estimate"] > 0
                     and planted["estimate"].idxmax() == effect.lag_days)
    return {"tests": len(table), "p_below": int((table["p_value"] < alpha).sum()),
            "q_below": int((table["q_value"] < alpha).sum()),
            "unrelated_q_below": int(((table["q_value"] < alpha)
                                      & table["exposure"].isin(UNRELATED_EXPOSURES)).sum()),
            "found": found}
