"""De-identified research export: tidy tables as CSV and Parquet with a data dictionary.

Tables (one row per …):
- daily: person-day — load, pain and every exposure (the n-of-1 daily grid);
- weekly: person-week — weekly pain summaries and exposures (the cohort's weekly grid);
- episodes_injurytools: pain episode (flare) in the layout of injurytools' prepare_inj()
  (runner, date_injured, date_recovered as dates; severity = peak pain 0–10);
- exposure_injurytools: person-day in the layout of injurytools' prepare_exp()
  (runner, date, time_expo = minutes run);
- acwr_load: person-day in the layout of the ACWR package's `training_load` data
  (ID, Week, Day, TL = km run, Training_Date), rest days included as TL = 0;
- weekly_shared: person-week at the sharing level — weekly distance to 0.5 km and weekly
  pain, nothing daily (for sharing beyond the study team).

De-identification: athletes appear only as HMAC-SHA256 pseudonyms of their name under a
salt (random unless given; never written into the export). No GPS track, activity name,
file name, activity id, free-text note or time zone is exported; distances are rounded to
10 m and durations to 1 s. With `shift_dates` (the default of every command), all of an
athlete's dates move back by a per-athlete number of whole weeks (1–260, derived from the
salt), so weekdays and intervals survive but calendar dates and seasons do not. The
detailed tables are pseudonymised, not anonymous: matching known runs against the daily
distances re-identifies runners (analysis.cohort.linkage measures it).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.effort import REST_HR_BPM
from analysis.load import monday
from analysis.pain import flare_rule_words
from analysis.safetext import csv_text
from analysis.schema import ACTIVITY_COLUMNS, PAIN_COLUMNS, Column
from analysis.shoes import NEW_SHOE_DAYS
from analysis.stats.events import flare_table, onset_mask
from analysis.stats.exposures import exposure_grid
from analysis.stats.nof1 import EXPOSURES, WEEKLY_OUTCOME
from analysis.thresholds import Thresholds

MAX_SHIFT_WEEKS = 260
DISTANCE_STEP_M = 10.0  # rounding of every exported distance
SHARED_STEP_KM = 0.5  # rounding of the weekly distance at the sharing level

_PAIN_SCORE = next(c.description for c in PAIN_COLUMNS if c.name == "score")
_LOSS = next(c.description for c in ACTIVITY_COLUMNS if c.name == "elevation_loss_m")
RUNNER = Column("runner", "string", "Pseudonym of the runner: 'P' + the first 12 hex "
                 "digits of HMAC-SHA256(salt, runner name or id); the salt is not in the "
                 "export. Pseudonymised, not anonymous: whoever holds the salt can test name "
                 "guesses, and whoever knows some of a runner's runs can match them against "
                 "the detailed tables (see weekly_shared).")
_EXPOSURE_TEXT = {
    "weekly_change_pct": "Running distance of the last complete Monday week vs the week "
                         "before, % (analysis.load.rolling_change_pct on its Sunday).",
    "spike_ratio": "Largest spike ratio of the day's runs: run distance ÷ the longest run "
                   "of the previous 30 days (Frandsen et al. 2025); empty without a run.",
    "descent_m": "Descent of the day's runs; empty without a run or without elevation "
                 "data. Per run: " + _LOSS,
    "descent_per_km": "Descent of the day's runs ÷ their distance, metres per km.",
    "cadence_dev_pct": "Cadence vs the runner's own cadence-on-speed baseline of the "
                       "previous 90 days, % (mean over the day's runs).",
    "acwr_uncoupled": "Acute:chronic workload ratio of distance, acute 7 days ÷ the 21 days "
                      "before them (Williams et al. 2017); from day 35.",
    "acwr_ewma": "EWMA acute:chronic ratio of distance, λ = 2/(N+1), N = 7 and 28 "
                 "(Williams et al. 2017); from day 28.",
    "long_run_share": "Longest run ÷ the week's distance, for the last complete week.",
    "minutes": "Running minutes of the day (moving time, else elapsed), 0 on rest days; "
               "empty when a run of the day has no duration, and before the first that has.",
    "trimp": "Banister TRIMP of the day's runs (minutes × HRr × 0.64 × e^(1.92 HRr), HRr = "
             f"(average HR − {REST_HR_BPM:g}) ÷ (the runner's highest recorded HR − "
             f"{REST_HR_BPM:g})), 0 on rest days; "
             "empty when a run of the day has no heart rate, and before the first that has "
             "[weak].",
    "new_shoes": f"1 in the first {NEW_SHOE_DAYS} days from the first run in a new pair of "
                 "shoes (not the first pair on record), else 0; empty before any run names its "
                 "shoes [heuristic].",
}
_WEEKLY_EXPOSURE_TEXT = {
    "spike_ratio": "Largest spike ratio of the week's runs.",
    "descent_m": "Descent of the week's runs, metres.",
    "descent_per_km": "Descent of the week's runs ÷ their distance, metres per km.",
    "cadence_dev_pct": "Mean cadence deviation of the week's runs from baseline, %.",
    "acwr_uncoupled": "Uncoupled ACWR on the week's last day.",
    "acwr_ewma": "EWMA ACWR on the week's last day.",
    "weekly_change_pct": "This week's running distance vs last week's, %.",
    "long_run_share": "Longest run ÷ this week's distance.",
    "minutes": "Running minutes of the week; empty when a day of it is unknown.",
    "trimp": "Banister TRIMP of the week; empty when a day of it is unknown [weak].",
    "new_shoes": "Share of the week's days (with shoes known) in the first "
                 f"{NEW_SHOE_DAYS} days of a new pair; empty when no day is known [heuristic].",
}

TABLES: dict[str, tuple[Column, ...]] = {
    "daily": (
        RUNNER,
        Column("date", "date", "Calendar day on the runner's clock (shifted if requested)."),
        Column("distance_m", "float64", "Running distance of the day, metres (0 on rest "
               "days)."),
        Column("time_s", "float64", "Moving time of the day's runs, seconds."),
        Column("runs", "int64", "Number of runs."),
        Column("pain_max", "float64", "Worst pain of the day; empty = no diary entry (missing, "
               "not pain-free). " + _PAIN_SCORE),
        Column("pain_entries", "int64", "Number of diary entries that day."),
        Column("flare_onset", "bool", "First day of a flare (DOMAIN.md §3); with the default "
               f"settings {flare_rule_words()}."),
        *(Column(name, "float64", _EXPOSURE_TEXT[name]) for name in EXPOSURES),
    ),
    "weekly": (
        RUNNER,
        Column("week_start", "date", "Monday of the week (shifted if requested)."),
        Column(WEEKLY_OUTCOME, "float64", "Mean over the week's diary days of each day's "
               "worst pain; empty with fewer than 4 diary days."),
        Column("pain_max", "float64", "Worst pain of the week."),
        Column("pain_days", "int64", "Days of the week with a diary entry."),
        Column("distance_m", "float64", "Running distance of the week, metres."),
        *(Column(name, "float64", _WEEKLY_EXPOSURE_TEXT[name]) for name in EXPOSURES),
    ),
    "episodes_injurytools": (
        RUNNER,
        Column("date_injured", "date", "Flare onset (injurytools prepare_inj date_injured)."),
        Column("date_recovered", "date", "Day after the last day with pain ≥ 4 before the "
               "next onset, when the diary went on ≥ 7 more days; empty while ongoing "
               "(injurytools prepare_inj date_recovered)."),
        Column("severity", "int64", "Peak daily pain of the episode, 0-10 NRS (not "
               "injurytools' time-loss categories)."),
        Column("duration_days", "int64", "Days from onset to the last day with pain ≥ 4."),
    ),
    "exposure_injurytools": (
        RUNNER,
        Column("date", "date", "Calendar day (injurytools prepare_exp date)."),
        Column("time_expo", "float64", "Minutes run that day, 0 on rest days (injurytools "
               "prepare_exp time_expo; exp_unit = 'minutes')."),
    ),
    "acwr_load": (
        Column("ID", "string", "Pseudonym of the runner (as runner)."),
        Column("Week", "int64", "Training week, 1 = the athlete's first Monday week."),
        Column("Day", "int64", "Training day, 1 = the athlete's first day."),
        Column("TL", "float64", "Training load: running distance of the day, km (0 on rest "
               "days; rest days are part of the load series)."),
        Column("Training_Date", "date", "Calendar day (shifted if requested)."),
    ),
    "weekly_shared": (
        RUNNER,
        Column("week_start", "date", "Monday of the week (shifted if requested)."),
        Column("distance_km", "float64", "Running distance of the week, km, rounded to "
               f"{SHARED_STEP_KM} km."),
        Column(WEEKLY_OUTCOME, "float64", "Mean daily worst pain of the week, rounded to "
               "0.5; empty with fewer than 4 diary days."),
    ),
}


def pseudonym(name: str, salt: bytes) -> str:
    """'P' + 12 hex digits of HMAC-SHA256(salt, name): stable for one salt, unlinkable
    without it."""
    return "P" + hmac.new(salt, name.encode(), hashlib.sha256).hexdigest()[:12]


def shift_days(name: str, salt: bytes) -> int:
    """Days (a whole number of weeks, 1..MAX_SHIFT_WEEKS) to move the athlete's dates back."""
    digest = hmac.new(salt, b"date-shift:" + name.encode(), hashlib.sha256).digest()
    return 7 * (1 + int.from_bytes(digest[:8], "big") % MAX_SHIFT_WEEKS)


