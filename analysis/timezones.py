"""Which clock a run belongs to: the file's offset, the time zone at its GPS start, or the
athlete's setting — in that order, and always saying which one was used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

# Real UTC offsets lie between −12 h and +14 h; a file stating more is wrong, not exotic.
MAX_OFFSET_MIN = 14 * 60


@dataclass(frozen=True)
class LocalClock:
    """Offset from UTC at the start of an activity and where it came from."""

    tz_name: str
    offset_min: float
    source: str  # file, csv_local, gps, athlete, default_utc


def fixed_name(offset_min: float) -> str:
    """'UTC+02:00'-style name for a fixed offset."""
    sign = "-" if offset_min < 0 else "+"
    minutes = round(abs(offset_min))
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@lru_cache(maxsize=1)
def _finder():  # type: ignore[no-untyped-def]
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(lat: float, lon: float) -> str | None:
    """IANA zone at a position (offline lookup), or None at sea / without a fix."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return _finder().timezone_at(lat=lat, lng=lon)


def offset_in(tz_name: str, when: pd.Timestamp) -> float | None:
    """Offset of IANA zone `tz_name` from UTC at `when`, in minutes (None if unknown zone)."""
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    delta = when.to_pydatetime(warn=False).astimezone(zone).utcoffset() or timedelta(0)
    return delta.total_seconds() / 60


def resolve_clock(start_utc: pd.Timestamp, *, file_offset_min: float | None = None,
                  lat: float | None = None, lon: float | None = None,
                  athlete_tz: str | None = None) -> LocalClock:
    """The local clock for an activity starting at `start_utc`, by the documented order (a
    file offset beyond ±14 h is no real one and is passed over)."""
    if file_offset_min is not None and abs(file_offset_min) <= MAX_OFFSET_MIN:
        rounded = round(file_offset_min / 15) * 15  # offsets come in quarter hours
        if lat is not None and lon is not None:
            zone = zone_at(lat, lon)
            if zone and offset_in(zone, start_utc) == rounded:
                return LocalClock(zone, rounded, "file")
        return LocalClock(fixed_name(rounded), rounded, "file")
    if lat is not None and lon is not None and lat == lat and lon == lon:
        zone = zone_at(lat, lon)
        if zone:
            offset = offset_in(zone, start_utc)
            if offset is not None:
                return LocalClock(zone, offset, "gps")
    if athlete_tz:
        offset = offset_in(athlete_tz, start_utc)
        if offset is not None:
            return LocalClock(athlete_tz, offset, "athlete")
    return LocalClock("UTC", 0.0, "default_utc")


def local_date(start_utc: pd.Timestamp, offset_min: float) -> pd.Timestamp:
    """Calendar day (naive midnight) of `start_utc` on a clock `offset_min` ahead of UTC."""
    shifted = start_utc.tz_convert(timezone(timedelta(minutes=offset_min)))
    return pd.Timestamp(shifted.date())
