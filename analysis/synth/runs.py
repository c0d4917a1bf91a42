"""Generate one run's streams: a wandering route, rolling hills, speed, cadence, heart rate."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.track import EARTH_RADIUS_M


@dataclass
class SynthRun:
    """A generated activity: per-sample arrays, times in seconds from `start` (UTC)."""

    start: pd.Timestamp
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    elevation: np.ndarray
    distance: np.ndarray
    heart_rate: np.ndarray
    cadence_spm: np.ndarray
    sport: str = "run"
    name: str = "Run"

    @property
    def epoch_s(self) -> np.ndarray:
        """Sample times as seconds since the Unix epoch."""
        return self.start.timestamp() + self.t


def synth_run(rng: np.random.Generator, start: pd.Timestamp | str, *,
              duration_s: float = 3600.0, step_s: float = 1.0, speed_mps: float = 2.9,
              hill_m: float = 20.0, lat0: float = 52.37, lon0: float = 4.89,
              cadence_spm: float = 168.0, sport: str = "run", name: str = "Run") -> SynthRun:
    """A run of `duration_s` sampled every `step_s` seconds around (lat0, lon0).

    Elevation rolls with amplitude `hill_m`; the runner slows uphill and speeds up downhill;
    cadence follows speed (about 8 spm per m/s) with noise; heart rate drifts upwards.
    """
    start = pd.Timestamp(start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    t = np.arange(0.0, duration_s + step_s / 2, step_s)
    n = len(t)
    # Elevation as a function of distance: a few smooth waves, so grades stay plausible.
    waves = rng.uniform(400.0, 2500.0, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)

    def ele_at(d: np.ndarray) -> np.ndarray:
        return 30.0 + hill_m * sum(np.sin(2 * np.pi * d / w + p) for w, p in
                                   zip(waves, phases, strict=True)) / 3

    base = speed_mps * (1 + 0.04 * np.sin(2 * np.pi * t / rng.uniform(300, 900)))
    distance = np.zeros(n)
    speed = np.zeros(n)
    for _ in range(2):  # speed depends on grade, which depends on where the runner is
        grade = np.gradient(ele_at(distance)) / np.maximum(np.gradient(distance), 1e-6)
        speed = np.clip(base * (1 - 3.0 * np.clip(grade, -0.1, 0.15)), 0.5, None)
        distance = np.r_[0.0, np.cumsum(speed[1:] * np.diff(t))]
    heading = np.cumsum(rng.normal(0, 0.05, n)) + rng.uniform(0, 2 * np.pi)
    steps = np.diff(distance, prepend=0.0)
    north = np.cumsum(steps * np.cos(heading))
    east = np.cumsum(steps * np.sin(heading))
    lat = lat0 + np.degrees(north / EARTH_RADIUS_M)
    lon = lon0 + np.degrees(east / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))
    cadence = cadence_spm + 8.0 * (speed - speed_mps) + rng.normal(0, 1.5, n)
    heart_rate = 120 + 25 * (1 - np.exp(-t / 600)) + 0.004 * t + rng.normal(0, 1.0, n)
    return SynthRun(start, t, lat, lon, ele_at(distance) + rng.normal(0, 0.3, n), distance,
                    np.round(heart_rate), np.round(cadence), sport, name)


def with_pause(run: SynthRun, at_s: float, for_s: float) -> SynthRun:
    """`run` paused for `for_s` seconds after its sample at `at_s` (auto-pause: the device
    writes nothing meanwhile, so every later sample is `for_s` later)."""
    t = np.where(run.t > at_s, run.t + for_s, run.t)
    return replace(run, t=t)


# A hilly ride's repeating 610 s and 2,400 m: (seconds, speed m/s, cadence rpm); 0 rpm is
# freewheeling downhill.
RIDE_CYCLE = ((300, 2.5, 70.0), (130, 7.5, 0.0), (180, 3.75, 85.0))


def synth_ride(start: pd.Timestamp | str, *, cycles: int = 9,
               cycle: tuple[tuple[int, float, float], ...] = RIDE_CYCLE,
               lat0: float = 52.37, lon0: float = 4.89, name: str = "Ride") -> SynthRun:
    """A ride at 1 s steps repeating `cycle` (by default climbing at 9 km/h, descending at
    27 km/h without pedalling and riding the flat at 13.5 km/h: 9 cycles are 21.6 km in
    5,490 s, 14.2 km/h), heading due east."""
    start = pd.Timestamp(start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    pattern = np.concatenate([np.full(seconds, speed) for seconds, speed, _ in cycle])
    rpm = np.concatenate([np.full(seconds, cadence) for seconds, _, cadence in cycle])
    t = np.arange(0.0, cycles * len(pattern) + 0.5)
    index = np.arange(len(t)) % len(pattern)  # sample i ends the interval i-1 -> i
    speed, cadence = pattern[index], rpm[index]
    distance = np.r_[0.0, np.cumsum(speed[1:])]
    grade = np.where(cadence == 0, -0.045, np.where(speed < 3, 0.05, 0.0))
    elevation = 20.0 + np.r_[0.0, np.cumsum((grade * speed)[1:])]
    lon = lon0 + np.degrees(distance / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))
    return SynthRun(start, t, np.full(len(t), lat0), lon, elevation, distance,
                    np.full(len(t), 130.0), cadence, "ride", name)
