"""Turn a reader's RawTrack into one canonical activity row plus its samples.

This is the single place where per-activity metrics are computed, whatever the file format,
so a GPX and a FIT of the same run are measured by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import track
from analysis.ingest import plausible
from analysis.ingest.errors import IngestError
from analysis.ingest.model import ParsedActivity, RawTrack, ReadOptions
from analysis.ingest.sports import guess_sport, movement, normalise_sport
from analysis.schema import FOOT_SPORTS
from analysis.timezones import LocalClock, local_date, offset_in, resolve_clock, zone_at

_VAGUE_SPORTS = {"", "unknown", "generic", "none", "null"}
# A file's own summary (FIT session, TCX laps) stating more than this × what the track
# points cover means the points were cropped or cut: the summary's distance and time win.
CROPPED_BELOW = 1.05
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
    local_clock = None
    if raw.times_are_local and start is not None:
        local_clock = _local_clock(raw, start, options, notes)
        t = t - local_clock.offset_min * 60
        start -= local_clock.offset_min * 60
    timed = bool(np.isfinite(t).any())
    if start is None and raw.file_time is not None and raw.file_time >= plausible.EARLIEST_S:
        start = raw.file_time
        notes.append("the track points carry no real times (placeholders); dated from the "
                     "file's own time, with its route but no moving time")
    if start is None:
        raise IngestError(name, "the track has no usable timestamps, so it cannot be placed "
                                "on a date")

    steps = _distance_steps(raw)
    cumulative = np.cumsum(steps)
    distance = float(cumulative[-1])
    moving = track.moving_mask(t, steps, raw.cadence, settings)
    moving_s = track.moving_time(t, moving) if timed else np.nan
    finite_t = t[np.isfinite(t)]
    stated_elapsed = plausible.stated(raw.elapsed_time_s, plausible.LONGEST_S,
                                      "elapsed time (s)", notes)
    elapsed = stated_elapsed if stated_elapsed is not None else (
        float(finite_t.max() - finite_t.min()) if timed else np.nan)
    stated = plausible.stated(raw.summary_distance_m, plausible.FARTHEST_M, "distance (m)",
                              notes)
    if stated and stated == stated and stated > CROPPED_BELOW * distance:
        if distance > 0:
            notes.append(f"the track points cover {distance / 1000:.2f} km of the "
                         f"{stated / 1000:.2f} km the file's own summary states (a cropped "
                         "or cut recording); using the summary")
        distance = stated
        timer = plausible.stated(raw.timer_time_s, plausible.LONGEST_S, "timer time (s)",
                                 notes)
        if timer is not None and timer == timer:
            moving_s = timer
            elapsed = max(elapsed, timer) if elapsed == elapsed else timer

    sport = _sport(raw, steps, t, moving, notes)
    elevation, elev = _elevation(raw, cumulative, settings, notes)
    cadence_spm, cadence = _cadence(raw, sport.sport, t, moving, notes)
    lat, lon = _first_position(raw)
    start_ts = pd.Timestamp(start, unit="s", tz="UTC")
    clock = local_clock or resolve_clock(start_ts, file_offset_min=raw.file_offset_min,
                                         lat=lat, lon=lon, athlete_tz=options.athlete_tz)
    hr = plausible.heart_rate(raw.heart_rate.astype(float), notes)  # 0 bpm: no sensor
    summary = {
        "activity_id": activity_id,
        "source_file": raw.source_file,
        "source_format": raw.source_format,
        "origin": "file",
        "name": raw.name or "",
        "sport": sport.sport,
        "sport_raw": raw.sport_raw or "",
        "sport_source": sport.source,
        "sport_reason": sport.reason,
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
        # Pauses (auto-pause, stops) are left out, as devices average over timer time.
        "avg_heart_rate_bpm": track.time_weighted_mean(hr, t, moving),
        "max_heart_rate_bpm": float(np.nanmax(hr)) if np.isfinite(hr).any() else np.nan,
        "n_samples": len(t),
        "device": raw.device or "",
        "warnings": "; ".join(notes),
    }
    samples = None
    if options.keep_samples:
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


def _local_clock(raw: RawTrack, local_start: float, options: ReadOptions,
                 notes: list[str]) -> LocalClock:
    """The clock of a file whose times are its local wall clock (zone unstated): the time
    zone at the GPS start, else the athlete's; else none is known and UTC is that local
    time (the local day still holds)."""
    lat, lon = _first_position(raw)
    wall = pd.Timestamp(local_start, unit="s", tz="UTC")
    for zone, source in ((zone_at(lat, lon) if lat is not None and lon is not None else None,
                          "gps"), (options.athlete_tz, "athlete")):
        offset = offset_in(zone, wall) if zone else None
        if offset is not None:  # the offset at the wall-clock time: exact outside DST shifts
            return LocalClock(zone, offset_in(zone, wall - pd.Timedelta(minutes=offset))
                              or offset, source)
    notes.append("the file gives local times only and no time zone is known; start_time "
                 "is that local time")
    return LocalClock("local (zone unknown)", 0.0, "file_local")


def _valid_times(t: np.ndarray, notes: list[str]) -> np.ndarray:
    """Seconds since epoch with placeholder, future and stray timestamps set to NaN."""
    t = t.astype(float).copy()
    bad = np.isfinite(t) & ~plausible.valid_times(t)
    if bad.any():
        t[bad] = np.nan
        notes.append(f"ignored {int(bad.sum())} placeholder or impossible timestamp(s)")
    stray = plausible.stray_times(t)
    if stray.any():
        t[stray] = np.nan
        notes.append(f"ignored {int(stray.sum())} timestamp(s) days away from the rest of the "
                     "track")
    return t


def _first(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite[0]) if len(finite) else None


def _distance_steps(raw: RawTrack) -> np.ndarray:
    """Per-sample distance: the device's own where recorded, else great-circle from GPS."""
    if raw.distance is not None and np.isfinite(raw.distance).sum() >= 2:
        steps = track.steps_from_cumulative(raw.distance)
        # The device's count at the first point is distance already covered (a pool's
        # first length, metres before the first record): the total is the last value.
        steps[0] = max(float(raw.distance[np.isfinite(raw.distance)][0]), 0.0)
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