def _athlete_tables(name: str, activities: pd.DataFrame, pain: pd.DataFrame, salt: bytes,
                    shift: bool, thresholds: Thresholds) -> dict[str, pd.DataFrame]:
    """All export tables of one athlete (dates as Timestamps, shifted if asked)."""
    person = pseudonym(name, salt)
    offset = pd.Timedelta(days=shift_days(name, salt) if shift else 0)
    grid = exposure_grid(activities, pain, thresholds)
    daily = _rounded(grid.daily)
    weekly = _rounded(grid.weekly)
    days = daily.index - offset
    flares = flare_table(daily, thresholds)
    first_monday = monday(days[0]) if len(days) else None
    return {
        "daily": daily.assign(runner=person, date=days,
                              flare_onset=onset_mask(daily, thresholds)),
        "weekly": weekly.assign(runner=person, week_start=weekly.index - offset),
        "episodes_injurytools": pd.DataFrame({
            "runner": person, "date_injured": flares["onset"] - offset,
            "date_recovered": flares["recovered"] - offset,
            "severity": flares["peak_pain"], "duration_days": flares["duration_days"]}),
        "exposure_injurytools": pd.DataFrame({
            "runner": person, "date": days, "time_expo": daily["time_s"].to_numpy() / 60}),
        "acwr_load": pd.DataFrame({
            "ID": person, "Week": (days - first_monday).days // 7 + 1 if len(days) else [],
            "Day": range(1, len(days) + 1), "TL": daily["distance_m"].to_numpy() / 1000,
            "Training_Date": days}),
        "weekly_shared": pd.DataFrame({
            "runner": person, "week_start": weekly.index - offset,
            "distance_km": round_to_step(grid.weekly["distance_m"].to_numpy() / 1000,
                                    SHARED_STEP_KM),
            WEEKLY_OUTCOME: round_to_step(weekly[WEEKLY_OUTCOME].to_numpy(), 0.5)}),
    }


