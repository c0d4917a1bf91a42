"""The canonical tables of kneeload, defined once: activities, samples and pain entries.

Every reader returns these columns, the store persists them, and the metrics read them.
Units are part of the column names; descriptions double as the research data dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SPORTS = ("run", "trail_run", "treadmill_run", "walk", "hike", "ride", "other")
RUN_SPORTS = frozenset({"run", "trail_run", "treadmill_run"})
FOOT_SPORTS = RUN_SPORTS | {"walk", "hike"}


def sport_family(sport: str | None) -> str:
    """'run', 'walk' (walks and hikes), 'ride' or 'other'."""
    if sport in RUN_SPORTS:
        return "run"
    if sport in ("walk", "hike"):
        return "walk"
    return "ride" if sport == "ride" else "other"


ORIGINS = ("file", "file+csv", "csv")
SPORT_SOURCES = ("file", "guessed", "user")
PAIN_SIDES = ("left", "right", "both")
PAIN_TIMINGS = ("during_run", "after_run", "next_morning", "daily_worst")
PAIN_PROVOKERS = ("stairs", "downhill", "squatting", "sitting", "other")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table: name (with unit), pandas dtype and meaning."""

    name: str
    dtype: str
    description: str


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("activity_id", "string", "Stable id: content hash of the file (plus session), "
           "or 'strava-<Activity ID>' / 'garmin-<hash>' for CSV rows."),
    Column("source_file", "string", "File the activity came from (archive:member for zips)."),
    Column("source_format", "string", "gpx, tcx, fit, strava_csv or garmin_csv."),
    Column("origin", "string", "file: streams from a file; file+csv: file streams with the "
           "CSV row's name and type; csv: the CSV row's own summary values only."),
    Column("name", "string", "Activity name."),
    Column("sport", "string", "Normalised sport: " + ", ".join(SPORTS) + "."),
    Column("sport_raw", "string", "Sport or type as written in the source."),
    Column("sport_source", "string", "Where the sport came from: " + ", ".join(SPORT_SOURCES)
           + " (file: the file or list names it; guessed: the file names none and "
           "kneeload guessed, see sport_reason; user: set or confirmed by the runner)."),
    Column("sport_reason", "string", "Why a guessed sport was chosen (speed, cadence, "
           "steadiness or the name); empty otherwise."),
    Column("start_time", "datetime64[ns, UTC]", "Start of the activity in UTC."),
    Column("local_date", "datetime64[ns]", "Calendar day of the start on the runner's clock."),
    Column("utc_offset_min", "Float64", "Local offset from UTC at the start, minutes."),
    Column("tz_name", "string", "Time zone used for local_date (IANA name or fixed offset)."),
    Column("tz_source", "string", "Where the local offset came from: file, csv_local, gps, "
           "athlete, default_utc, or file_local (the file's local times, zone unknown)."),
    Column("distance_m", "Float64", "Distance, metres."),
    Column("elapsed_time_s", "Float64", "Wall-clock duration, seconds."),
    Column("moving_time_s", "Float64", "Duration without pauses and GPS gaps, seconds."),
    Column("elevation_gain_m", "Float64", "Ascent after smoothing and hysteresis, metres "
           "(empty when the source has no usable elevation)."),
    Column("elevation_loss_m", "Float64", "Descent after smoothing and hysteresis, metres."),
    Column("elevation_source", "string", "barometric, gps, summary or none."),
    Column("elevation_method", "string", "How gain/loss were computed (smoothing, threshold)."),
    Column("downhill_5pct_m", "Float64", "Distance run at a grade of -5 % or steeper, metres."),
    Column("downhill_10pct_m", "Float64", "Distance run at a grade of -10 % or steeper, metres."),
    Column("avg_cadence_spm", "Float64", "Average cadence while moving, steps per minute "
           "(both feet); foot sports only."),
    Column("cadence_source", "string", "Field the cadence came from."),
    Column("cadence_unit_in", "string", "Unit of that field: steps_per_min or strides_per_min."),
    Column("cadence_factor", "Float64", "Factor applied to reach steps per minute (1 or 2)."),
    Column("avg_heart_rate_bpm", "Float64", "Average heart rate, beats per minute."),
    Column("max_heart_rate_bpm", "Float64", "Maximum heart rate, beats per minute."),
    Column("n_samples", "Int64", "Number of per-second/per-point samples kept."),
    Column("device", "string", "Recording device or creating program."),
    Column("gear", "string", "Shoes (or other gear) the source names for the activity, such "
           "as Strava's Activity Gear; empty when it names none."),
    Column("warnings", "string", "What was repaired or assumed while reading, '; '-separated."),
)

SAMPLE_COLUMNS: tuple[Column, ...] = (
    Column("time", "datetime64[ns, UTC]", "Sample time in UTC (empty when the file has none)."),
    Column("lat", "float64", "Latitude, degrees."),
    Column("lon", "float64", "Longitude, degrees."),
    Column("elevation_m", "float64", "Elevation after placeholder removal, metres."),
    Column("distance_m", "float64", "Cumulative distance from the start, metres."),
    Column("cadence_spm", "float64", "Cadence, steps per minute."),
    Column("heart_rate_bpm", "float64", "Heart rate, beats per minute."),
)

PAIN_COLUMNS: tuple[Column, ...] = (
    Column("entry_id", "Int64", "Stored id of the entry."),
    Column("date", "datetime64[ns]", "Day the pain refers to (runner's local calendar)."),
    Column("score", "Int64", "Pain on the 0-10 numeric rating scale."),
    Column("side", "string", "left, right or both."),
    Column("timing", "string", "during_run, after_run, next_morning or daily_worst."),
    Column("provokers", "string", "Comma-separated: stairs, downhill, squatting, sitting, other."),
    Column("activity_id", "string", "Run the entry refers to, if any."),
    Column("note", "string", "Free text."),
)

ACTIVITY_COLUMN_NAMES = tuple(c.name for c in ACTIVITY_COLUMNS)
SAMPLE_COLUMN_NAMES = tuple(c.name for c in SAMPLE_COLUMNS)
PAIN_COLUMN_NAMES = tuple(c.name for c in PAIN_COLUMNS)


def _conform(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Return `frame` with exactly `columns`, in order and with their dtypes."""
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col.name] if col.name in frame else pd.Series(pd.NA, index=frame.index)
        if col.dtype.startswith("datetime64") and "UTC" in col.dtype:
            out[col.name] = pd.to_datetime(values, utc=True).astype(col.dtype)
        elif col.dtype.startswith("datetime64"):
            out[col.name] = pd.to_datetime(values).astype(col.dtype)
        else:
            out[col.name] = values.astype(col.dtype)
    return out


def conform_activities(frame: pd.DataFrame) -> pd.DataFrame:
    """Activities with the canonical columns and dtypes (missing columns become empty)."""
    return _conform(frame, ACTIVITY_COLUMNS)


def conform_samples(frame: pd.DataFrame) -> pd.DataFrame:
    """Samples with the canonical columns and dtypes."""
    return _conform(frame, SAMPLE_COLUMNS)


def conform_pain(frame: pd.DataFrame) -> pd.DataFrame:
    """Pain entries with the canonical columns and dtypes."""
    return _conform(frame, PAIN_COLUMNS)


def empty_activities() -> pd.DataFrame:
    """An activity table with no rows."""
    return conform_activities(pd.DataFrame())


def empty_pain() -> pd.DataFrame:
    """A pain table with no rows."""
    return conform_pain(pd.DataFrame())
