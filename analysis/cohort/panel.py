"""The cohort models' panel from what a researcher hands over: a built dataset (its panel
partition, read with pyarrow: no samples, no activities), a tidy long CSV, or the research
export's daily.csv. CSV runners are turned into panels one at a time, so memory stays at
the size of the input rather than growing with copies of every runner's tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.cohort import dataset
from analysis.stats.cohort import athlete_panel, tidy_tables
from analysis.stats.nof1 import EXPOSURES
from analysis.thresholds import Thresholds

PANEL_COLUMNS = ("week_start", "start", "stop", "pain", "flare", "at_risk", *EXPOSURES)
# research daily.csv column -> tidy cohort column
DAILY_TO_TIDY = {"runner": "athlete_id", "date": "date", "distance_m": "distance_m",
                 "pain_max": "pain", "time_s": "moving_time_s", "descent_m": "elevation_loss_m"}


def dataset_panel(outdir: str | Path) -> tuple[pd.DataFrame, int]:
    """The panel of a built dataset and how many runners it holds."""
    about = dataset.read_manifest_json(outdir)
    panel = dataset.read_partition(outdir, "panel").rename(columns={"runner": "athlete_id"})
    return panel, int(about.get("runners", panel["athlete_id"].nunique()))


def tidy_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """The research daily table in the tidy cohort layout: one row per runner-day, the
    day's runs as one run (cadence is not exported, so there is no cadence deviation)."""
    frame = daily.rename(columns={"person_id": "runner"})  # exports before the rename
    return frame[[c for c in DAILY_TO_TIDY if c in frame]].rename(columns=DAILY_TO_TIDY)


def csv_panel(rows: pd.DataFrame, thresholds: Thresholds = Thresholds()
              ) -> tuple[pd.DataFrame, int]:
    """The panel of a tidy long CSV or a research daily.csv, built runner by runner."""
    if "pain_max" in rows and ("runner" in rows or "person_id" in rows):
        rows = tidy_from_daily(rows)
    if "athlete_id" not in rows:
        tidy_tables(rows)  # raises the message naming the missing columns
    parts, n = [], 0
    for _, group in rows.groupby(rows["athlete_id"].astype(str), sort=True):
        for name, (activities, pain) in tidy_tables(group).items():
            n += 1
            part = athlete_panel(activities, pain, thresholds)
            if not part.empty:
                parts.append(part.assign(athlete_id=name))
    if not parts:
        return pd.DataFrame(columns=["athlete_id", *PANEL_COLUMNS]), n
    panel = pd.concat(parts, ignore_index=True)
    return panel[["athlete_id", *[c for c in panel.columns if c != "athlete_id"]]], n


def cohort_input(path: str | Path) -> tuple[pd.DataFrame, int]:
    """The panel and runner count of `path`: a dataset folder or a CSV (tidy or daily)."""
    if Path(path).is_dir():
        return dataset_panel(path)
    return csv_panel(pd.read_csv(path))