@dataclass(frozen=True)
class _Sport:
    sport: str
    source: str  # file or guessed (see analysis.schema)
    reason: str


def _sport(raw: RawTrack, steps: np.ndarray, t: np.ndarray, moving: np.ndarray,
           notes: list[str]) -> _Sport:
    """The file's sport, or a guess (said so, with the reason) when the file names none."""
    if raw.sport_raw and raw.sport_raw.strip().lower() not in _VAGUE_SPORTS:
        return _Sport(normalise_sport(raw.sport_raw, raw.sub_sport_raw), "file", "")
    guess = guess_sport(raw.name, movement(t, steps, moving, raw.cadence.astype(float)))
    notes.append(f"the file names no sport; guessed {guess.sport}: {guess.reason}")
    return _Sport(guess.sport, "guessed", guess.reason)


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
    step = track.grid_step(cumulative, settings)
    gain, loss = track.gain_loss(grid, settings.hysteresis_m)
    return ele, {
        "elevation_gain_m": gain,
        "elevation_loss_m": loss,
        "elevation_source": raw.elevation_source,
        "elevation_method": settings.describe(),
        "downhill_5pct_m": track.downhill_distance(grid, step, -0.05),
        "downhill_10pct_m": track.downhill_distance(grid, step, -0.10),
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
    spm = plausible.cadence(cadence * factor, notes)
    return spm, {
        "avg_cadence_spm": track.time_weighted_mean(spm, t, moving),
        "cadence_source": raw.cadence_source or "",
        "cadence_unit_in": "strides_per_min" if factor == 2 else "steps_per_min",
        "cadence_factor": factor,
    }