def round_to_step(values: Any, step: float) -> Any:
    """`values` rounded to the nearest multiple of `step`."""
    return np.round(np.asarray(values, dtype=float) / step) * step


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Distances to 10 m, times (also minutes) to 1 s and descent to 1 m, as every export
    has them."""
    return frame.assign(**{c: round_to_step(frame[c], step) for c, step in
                           (("distance_m", DISTANCE_STEP_M), ("time_s", 1.0),
                            ("minutes", 1 / 60), ("descent_m", 1.0)) if c in frame})


def research_tables(athletes: Iterable[tuple[str, pd.DataFrame, pd.DataFrame]], *,
                    salt: bytes, shift_dates: bool = False,
                    thresholds: Thresholds = Thresholds()) -> dict[str, pd.DataFrame]:
    """The export tables (TABLES) for (name, activities, pain) of every athlete."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for name, activities, pain in athletes:
        for table, frame in _athlete_tables(name, activities, pain, salt, shift_dates,
                                            thresholds).items():
            parts[table].append(frame)
    out = {}
    for table, columns in TABLES.items():
        frame = (pd.concat(parts[table], ignore_index=True) if parts[table]
                 else pd.DataFrame(columns=[c.name for c in columns]))
        out[table] = _typed(frame, columns)
    return out


