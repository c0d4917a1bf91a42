"""Turn a reader's RawTrack into one canonical activity row plus its samples.

This is the single place where per-activity metrics are computed, whatever the file format,
so a GPX and a FIT of the same run are measured by the same rules.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis import track
from analysis.ingest.errors import IngestError
from analysis.ingest.model import ParsedActivity, RawTrack, ReadOptions
from analysis.ingest.sports import guess_sport, normalise_sport
from analysis.schema import FOOT_SPORTS
from analysis.timezones import local_date, resolve_clock

# Timestamps before the FIT epoch (1989-12-31) are placeholders such as 1901 or 1970.
EARLIEST_VALID_S = 631_065_600.0
_VAGUE_SPORTS = {"", "unknown", "generic", "none", "null"}
# Cadence fields whose documented unit is strides (one foot) per minute; data that
# disagrees is read by its values and flagged.
_STRIDE_FIELDS = {"tcx:RunCadence", "fit:record.cadence", "fit:record.cadence+fractional_cadence"}


def summarise(raw: RawTrack, activity_id: str, options: ReadOptions) -> ParsedActivity:
    """Canonical activity and samples for `raw`; raises IngestError when nothing is usable."""
    name = raw.source_file
    settings = options.track
    notes = list(raw.warnings)
    if len(raw.t) == 0:
        raise IngestError(name, "the file holds no track points")

    t = _valid_times(raw.t, notes)
    start = raw.start_time if raw.start_time is not None else _first(t)
    if start is None:
        raise IngestError(name, "the track has no usable timestamps, so it cannot be placed "
                                "on a date")

    steps = _distance_steps(raw)
    cumulative = np.cumsum(steps)
    distance = float(cumulative[-1])
    moving = track.moving_mask(t, steps, raw.cadence, settings)
    moving_s = track.moving_time(t, moving)
    stated = raw.summary_distance_m
    if stated and stated == stated and (distance == 0 or (raw.incomplete
                                                         and stated > 1.05 * distance)):
        if distance > 0:
            notes.append(f"the readable records cover {distance / 1000:.2f} km of the "
                         f"{stated / 1000:.2f} km the file's summary states; using the summary")
        distance = stated
        moving_s = raw.timer_time_s if raw.timer_time_s == raw.timer_time_s else moving_s
    finite_t = t[np.isfinite(t)]
    elapsed = raw.elapsed_time_s if raw.elapsed_time_s is not None else (
        float(finite_t.max() - finite_t.min()) if len(finite_t) else np.nan)

    sport = _sport(raw, steps, t, moving, notes)
    elevation, elev = _elevation(raw, cumulative, settings, notes)
    cadence_spm, cadence = _cadence(raw, sport, t, moving, notes)
    lat, lon = _first_position(raw)
    clock = resolve_clock(pd.Timestamp(start, unit="s", tz="UTC"),
                          file_offset_min=raw.file_offset_min, lat=lat, lon=lon,
                          athlete_tz=options.athlete_tz)
    start_ts = pd.Timestamp(start, unit="s", tz="UTC")
    hr = np.where(raw.heart_rate > 0, raw.heart_rate, np.nan)  # 0 bpm means no sensor
    all_intervals = np.r_[False, np.isfinite(np.diff(t))]
    summary = {
        "activity_id": activity_id,
        "source_file": raw.source_file,
        "source_format": raw.source_format,
        "origin": "file",
        "name": raw.name or "",
        "sport": sport,
        "sport_raw": raw.sport_raw or "",
        "start_time": start_ts,
        "local_date": local_date(start_ts, clock.offset_min),
        "utc_offset_min": clock.offset_min,
        "tz_name": clock.tz_name,
        "tz_source": clock.source,
        "distance_m": distance,
        "elapsed_time_s": elapsed,
        "moving_time_s": moving_s,
        **elev,
        **cadence,
        "avg_heart_rate_bpm": track.time_weighted_mean(hr, t, all_intervals),
        "max_heart_rate_bpm": float(np.nanmax(hr)) if np.isfinite(hr).any() else np.nan,
        "n_samples": len(t),
        "device": raw.device or "",
        "warnings": "; ".join(notes),
    }
    samples = pd.DataFrame({
        "time": pd.to_datetime(t, unit="s", utc=True).astype("datetime64[ns, UTC]"),
        "lat": raw.lat.astype(float),
        "lon": raw.lon.astype(float),
        "elevation_m": elevation,
        "distance_m": cumulative,
        "cadence_spm": cadence_spm,
        "heart_rate_bpm": hr,
    })
    return ParsedActivity(summary, samples)


def _valid_times(t: np.ndarray, notes: list[str]) -> np.ndarray:
    """Seconds since epoch with placeholder and future timestamps set to NaN."""
    t = t.astype(float).copy()
    bad = np.isfinite(t) & ((t < EARLIEST_VALID_S) | (t > time.time() + 2 * 86400))
    if bad.any():
        t[bad] = np.nan
        notes.append(f"ignored {int(bad.sum())} placeholder or impossible timestamp(s)")
    return t


def _first(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite[0]) if len(finite) else None


def _distance_steps(raw: RawTrack) -> np.ndarray:
    """Per-sample distance: the device's own where recorded, else great-circle from GPS."""
    if raw.distance is not None and np.isfinite(raw.distance).sum() >= 2:
        steps = track.steps_from_cumulative(raw.distance)
        if steps.sum() > 0:
            return steps
    steps = np.zeros(len(raw.t))
    fix = np.isfinite(raw.lat) & np.isfinite(raw.lon)
    if fix.sum() >= 2:
        segment = raw.segment[fix] if raw.segment is not None else None
        steps[np.flatnonzero(fix)] = track.step_distances(raw.lat[fix], raw.lon[fix], segment)
    return steps


