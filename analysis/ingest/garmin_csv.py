"""Garmin Connect's activity-list CSV ("Export CSV"), written in the account's units and locale.

Numbers use the account's locale (decimal comma or point); distances, elevations and stride
lengths use its unit system. The locale is read off the numbers; the unit system off
steps × stride length against distance. When the data cannot tell, the user must choose
(ReadOptions.garmin_units) — kneeload never guesses silently.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from analysis.ingest import headers as H
from analysis.ingest.csvtext import (
    csv_activity,
    dates,
    decimal_comma,
    durations,
    numbers,
    read_activity_list,
)
from analysis.ingest.errors import IngestError
from analysis.ingest.model import ParsedActivity, ReadOptions
from analysis.ingest.sports import normalise_sport
from analysis.schema import FOOT_SPORTS

MILE_M = 1609.344
FOOT_M = 0.3048
# unit system -> (metres per distance unit, metres per elevation unit, metres per stride unit)
UNITS = {"metric": (1000.0, 1.0, 1.0), "imperial": (MILE_M, FOOT_M, FOOT_M)}


def read_garmin_csv(name: str, data: bytes, options: ReadOptions
                    ) -> tuple[list[ParsedActivity], list[str]]:
    """Every activity row of a Garmin Connect CSV, and notes about the file."""
    listing = read_activity_list(name, data, H.GARMIN, H.GARMIN_REQUIRED,
                                 "Garmin Connect activity CSV")
    rows, notes, col = listing.rows, listing.notes, listing.column

    decimal = "," if decimal_comma(col("distance")) else "."
    num = {field: numbers(col(field), decimal) for field in
           ("distance", "avg_hr", "max_hr", "avg_run_cadence", "total_ascent",
            "total_descent", "stride_length", "steps")}
    system = _unit_system(name, num, options.garmin_units, notes)
    per_distance, per_elevation, _ = UNITS[system]
    notes.append(f"numbers read with a decimal {'comma' if decimal == ',' else 'point'}, "
                 f"units {system}")
    local = dates(name, col("date"))
    zone = options.athlete_tz
    if not zone:
        notes.append("Garmin CSV times are local wall-clock times; with no time zone set, "
                     "days are right but start times are stored as if UTC")
    elapsed = durations(col("elapsed_time")).fillna(durations(col("time")))
    moving = durations(col("moving_time"))
    starts = local.dt.tz_localize(zone or "UTC", ambiguous=np.ones(len(local), dtype=bool),
                                  nonexistent="shift_forward").dt.tz_convert("UTC")
    offsets = (local - starts.dt.tz_localize(None)).dt.total_seconds() / 60
    row_text = rows.fillna("").astype(str).agg("|".join, axis=1)
    types, titles = col("type").fillna(""), col("title").fillna("")  # short rows hold NA
    gear = col("gear").fillna("").str.strip().replace({"--": ""})
    seen: set[str] = set()
    activities = []
    for i in rows.index:
        if pd.isna(local[i]):
            continue
        raw_type = str(types[i])
        sport = normalise_sport(raw_type)
        activity_id = "garmin-" + hashlib.sha1(row_text[i].encode()).hexdigest()[:16]
        if activity_id in seen:
            continue
        seen.add(activity_id)
        start = starts[i]
        offset = offsets[i] if zone else np.nan
        cadence = num["avg_run_cadence"][i]
        has_cadence = sport in FOOT_SPORTS and cadence == cadence and cadence > 0
        activities.append(csv_activity(
            activity_id=activity_id, source_file=name, source_format="garmin_csv",
            name=str(titles[i]), sport=sport, sport_raw=raw_type,
            start_time=start, local_date=local[i].normalize(),
            utc_offset_min=offset,
            tz_name=zone or "local (zone unknown)",
            tz_source="csv_local", distance_m=num["distance"][i] * per_distance,
            elapsed_time_s=elapsed[i], moving_time_s=moving[i],
            elevation_gain_m=num["total_ascent"][i] * per_elevation,
            elevation_loss_m=num["total_descent"][i] * per_elevation,
            avg_heart_rate_bpm=num["avg_hr"][i], max_heart_rate_bpm=num["max_hr"][i],
            avg_cadence_spm=cadence if has_cadence else np.nan,
            cadence_source="garmin_csv:Avg Run Cadence" if has_cadence else "",
            cadence_unit_in="steps_per_min" if has_cadence else "",
            cadence_factor=1.0 if has_cadence else np.nan, device="", warnings="",
            gear=gear[i] or None,
        ))
    skipped = len(rows) - len(activities)
    if skipped:
        notes.append(f"{skipped} repeated or undated row(s) skipped")
    return activities, notes


def _unit_system(name: str, num: dict[str, pd.Series], chosen: str, notes: list[str]) -> str:
    """metric or imperial: from steps × stride ÷ distance where possible, else the user's."""
    usable = (num["steps"] > 0) & (num["stride_length"] > 0) & (num["distance"] > 0)
    detected = None
    if usable.sum() >= 3:
        ratio = float((num["steps"] * num["stride_length"] / num["distance"])[usable].median())
        # metric: stride m / distance km -> ~1000; imperial: stride ft / distance mi -> ~5280
        if 850 < ratio < 1150:
            detected = "metric"
        elif 4500 < ratio < 6100:
            detected = "imperial"
    if chosen in UNITS:
        if detected and detected != chosen:
            raise IngestError(name, f"you chose {chosen} units, but steps × stride length "
                                    f"in this file only add up in {detected} units")
        return chosen
    if detected:
        return detected
    raise IngestError(name, "cannot tell whether this Garmin CSV is in km or miles (no "
                            "steps and stride length to check against); choose the units "
                            "(metric or imperial) and import again")
