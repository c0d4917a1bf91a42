"""Per-activity metrics from a track's samples: distance, moving time, elevation, grade, cadence.

All functions take numpy arrays (one value per sample, NaN where missing) and are vectorised;
the only Python loop runs over the few elevation turning points left after smoothing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
# Grades within this of a threshold count as reaching it (floating-point noise on a grid).
GRADE_TOLERANCE = 1e-9
# Below these medians a cadence field counts strides (one foot) per minute, not steps.
PER_LEG_BELOW_SPM = {"run": 120.0, "walk": 80.0}
# The elevation grid never holds more than this many cells per track point (plus a floor):
# 10 m cells over one point a second cover 50 km/h; a file cannot make it allocate more.
GRID_CELLS_PER_POINT = 50
GRID_CELLS_MIN = 10_000


@dataclass(frozen=True)
class TrackSettings:
    """Tunable rules for turning samples into metrics; defaults are documented in the README."""

    hysteresis_m: float = 3.0  # climb/descent smaller than this is noise (GoldenCheetah: 3 m)
    grid_m: float = 10.0  # elevation is resampled on this distance grid
    smoothing_m: float = 50.0  # centred moving average over this distance
    spike_m: float = 25.0  # a point this far from its neighbours' median is a spike
    stopped_speed_mps: float = 0.3  # slower than this counts as standing (1.08 km/h)
    max_gap_s: float = 60.0  # longer gaps between samples are pauses or GPS loss

    def describe(self) -> str:
        """The elevation method in one line, stored with every activity."""
        return (f"despike {self.spike_m:g} m, {self.smoothing_m:g} m moving average on a "
                f"{self.grid_m:g} m grid, {self.hysteresis_m:g} m hysteresis")


DEFAULT_SETTINGS = TrackSettings()


def step_distances(lat: np.ndarray, lon: np.ndarray, segment: np.ndarray | None = None
                   ) -> np.ndarray:
    """Great-circle distance from the previous sample (0 for the first, across segments or gaps)."""
    n = len(lat)
    steps = np.zeros(n)
    if n < 2:
        return steps
    la = np.radians(lat)
    lo = np.radians(lon)
    dlat = np.diff(la)
    dlon = np.diff(lo)
    a = np.sin(dlat / 2) ** 2 + np.cos(la[:-1]) * np.cos(la[1:]) * np.sin(dlon / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    if segment is not None:
        d[np.diff(segment) != 0] = 0.0
    steps[1:] = np.nan_to_num(d, nan=0.0)
    return steps


def steps_from_cumulative(cumulative: np.ndarray) -> np.ndarray:
    """Per-sample increments of a device's cumulative distance (gaps bridged, resets ignored)."""
    filled = _fill_forward(cumulative)
    steps = np.diff(filled, prepend=filled[0] if len(filled) else 0.0)
    steps[~np.isfinite(steps) | (steps < 0)] = 0.0
    return steps


def _fill_forward(values: np.ndarray) -> np.ndarray:
    """Forward-fill NaNs (leading NaNs become the first finite value)."""
    valid = np.isfinite(values)
    if valid.all() or not valid.any():
        return values.astype(float)
    idx = np.where(valid, np.arange(len(values)), 0)
    np.maximum.accumulate(idx, out=idx)
    out = values[idx].astype(float)
    out[: np.argmax(valid)] = values[np.argmax(valid)]
    return out


def moving_mask(t: np.ndarray, steps: np.ndarray, cadence: np.ndarray | None,
                settings: TrackSettings = DEFAULT_SETTINGS) -> np.ndarray:
    """Which intervals (sample i-1 → i) count as moving; index 0 is always False.

    An interval moves when it is shorter than `max_gap_s` and faster than `stopped_speed_mps`;
    tracks without any distance fall back to a cadence above zero.
    """
    dt = np.diff(t, prepend=np.nan)
    ok = np.isfinite(dt) & (dt > 0) & (dt <= settings.max_gap_s)
    if np.nansum(steps) > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            fast = steps / dt >= settings.stopped_speed_mps
        return ok & fast
    if cadence is not None and np.any(cadence > 0):
        return ok & (np.nan_to_num(cadence) > 0)
    return ok


def moving_time(t: np.ndarray, moving: np.ndarray) -> float:
    """Seconds spent in moving intervals."""
    dt = np.diff(t, prepend=np.nan)
    return float(np.nansum(np.where(moving, dt, 0.0)))


def clean_elevation(ele: np.ndarray, settings: TrackSettings = DEFAULT_SETTINGS
                    ) -> tuple[np.ndarray, list[str]]:
    """Elevation with placeholders and spikes removed and the holes interpolated.

    Placeholders: exact zeros in a track whose median lies far from sea level (devices
    write 0 m before the first fix). Spikes: points more than `spike_m` from the median of
    their nine neighbours.
    """
    notes: list[str] = []
    ele = ele.astype(float).copy()
    valid = np.isfinite(ele)
    if valid.sum() < 2:
        return np.full_like(ele, np.nan), notes
    median = float(np.median(ele[valid]))
    zeros = valid & (ele == 0.0)
    if zeros.any() and abs(median) > 50:
        ele[zeros] = np.nan
        notes.append(f"ignored {int(zeros.sum())} placeholder elevation(s) of 0 m")
    local = _rolling_median(ele, 9)
    spikes = np.isfinite(ele) & (np.abs(ele - local) > settings.spike_m)
    if spikes.any():
        ele[spikes] = np.nan
        notes.append(f"removed {int(spikes.sum())} elevation spike(s)")
    valid = np.isfinite(ele)
    if valid.sum() < 2:
        return np.full_like(ele, np.nan), notes
    idx = np.arange(len(ele))
    ele = np.interp(idx, idx[valid], ele[valid])
    return ele, notes


