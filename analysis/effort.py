"""Time-based load, for runs without GPS distance (treadmill, trail): minutes run and a
heart-rate load, Banister's TRIMP, next to distance.

TRIMP of a run = minutes × HRr × 0.64 × e^(1.92 × HRr), HRr = (average HR − resting HR) ÷
(maximal HR − resting HR), clipped to 0–1 (Banister 1991; Morton, Fitz-Clarke & Banister
1990, J Appl Physiol 69(3):1171; the coefficients are those for men, the women's 0.86 and
1.67 give about 10–25 % less at usual intensities). The maximal HR is the highest the
athlete's files recorded; the resting HR is a product choice (60 bpm) until a setting says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.load import change_band
from analysis.thresholds import WEAK, Evidence, Thresholds

REST_HR_BPM = 60.0
K, B = 0.64, 1.92
MEASURES = {"distance": "Distance", "minutes": "Minutes", "trimp": "Heart-rate load (TRIMP)"}
EVIDENCE = Evidence(
    "Banister's training impulse weighs each minute by heart-rate reserve, so a slow "
    "treadmill hour and a fast trail hour differ; it was built to model performance, and "
    "its link to knee pain is untested", WEAK,
    "Banister 1991, Physiological Testing of Elite Athletes; Morton et al. 1990, "
    "J Appl Physiol 69(3):1171")


def trimp(minutes: np.ndarray, avg_hr: np.ndarray, rest_hr: float, max_hr: float) -> np.ndarray:
    """Banister TRIMP for each (minutes, average HR); NaN where either is unknown."""
    minutes, avg_hr = np.asarray(minutes, dtype=float), np.asarray(avg_hr, dtype=float)
    if not max_hr > rest_hr:
        return np.full(minutes.shape, np.nan)
    reserve = np.clip((avg_hr - rest_hr) / (max_hr - rest_hr), 0.0, 1.0)
    return minutes * reserve * K * np.exp(B * reserve)


def max_hr_of(activities: pd.DataFrame) -> float:
    """The highest heart rate the athlete's files recorded (max, else average); NaN if none."""
    values = [activities[c].to_numpy(dtype=float, na_value=np.nan)
              for c in ("max_heart_rate_bpm", "avg_heart_rate_bpm") if c in activities]
    found = np.concatenate(values) if values else np.array([])
    return float(np.nanmax(found)) if np.isfinite(found).any() else np.nan


def run_loads(runs: pd.DataFrame, activities: pd.DataFrame,
              rest_hr: float = REST_HR_BPM) -> pd.DataFrame:
    """Per run of a run_table: activity_id, local_date, minutes, avg_hr and trimp."""
    heart = activities.drop_duplicates("activity_id").set_index("activity_id")[
        "avg_heart_rate_bpm"].astype("Float64")
    avg_hr = heart.reindex(runs["activity_id"]).to_numpy(dtype=float, na_value=np.nan)
    minutes = runs["time_s"].to_numpy(dtype=float) / 60
    return pd.DataFrame({"activity_id": runs["activity_id"].to_numpy(),
                         "local_date": runs["local_date"].to_numpy(), "minutes": minutes,
                         "avg_hr": avg_hr,
                         "trimp": trimp(minutes, avg_hr, rest_hr, max_hr_of(activities))})


def daily_loads(loads: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Per day of `days`: minutes and trimp summed over the day's runs, rest days 0. Each is
    unknown (NaN) on a day with a run lacking it (no duration, no heart rate), and on every
    day before the first run that has it: a runner whose files never carry heart rate has
    no TRIMP at all, not a TRIMP of 0."""
    days = pd.DatetimeIndex(days)
    by_day = loads.groupby("local_date")
    out = {}
    for name in ("minutes", "trimp"):
        known = by_day[name].count() == by_day[name].size()
        value = by_day[name].sum().where(known).reindex(days)
        first = loads.loc[loads[name].notna(), "local_date"].min()
        started = days >= first if pd.notna(first) else np.zeros(len(days), dtype=bool)
        out[name] = value.where(days.isin(loads["local_date"]), 0.0).where(started)
    return pd.DataFrame(out, index=days)


def weekly_measure(weekly: pd.DataFrame, loads: pd.DataFrame, measure: str,
                   t: Thresholds) -> pd.DataFrame:
    """The weekly chart's data for one MEASURES key: week_start, load (distance in m,
    minutes or TRIMP), its change against the week before in % (not for the week in
    progress or after a week without any), the change band, partial, and the week's pain."""
    if measure == "distance":
        load = weekly["distance_m"].to_numpy(dtype=float)
    else:
        week = loads["local_date"] - pd.to_timedelta(loads["local_date"].dt.day_of_week,
                                                    unit="D")
        summed = loads.groupby(week)[measure].sum(min_count=1)
        load = summed.reindex(weekly["week_start"]).fillna(0.0).to_numpy()
    data = pd.DataFrame({"week_start": weekly["week_start"].to_numpy(), "load": load,
                         "partial": weekly["partial"].to_numpy(), "runs": weekly["runs"].to_numpy(),
                         "pain_max": weekly["pain_max"].to_numpy(),
                         "pain_days": weekly["pain_days"].to_numpy()})
    before = data["load"].shift(1)
    before = before.where((before > 0) & ~data["partial"])
    data["change_pct"] = (data["load"] - before) * 100 / before
    data["band"] = change_band(data["change_pct"], t)
    return data