def _first_position(raw: RawTrack) -> tuple[float | None, float | None]:
    fix = np.flatnonzero(np.isfinite(raw.lat) & np.isfinite(raw.lon))
    if len(fix) == 0:
        return None, None
    return float(raw.lat[fix[0]]), float(raw.lon[fix[0]])


def _sport(raw: RawTrack, steps: np.ndarray, t: np.ndarray, moving: np.ndarray,
           notes: list[str]) -> str:
    """The file's sport, or a guess (said so) when the file names none."""
    if raw.sport_raw and raw.sport_raw.strip().lower() not in _VAGUE_SPORTS:
        return normalise_sport(raw.sport_raw, raw.sub_sport_raw)
    dt = np.diff(t, prepend=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        speeds = (steps / dt)[moving]
    median = float(np.median(speeds)) if len(speeds) else float("nan")
    sport = guess_sport(raw.name, median)
    notes.append(f"the file names no sport; taken as {sport} from its name or speed")
    return sport


def _elevation(raw: RawTrack, cumulative: np.ndarray, settings: track.TrackSettings,
               notes: list[str]) -> tuple[np.ndarray, dict]:
    """Cleaned elevation samples and the elevation columns of the summary."""
    ele, repairs = track.clean_elevation(raw.elevation, settings)
    notes.extend(repairs)
    if not np.isfinite(ele).any():
        return ele, {"elevation_gain_m": np.nan, "elevation_loss_m": np.nan,
                     "elevation_source": "none", "elevation_method": "",
                     "downhill_5pct_m": np.nan, "downhill_10pct_m": np.nan}
    grid = track.elevation_on_grid(cumulative, ele, settings)
    gain, loss = track.gain_loss(grid, settings.hysteresis_m)
    return ele, {
        "elevation_gain_m": gain,
        "elevation_loss_m": loss,
        "elevation_source": raw.elevation_source,
        "elevation_method": settings.describe(),
        "downhill_5pct_m": track.downhill_distance(grid, settings.grid_m, -0.05),
        "downhill_10pct_m": track.downhill_distance(grid, settings.grid_m, -0.10),
    }


def _cadence(raw: RawTrack, sport: str, t: np.ndarray, moving: np.ndarray,
             notes: list[str]) -> tuple[np.ndarray, dict]:
    """Cadence samples in steps/min and the cadence columns (foot sports only)."""
    empty = {"avg_cadence_spm": np.nan, "cadence_source": "", "cadence_unit_in": "",
             "cadence_factor": np.nan}
    cadence = raw.cadence.astype(float)
    if sport not in FOOT_SPORTS:
        if np.nan_to_num(cadence).any():
            notes.append(f"cadence left out: {sport} is not a foot sport")
        return np.full(len(cadence), np.nan), empty
    factor = track.cadence_factor(cadence, moving, sport)
    if factor is None:
        return np.full(len(cadence), np.nan), empty
    if raw.cadence_source in _STRIDE_FIELDS and factor == 1:
        notes.append(f"{raw.cadence_source} looks like steps per minute although the format "
                     "documents strides; read as steps")
    spm = cadence * factor
    spm[spm <= 0] = np.nan
    return spm, {
        "avg_cadence_spm": track.time_weighted_mean(spm, t, moving),
        "cadence_source": raw.cadence_source or "",
        "cadence_unit_in": "strides_per_min" if factor == 2 else "steps_per_min",
        "cadence_factor": factor,
    }
