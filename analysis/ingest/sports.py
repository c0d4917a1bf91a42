"""Map the many ways files name a sport onto kneeload's seven sports, and guess the sport of
a file that names none (said so, with the reason, for the runner to confirm)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Keys are lower-case with spaces, dashes and slashes turned into underscores.
_SPORTS: dict[str, str] = {
    # running
    "run": "run", "running": "run", "street": "run", "road_running": "run", "track": "run",
    "track_running": "run", "running_track": "run", "ultra_running": "run", "ultra_run": "run",
    "virtual_run": "treadmill_run", "virtualrun": "treadmill_run", "lauf": "run",
    "laufen": "run", "jogging": "run", "9": "run",
    "trail": "trail_run", "trail_run": "trail_run", "trail_running": "trail_run",
    "trailrun": "trail_run", "traillauf": "trail_run", "running_trail": "trail_run",
    "treadmill": "treadmill_run", "treadmill_running": "treadmill_run",
    "indoor_running": "treadmill_run", "running_treadmill": "treadmill_run",
    "running_indoor_running": "treadmill_run", "laufband": "treadmill_run",
    "wheelchair_push_run": "other",
    # walking and hiking
    "walk": "walk", "walking": "walk", "casual_walking": "walk", "speed_walking": "walk",
    "indoor_walking": "walk", "spaziergang": "walk", "gehen": "walk", "10": "walk",
    "hike": "hike", "hiking": "hike", "wanderung": "hike", "wandern": "hike",
    "mountaineering": "hike", "4": "hike",
    # riding
    "ride": "ride", "biking": "ride", "cycling": "ride", "road_biking": "ride",
    "mountain_biking": "ride", "virtual_ride": "ride", "virtualride": "ride", "e_bike_ride": "ride",
    "ebikeride": "ride", "gravel_ride": "ride", "mountain_bike_ride": "ride", "radfahrt": "ride",
    "indoor_cycling": "ride", "e_biking": "ride", "1": "ride",
}


def _key(raw: str) -> str:
    return re.sub(r"[\s\-/]+", "_", raw.strip().lower())


def normalise_sport(raw: str | None, sub: str | None = None) -> str:
    """kneeload sport for a raw sport (and optional sub-sport such as FIT's 'treadmill')."""
    if sub:
        combined = _SPORTS.get(_key(f"{raw}_{sub}"))
        if combined:
            return combined
        sub_sport = _SPORTS.get(_key(sub))
        base = _SPORTS.get(_key(raw or ""))
        if base == "run" and sub_sport in ("trail_run", "treadmill_run"):
            return sub_sport
        if base:
            return base
    if not raw:
        return "other"
    return _SPORTS.get(_key(raw), "other")


@dataclass(frozen=True)
class SportGuess:
    """A sport kneeload chose for a file that names none, and why."""

    sport: str
    reason: str


# Running cadence in steps per minute (both feet): below it people walk, above it sprint.
RUN_CADENCE_SPM = (150.0, 200.0)
STROKES_BELOW = 45.0  # a cadence field below this per minute counts strokes (paddle, swim)
PER_LEG_BELOW = 120.0  # below this a foot cadence counts one foot (strides): doubled
WALK_BELOW_MPS = 1.8  # 6.5 km/h: a median moving speed below this is walking
RIDE_ABOVE_MPS = 6.0  # 21.6 km/h: a median moving speed above this is not running
RUNNER_MINUTE_MPS = 7.0  # 25 km/h held for two minutes: beyond amateur running
UNSTEADY_RATIO = 2.5  # fastest tenth of minutes ÷ slowest tenth, beyond a run's variation
COASTING_MPS = 2.5  # faster than this with cadence 0 is freewheeling
COASTING_SHARE = 0.05  # share of moving time freewheeling that makes it a ride
MIN_DISTANCE_M = 100.0  # a track that moved less than this is no run


@dataclass(frozen=True)
class Movement:
    """What a track shows of how it was done: the inputs of guess_sport."""

    distance_m: float
    median_speed_mps: float  # over moving intervals, NaN when there are none
    minute_speeds_mps: np.ndarray  # mean speed of each full minute of moving time
    cadence: float  # median moving cadence above 0 as the file writes it, NaN if none
    coasting_share: float  # share of moving time faster than COASTING_MPS with cadence 0


def movement(t: np.ndarray, steps: np.ndarray, moving: np.ndarray,
             cadence: np.ndarray) -> Movement:
    """The measures guess_sport uses, from a track's per-sample arrays."""
    dt = np.diff(t, prepend=np.nan)
    used = moving & np.isfinite(dt) & (dt > 0)
    dt, run, cad = dt[used], steps[used], cadence[used]
    speeds = run / dt
    clock = np.r_[0.0, np.cumsum(dt)]
    minutes = np.arange(0.0, clock[-1] + 1e-9, 60.0)
    covered = np.interp(minutes, clock, np.r_[0.0, np.cumsum(run)])
    has_cadence = len(cad) > 0 and np.isfinite(cad).sum() >= 0.5 * len(cad)
    turning = cad[np.nan_to_num(cad) > 0]
    coasting = (np.nan_to_num(cad) == 0) & (speeds > COASTING_MPS)
    return Movement(
        distance_m=float(np.nansum(steps)),
        median_speed_mps=float(np.median(speeds)) if len(speeds) else np.nan,
        minute_speeds_mps=np.diff(covered) / 60.0,
        cadence=float(np.median(turning)) if has_cadence and len(turning) else np.nan,
        coasting_share=float(dt[coasting].sum() / dt.sum()) if has_cadence else 0.0,
    )


def _kmh(mps: float) -> str:
    return f"{mps * 3.6:.1f} km/h"


def guess_sport(name: str | None, seen: Movement) -> SportGuess:
    """The sport of a file that names none: from its name, else from how it moved.

    Rules in order: under MIN_DISTANCE_M moved is 'other'; a name saying run/ride/hike/walk;
    no usable times, or a cadence under 45/min (strokes), is 'other'; cadence stopping above
    9 km/h (freewheeling) for 5 % of the time, a median moving speed above 21.6 km/h or two
    minutes held above 25 km/h is a ride; a running cadence (150–200 steps/min, strides
    doubled) at 6.5 km/h or more is a run; a median speed under 6.5 km/h is a walk; minutes
    varying more than 2.5-fold (fastest tenth ÷ slowest tenth) is a ride; else a run.
    """
    if not seen.distance_m >= MIN_DISTANCE_M:
        return SportGuess("other", f"it moved only {seen.distance_m:.0f} m")
    words = _key(name or "")
    for pattern, sport in ((r"trail", "trail_run"), (r"run|lauf|jog", "run"),
                           (r"ride|bike|cycl|rad", "ride"), (r"hike|wander", "hike"),
                           (r"walk|spazier", "walk")):
        if re.search(pattern, words):
            return SportGuess(sport, f"its name {name!r} says so")
    speed = seen.median_speed_mps
    if speed != speed:
        return SportGuess("other", "no usable times, so no speed to tell it by")
    cadence = seen.cadence
    if cadence < STROKES_BELOW:
        return SportGuess("other", f"cadence {cadence:.0f}/min is a stroke rate (paddling, "
                                   "rowing, swimming), neither steps nor pedalling")
    if seen.coasting_share >= COASTING_SHARE:
        return SportGuess("ride", f"cadence stops while moving above {_kmh(COASTING_MPS)} "
                                  f"for {seen.coasting_share:.0%} of the time (freewheeling)")
    minutes = seen.minute_speeds_mps
    fastest = float(np.sort(minutes)[-2]) if len(minutes) >= 2 else speed  # 2nd: not a GPS jump
    if speed > RIDE_ABOVE_MPS or fastest > RUNNER_MINUTE_MPS:
        return SportGuess("ride", f"median moving speed {_kmh(speed)}, two minutes at "
                                  f"{_kmh(fastest)} or more: faster than running")
    steps = cadence * 2 if cadence < PER_LEG_BELOW else cadence
    low, high = RUN_CADENCE_SPM
    if low <= steps <= high and speed >= WALK_BELOW_MPS:
        return SportGuess("run", f"cadence {steps:.0f} steps/min is running's "
                                 f"{low:.0f}–{high:.0f}, at {_kmh(speed)}")
    if speed < WALK_BELOW_MPS:
        return SportGuess("walk", f"median moving speed {_kmh(speed)} is walking pace")
    spread = (float(np.percentile(minutes, 90) / np.percentile(minutes, 10))
              if len(minutes) >= 5 and np.percentile(minutes, 10) > 0 else 1.0)
    if spread > UNSTEADY_RATIO:
        return SportGuess("ride", f"speed varies {spread:.1f}-fold between its minutes "
                                  f"(median {_kmh(speed)}), more than running does")
    return SportGuess("run", f"{_kmh(speed)}, minutes within {spread:.1f}-fold of each "
                             "other" + (f", cadence {steps:.0f} steps/min" if steps == steps
                                        else ", no cadence"))
