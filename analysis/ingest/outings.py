"""Split a file's tracks into outings: a GPX holding several days is several activities.

Tracks (or segments) that start on another local day than the previous one ended, or more
than SPLIT_GAP_S after it, are separate activities; the elevation step between them is
then no descent, and a file with tracks from 2007 and 2009 is not a 2.3-year walk.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.ingest.model import RawTrack, ReadOptions
from analysis.ingest.plausible import EARLIEST_S
from analysis.timezones import resolve_clock

SPLIT_GAP_S = 3 * 3600.0  # "a few hours": longer breaks between tracks end an outing
_PER_SAMPLE = ("t", "lat", "lon", "elevation", "heart_rate", "cadence", "distance", "segment")
_WHOLE_FILE = ("summary_distance_m", "timer_time_s", "elapsed_time_s", "start_time")


def split_outings(raw: RawTrack, options: ReadOptions) -> list[RawTrack]:
    """`raw` cut at every segment boundary that starts a new outing (one part if none)."""
    if raw.segment is None or len(raw.t) == 0:
        return [raw]
    starts = np.flatnonzero(np.diff(raw.segment) != 0) + 1
    if len(starts) == 0:
        return [raw]
    t = np.where(raw.t >= EARLIEST_S, raw.t, np.nan)
    day = _local_days(raw, t, options)
    cuts = [0]
    last_time = last_day = np.nan
    for begin, end in zip([0, *starts], [*starts, len(t)], strict=True):
        timed = np.flatnonzero(np.isfinite(t[begin:end])) + begin
        if len(timed) == 0:
            continue
        first = timed[0]
        if last_time == last_time and (t[first] - last_time > SPLIT_GAP_S
                                       or day[first] != last_day):
            cuts.append(begin)
        last_time, last_day = t[timed[-1]], day[timed[-1]]
    if len(cuts) == 1:
        return [raw]
    bounds = [*cuts, len(t)]
    return [_part(raw, lo, hi, number, len(cuts))
            for number, (lo, hi) in enumerate(itertools.pairwise(bounds), 1)]


def _local_days(raw: RawTrack, t: np.ndarray, options: ReadOptions) -> np.ndarray:
    """Local calendar day number of each sample, on the clock at the file's first time."""
    timed = np.flatnonzero(np.isfinite(t))
    if len(timed) == 0:
        return np.zeros(len(t))
    fixed = np.flatnonzero(np.isfinite(raw.lat) & np.isfinite(raw.lon))
    lat, lon = (float(raw.lat[fixed[0]]), float(raw.lon[fixed[0]])) if len(fixed) else (
        None, None)
    clock = resolve_clock(pd.Timestamp(t[timed[0]], unit="s", tz="UTC"),
                          file_offset_min=raw.file_offset_min, lat=lat, lon=lon,
                          athlete_tz=options.athlete_tz)
    return np.floor((t + clock.offset_min * 60) / 86400)


def _part(raw: RawTrack, lo: int, hi: int, number: int, count: int) -> RawTrack:
    """Samples lo..hi-1 of `raw` as an outing of their own, named after their first track."""
    cut = {name: getattr(raw, name)[lo:hi] for name in _PER_SAMPLE
           if getattr(raw, name) is not None}
    first_segment = int(raw.segment[lo]) - 1
    name, sport = (raw.segment_labels[first_segment]
                   if 0 <= first_segment < len(raw.segment_labels) else (None, None))
    whole = dict.fromkeys(_WHOLE_FILE)  # the file's own totals belong to no single part
    return replace(raw, **cut, **whole, name=name or raw.name, sport_raw=sport or raw.sport_raw,
                   id_suffix=f"{raw.id_suffix}-{number}",
                   warnings=[*raw.warnings, f"outing {number} of {count} in this file (its "
                             "tracks lie on different days or hours apart)"])
