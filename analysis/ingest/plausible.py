"""What a real activity can be: limits per sport family, defined once and listed in README.

A value outside them comes from a damaged file or a parsing accident, never from a run:
heart rate and cadence outside are dropped (the sample or the average) with a note; an
activity whose date, distance, duration or speed lies outside is refused with a message
saying which limit it broke. A file fails only when none of its activities remain.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.model import FileResult, ParsedActivity
from analysis.schema import FOOT_SPORTS, sport_family

EARLIEST_S = 631_152_000.0  # 1990-01-01 UTC: earlier times are placeholders (1901, 1970)
FUTURE_S = 86_400.0  # up to a day ahead of this computer's clock (time zones, clock drift)
HEART_RATE_BPM = (25.0, 250.0)
CADENCE_SPM = (1.0, 300.0)  # steps per minute, foot sports; 0 means standing or no sensor
ELEVATION_M = (0.0, 30_000.0)  # an activity's ascent or descent (the longest races: ~25 km)
CRC_NOTE = "checksum (CRC)"  # how the FIT reader's warning of a damaged file begins


@dataclass(frozen=True)
class FamilyLimits:
    """Upper bounds for one activity of a sport family."""

    speed_kmh: float  # distance ÷ moving time (elapsed time when there is none)
    distance_km: float
    duration_h: float  # elapsed and moving time


LIMITS = {
    "run": FamilyLimits(speed_kmh=40.0, distance_km=1000.0, duration_h=240.0),
    "walk": FamilyLimits(speed_kmh=40.0, distance_km=1000.0, duration_h=240.0),
    "ride": FamilyLimits(speed_kmh=120.0, distance_km=2000.0, duration_h=240.0),
    "other": FamilyLimits(speed_kmh=300.0, distance_km=2000.0, duration_h=240.0),
}
LONGEST_S = max(limit.duration_h for limit in LIMITS.values()) * 3600.0
FARTHEST_M = max(limit.distance_km for limit in LIMITS.values()) * 1000.0


class Implausible(ValueError):
    """An activity that cannot be real; the message says which limit it broke."""


def latest_s() -> float:
    """The latest plausible time (epoch seconds): tomorrow, on this computer's clock."""
    return time.time() + FUTURE_S


def valid_times(t: np.ndarray) -> np.ndarray:
    """Which finite times lie in 1990 .. tomorrow."""
    return np.isfinite(t) & (t >= EARLIEST_S) & (t <= latest_s())


def stray_times(t: np.ndarray) -> np.ndarray:
    """Times further from the track's median time than any activity lasts (one point of a
    2024 run dated 2016): these are damaged, not the run."""
    finite = np.isfinite(t)
    if not finite.any():
        return finite
    middle = float(np.median(t[finite]))
    return finite & (np.abs(t - middle) > LONGEST_S)


def stated(value: float | None, highest: float, what: str, notes: list[str]) -> float | None:
    """A total the file's own summary states, or None (said in `notes`) when no activity
    of any sport can have it (a damaged FIT session): the track points decide instead."""
    if value is None or value != value or 0 <= value <= highest:
        return value
    notes.append(f"ignored the file's stated {what} of {value:,.0f}: impossible")
    return None


def heart_rate(bpm: np.ndarray, notes: list[str]) -> np.ndarray:
    """Heart-rate samples with 0 (no sensor) and values outside the limits set to NaN."""
    bpm = np.where(bpm > 0, bpm, np.nan)
    return _within(bpm, HEART_RATE_BPM, "heart-rate sample(s)", notes)


def cadence(spm: np.ndarray, notes: list[str]) -> np.ndarray:
    """Cadence samples (steps/min) outside the limits, and 0, set to NaN."""
    spm = np.where(spm > 0, spm, np.nan)
    return _within(spm, CADENCE_SPM, "cadence sample(s)", notes)