def _typed(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """`frame` with exactly `columns`; 'date' columns as Python dates (Parquet date32, R Date)."""
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column.name] if column.name in frame else pd.Series(
            pd.NA, index=frame.index)
        if column.dtype == "date":
            out[column.name] = pd.to_datetime(values).dt.date.astype(object).where(
                pd.notna(values), None)
        elif column.dtype == "int64":
            out[column.name] = pd.to_numeric(values).astype("Int64")
        elif column.dtype == "bool":
            out[column.name] = values.astype("boolean")
        else:
            out[column.name] = values.astype(column.dtype)
    return out.reset_index(drop=True)


def dictionary() -> pd.DataFrame:
    """The data dictionary: table, column, type, description."""
    return pd.DataFrame([{"table": table, "column": c.name, "type": c.dtype,
                          "description": c.description}
                         for table, columns in TABLES.items() for c in columns])


README = """# kneeload research export

De-identified, tidy tables from kneeload. Every table is written as CSV (dates YYYY-MM-DD,
empty = missing) and Parquet (dates as date32). `data_dictionary.csv` describes every
column.

- Runners are pseudonyms: HMAC-SHA256 of the runner's name under a salt that is not part
  of this export. With the same salt, a later export gives the same pseudonyms.
- Pseudonymised, not anonymous: anyone holding the salt can test name guesses, and anyone
  who knows a runner's runs can find them in the daily distances. Share only
  weekly_shared (weekly distance to 0.5 km, shifted dates) beyond the study team.
- No GPS track, activity or file name, activity id, free-text note or time zone is included;
  distances are rounded to 10 m, durations to 1 s.
- Dates {shift}.
- Pain is the 0-10 numeric rating scale; a day without an entry is missing, not pain-free.
- episodes_injurytools / exposure_injurytools: R `injurytools::prepare_inj(df, person_id =
  "runner", date_injured = "date_injured", date_recovered = "date_recovered")` and
  `prepare_exp(df, person_id = "runner", date = "date", time_expo = "time_expo")`;
  ongoing episodes have no date_recovered.
- acwr_load: the columns of the R package ACWR's `training_load` data (ID, Week, Day, TL,
  Training_Date), e.g. `ACWR(db, ID = "ID", TL = "TL", weeks = "Week", days = "Day",
  training_dates = "Training_Date")`.
- All statistics derived from these data are exploratory.
"""


def write_research_export(tables: dict[str, pd.DataFrame], outdir: str | Path, *,
                          shifted: bool) -> list[Path]:
    """Write every table as CSV and Parquet, the data dictionary and a README into `outdir`."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in {**tables, "data_dictionary": dictionary()}.items():
        csv, parquet = outdir / f"{name}.csv", outdir / f"{name}.parquet"
        csv.write_text(csv_text(frame))
        frame.to_parquet(parquet, index=False)
        written += [csv, parquet]
    readme = outdir / "README.md"
    readme.write_text(README.format(shift="were moved back by a random whole number of weeks "
                                          "per athlete: weekdays and intervals are kept, "
                                          "calendar dates and seasons are not"
                                    if shifted else "are the real calendar days"))
    return [*written, readme]


def research_zip(tables: dict[str, pd.DataFrame], *, shifted: bool) -> bytes:
    """The whole export (write_research_export) as one zip, e.g. for a download."""
    with tempfile.TemporaryDirectory() as folder:
        paths = write_research_export(tables, folder, shifted=shifted)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, f"kneeload-research/{path.name}")
    return buffer.getvalue()
