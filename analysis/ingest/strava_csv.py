"""Strava's activities.csv (bulk export): columns found by name in any known language."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import track
from analysis.ingest import headers as H
from analysis.ingest.csvtext import csv_activity, dates, numbers, read_activity_list
from analysis.ingest.model import ParsedActivity, ReadOptions
from analysis.ingest.sports import normalise_sport
from analysis.schema import FOOT_SPORTS
from analysis.timezones import local_date, resolve_clock

MILE_M = 1609.344


@dataclass
class StravaRow:
    """One activities.csv row: its CSV-only activity and the file it points to, if any."""

    activity: ParsedActivity
    filename: str | None


def read_strava_csv(name: str, data: bytes, options: ReadOptions
                    ) -> tuple[list[StravaRow], list[str]]:
    """Every row of a Strava activities.csv, and notes about the file as a whole."""
    listing = read_activity_list(name, data, H.STRAVA, H.STRAVA_REQUIRED,
                                 "Strava activities.csv")
    notes, col = listing.notes, listing.column

    table = pd.DataFrame({
        "id": col("activity_id").str.strip(),
        "name": col("name").fillna(""),
        "type": col("type").fillna(""),
        "start": dates(name, col("date")).dt.tz_localize("UTC"),  # Strava writes UTC
        "distance": _distance(col("distance_summary"), col("distance_m"), notes),
        "elapsed": numbers(col("elapsed_s")).fillna(numbers(col("elapsed_s_summary"))),
        "moving": numbers(col("moving_s")),
        "gain": numbers(col("elevation_gain_m")),
        "loss": numbers(col("elevation_loss_m")),
        "cadence": numbers(col("avg_cadence")),
        "steps": numbers(col("total_steps")),
        "avg_hr": numbers(col("avg_heart_rate")),
        "max_hr": numbers(col("max_heart_rate")).fillna(numbers(col("max_heart_rate_summary"))),
        "filename": col("filename").fillna("").str.strip(),
        "gear": col("gear").fillna("").str.strip(),
    })
    result = []
    for line, row in zip(table.index + 2, table.itertuples(index=False), strict=True):
        if pd.isna(row.start) or not row.id:
            notes.append(f"line {line}: no activity id or date; skipped")
            continue
        sport = normalise_sport(row.type)
        clock = resolve_clock(row.start, athlete_tz=options.athlete_tz)
        activity = csv_activity(
            activity_id=f"strava-{row.id}", source_file=name, source_format="strava_csv",
            name=row.name, sport=sport, sport_raw=row.type, start_time=row.start,
            local_date=local_date(row.start, clock.offset_min), utc_offset_min=clock.offset_min,
            tz_name=clock.tz_name, tz_source=clock.source, distance_m=row.distance,
            elapsed_time_s=row.elapsed, moving_time_s=row.moving,
            elevation_gain_m=row.gain, elevation_loss_m=row.loss,
            avg_heart_rate_bpm=row.avg_hr, max_heart_rate_bpm=row.max_hr, device="",
            gear=row.gear or None,
            warnings="", **_cadence(sport, row.cadence, row.steps, row.moving),
        )
        result.append(StravaRow(activity, row.filename or None))
    return result, notes


def _distance(summary: pd.Series, metres: pd.Series, notes: list[str]) -> pd.Series:
    """Metres: the detailed column when present, else the summary one (km or miles).

    The summary column's unit follows the account's settings; where both exist their ratio
    tells km from miles, otherwise km is assumed and said.
    """
    detail = numbers(metres)
    short = numbers(summary)
    both = detail.notna() & short.notna() & (short > 0)
    unit = 1000.0
    if both.any():
        ratio = float((detail[both] / short[both]).median())
        unit = MILE_M if abs(ratio - MILE_M) < abs(ratio - 1000.0) else 1000.0
    elif short.notna().any() and detail.isna().all():
        notes.append("only the summary Distance column is present; read as kilometres")
    return detail.fillna(short * unit)


def _cadence(sport: str, cadence: float, steps: float, moving_s: float) -> dict:
    """Strava's Average Cadence (strides/min for runs) in steps/min, or Total Steps ÷ time."""
    empty = {"avg_cadence_spm": np.nan, "cadence_source": "", "cadence_unit_in": "",
             "cadence_factor": np.nan}
    if sport not in FOOT_SPORTS:
        return empty
    if cadence == cadence and cadence > 0:
        factor = track.cadence_factor(np.array([cadence]), np.array([True]), sport)
        return {"avg_cadence_spm": cadence * factor,
                "cadence_source": "strava_csv:Average Cadence",
                "cadence_unit_in": "strides_per_min" if factor == 2 else "steps_per_min",
                "cadence_factor": factor}
    if steps == steps and steps > 0 and moving_s == moving_s and moving_s > 0:
        return {"avg_cadence_spm": steps / (moving_s / 60),
                "cadence_source": "strava_csv:Total Steps / Moving Time",
                "cadence_unit_in": "steps_per_min", "cadence_factor": 1.0}
    return empty