def _rolling_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median; NaNs are ignored (edges use what is there)."""
    half = window // 2
    if np.isfinite(values).all():  # the common case: the plain median is much faster
        padded = np.pad(values, half, mode="edge")
        return np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)
    padded = np.pad(values, half, mode="constant", constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN
        return np.nanmedian(windows, axis=1)


def grid_step(distance: np.ndarray, settings: TrackSettings = DEFAULT_SETTINGS) -> float:
    """Spacing of the elevation grid: `grid_m`, widened when the stated distance would need
    more than GRID_CELLS_PER_POINT cells per point, so memory follows the number of points,
    never a distance read from the file."""
    total = float(distance[-1]) if len(distance) else 0.0
    cells = GRID_CELLS_PER_POINT * len(distance) + GRID_CELLS_MIN
    if not np.isfinite(total) or total <= settings.grid_m * cells:
        return settings.grid_m
    return total / cells


def elevation_on_grid(distance: np.ndarray, ele: np.ndarray,
                      settings: TrackSettings = DEFAULT_SETTINGS) -> np.ndarray:
    """Elevation resampled every `grid_step` metres of distance and smoothed over
    `smoothing_m`."""
    total = float(distance[-1]) if len(distance) else 0.0
    if not np.isfinite(total) or total < settings.grid_m:
        return ele[np.isfinite(ele)]
    step = grid_step(distance, settings)
    grid = np.arange(0.0, total + step / 2, step)
    # np.interp needs increasing x: keep the last sample of each distance value.
    keep = np.r_[np.diff(distance) > 0, True]
    on_grid = np.interp(grid, distance[keep], ele[keep])
    cells = max(1, round(settings.smoothing_m / step))
    if cells > 1 and len(on_grid) > cells:
        kernel = np.ones(cells) / cells
        padded = np.pad(on_grid, (cells // 2, cells - 1 - cells // 2), mode="edge")
        on_grid = np.convolve(padded, kernel, mode="valid")
    return on_grid


def gain_loss(ele: np.ndarray, threshold_m: float) -> tuple[float, float]:
    """Total ascent and descent counting only swings larger than `threshold_m` (hysteresis)."""
    ele = ele[np.isfinite(ele)]
    if len(ele) < 2:
        return 0.0, 0.0
    turning = _turning_points(ele)
    gain = loss = 0.0
    low = high = anchor = extreme = turning[0]
    direction = 0  # 0 until the first swing beyond the threshold, then +1 up / -1 down
    for value in turning[1:]:
        if direction == 0:
            low, high = min(low, value), max(high, value)
            if value - low >= threshold_m:
                anchor, extreme, direction = low, value, 1
            elif high - value >= threshold_m:
                anchor, extreme, direction = high, value, -1
        elif direction > 0:
            if value > extreme:
                extreme = value
            elif value <= extreme - threshold_m:
                gain += extreme - anchor
                anchor, extreme, direction = extreme, value, -1
        elif value < extreme:
            extreme = value
        elif value >= extreme + threshold_m:
            loss += anchor - extreme
            anchor, extreme, direction = extreme, value, 1
    if direction > 0:
        gain += extreme - anchor
    elif direction < 0:
        loss += anchor - extreme
    return float(gain), float(loss)


def _turning_points(ele: np.ndarray) -> list[float]:
    """First, last and every local extremum of `ele` (flat runs collapsed)."""
    changes = np.r_[True, np.diff(ele) != 0]
    ele = ele[changes]
    if len(ele) < 3:
        return ele.tolist()
    d = np.sign(np.diff(ele))
    extrema = np.where(d[1:] != d[:-1])[0] + 1
    return ele[np.r_[0, extrema, len(ele) - 1]].tolist()


def downhill_distance(grid_ele: np.ndarray, grid_m: float, grade: float) -> float:
    """Metres of the grid whose grade is `grade` or steeper downhill (grade < 0)."""
    if len(grid_ele) < 2:
        return 0.0
    grades = np.diff(grid_ele) / grid_m
    return float(np.count_nonzero(grades <= grade + GRADE_TOLERANCE) * grid_m)


def cadence_factor(cadence: np.ndarray, moving: np.ndarray, sport: str) -> float | None:
    """2 when the field counts strides (one foot) per minute, 1 for steps; None if no cadence.

    Decided from the data (median moving cadence against a sport-specific bound), because the
    same field holds strides in Garmin files and steps in Strava's.
    """
    values = cadence[moving & (np.nan_to_num(cadence) > 0)]
    if len(values) == 0:
        values = cadence[np.nan_to_num(cadence) > 0]
    if len(values) == 0:
        return None
    bound = PER_LEG_BELOW_SPM["walk" if sport in ("walk", "hike") else "run"]
    return 2.0 if float(np.median(values)) < bound else 1.0


def time_weighted_mean(values: np.ndarray, t: np.ndarray, mask: np.ndarray) -> float:
    """Mean of `values` over the masked intervals, weighted by their duration.

    Falls back to the plain mean of positive values when the track has no usable times.
    """
    dt = np.diff(t, prepend=np.nan)
    use = mask & np.isfinite(values) & (values > 0) & np.isfinite(dt) & (dt > 0)
    if use.any():
        return float(np.average(values[use], weights=dt[use]))
    positive = values[np.isfinite(values) & (values > 0)]
    return float(positive.mean()) if len(positive) else float("nan")