def _within(values: np.ndarray, bounds: tuple[float, float], what: str,
            notes: list[str]) -> np.ndarray:
    low, high = bounds
    with np.errstate(invalid="ignore"):
        outside = ~np.isnan(values) & ((values < low) | (values > high))
    if outside.any():
        values = np.where(outside, np.nan, values)
        notes.append(f"dropped {int(outside.sum())} {what} outside {low:g}–{high:g}")
    return values


def check(summary: dict[str, Any]) -> list[str]:
    """Raise Implausible for an activity that cannot be real; else drop the summary values
    outside the limits (in place) and return notes saying which."""
    family = sport_family(summary.get("sport"))
    limits = LIMITS[family]
    _check_start(summary.get("start_time"))
    distance = _number(summary.get("distance_m"))
    elapsed = _number(summary.get("elapsed_time_s"))
    moving = _number(summary.get("moving_time_s"))
    if distance is not None and not 0 <= distance <= limits.distance_km * 1000:
        raise Implausible(f"a distance of {_amount(distance / 1000)} km (a {family} is at "
                          f"most {limits.distance_km:g} km)")
    for label, seconds in (("elapsed", elapsed), ("moving", moving)):
        if seconds is not None and not 0 <= seconds <= limits.duration_h * 3600:
            raise Implausible(f"an {label} time of {_amount(seconds / 3600)} h (a {family} "
                              f"lasts at most {limits.duration_h:g} h)")
    duration = moving or elapsed
    if distance and duration and distance / duration * 3.6 > limits.speed_kmh:
        raise Implausible(f"{distance / 1000:.1f} km in {duration:.0f} s, "
                          f"{distance / duration * 3.6:.0f} km/h (a {family} averages at "
                          f"most {limits.speed_kmh:g} km/h)")
    notes = []
    for column in ("avg_heart_rate_bpm", "max_heart_rate_bpm"):
        notes += _drop(summary, column, HEART_RATE_BPM)
    if summary.get("sport") in FOOT_SPORTS:
        notes += _drop(summary, "avg_cadence_spm", CADENCE_SPM)
    for column in ("elevation_gain_m", "elevation_loss_m"):
        notes += _drop(summary, column, ELEVATION_M)
    for column, value in summary.items():  # no other number can be infinite either
        if isinstance(value, float) and math.isinf(value):
            summary[column] = np.nan
            notes.append(f"{column} of {value:g} dropped")
    return notes


def _check_start(start: Any) -> None:
    if start is None or pd.isna(start):
        return
    seconds = pd.Timestamp(start).timestamp()
    if not EARLIEST_S <= seconds <= latest_s():
        raise Implausible(f"a start on {pd.Timestamp(start):%Y-%m-%d} (before 1990 or in the "
                          "future)")


def _number(value: Any) -> float | None:
    """A float, None when missing; infinity stays (and breaks every limit)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return float(value)


def _amount(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) else str(value)


def _drop(summary: dict[str, Any], column: str, bounds: tuple[float, float]) -> list[str]:
    value = _number(summary.get(column))
    if value is None or bounds[0] <= value <= bounds[1]:
        return []
    summary[column] = np.nan
    return [f"{column} of {value:g} dropped (outside {bounds[0]:g}–{bounds[1]:g})"]


def screen(result: FileResult) -> FileResult:
    """`result` without its impossible activities, each refusal said in its warnings; the
    file fails when none remain (a damaged FIT file is named so)."""
    kept: list[ParsedActivity] = []
    refusals = []
    for activity in result.activities:
        try:
            notes = check(activity.summary)
        except Implausible as exc:
            refusals.append(str(exc))
            continue
        if notes:
            earlier = activity.summary.get("warnings") or ""
            activity.summary["warnings"] = "; ".join([earlier, *notes] if earlier else notes)
        kept.append(activity)
    if not refusals:
        return result
    damaged = any(CRC_NOTE in (a.summary.get("warnings") or "") for a in result.activities)
    reason = ("refused: " + ("the file fails its checksum (damaged) and " if damaged else "")
              + "its numbers are impossible: " + "; ".join(refusals))
    result.activities = kept
    if kept:
        result.warnings.append(f"{len(refusals)} of its activities {reason}")
    elif result.error is None:
        result.error = reason
    return result
