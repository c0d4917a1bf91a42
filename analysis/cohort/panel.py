"""The cohort models' panel from what a researcher hands over: a built dataset (its panel
partition, read with pyarrow: no samples, no activities), a tidy long CSV, or the research
export's daily.csv. CSV runners are turned into panels one at a time, so memory stays at
the size of the input rather than growing with copies of every runner's tables."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pandas as pd

from analysis.cohort import dataset
from analysis.stats.cohort import (
    CohortCSVError,
    athlete_panel,
    parallel_map,
    tidy_problems,
    tidy_tables,
)
from analysis.stats.nof1 import EXPOSURES
from analysis.thresholds import Thresholds

PANEL_COLUMNS = ("week_start", "start", "stop", "pain", "flare", "at_risk", *EXPOSURES)
# research daily.csv column -> tidy cohort column
DAILY_TO_TIDY = {"runner": "athlete_id", "date": "date", "distance_m": "distance_m",
                 "pain_max": "pain", "time_s": "moving_time_s", "descent_m": "elevation_loss_m"}


def dataset_panel(outdir: str | Path) -> tuple[pd.DataFrame, int]:
    """The panel of a built dataset and how many runners it holds."""
    about = dataset.read_manifest_json(outdir)
    if about.get("dataset_version") != dataset.DATASET_VERSION:
        raise ValueError(f"{outdir}: built by another kneeload (dataset version "
                         f"{about.get('dataset_version')}, this one reads "
                         f"{dataset.DATASET_VERSION}); build it again with `kneeload cohort "
                         "build` (its runners are redone)")
    panel = dataset.read_partition(outdir, "panel").rename(columns={"runner": "athlete_id"})
    return panel, int(about.get("runners", panel["athlete_id"].nunique()))


def tidy_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """The research daily table in the tidy cohort layout: one row per runner-day, the
    day's runs as one run (cadence is not exported, so there is no cadence deviation)."""
    frame = daily.rename(columns={"person_id": "runner"})  # exports before the rename
    return frame[[c for c in DAILY_TO_TIDY if c in frame]].rename(columns=DAILY_TO_TIDY)


def _group_panel(item: tuple[pd.DataFrame, Thresholds]) -> pd.DataFrame:
    """One runner's tidy rows to their panel (with athlete_id)."""
    group, thresholds = item
    [(name, (activities, pain))] = tidy_tables(group, check=False).items()  # checked whole
    return athlete_panel(activities, pain, thresholds).assign(athlete_id=name)


def csv_panel(rows: pd.DataFrame, thresholds: Thresholds = Thresholds(), *,
              workers: int | None = 1) -> tuple[pd.DataFrame, list[str]]:
    """The panel of a tidy long CSV or a research daily.csv, built runner by runner (in
    `workers` processes; None = one per core), and every runner read (those whose rows
    make no week are named too, so they can be listed as left out). The whole file is
    checked first: a bad cell anywhere raises CohortCSVError listing every one (the
    file's own column names), and nothing is analysed."""
    columns = None
    if "pain_max" in rows and ("runner" in rows or "person_id" in rows):
        rows = tidy_from_daily(rows)
        columns = {tidy: daily for daily, tidy in DAILY_TO_TIDY.items()}
    if problems := tidy_problems(rows, columns):
        raise CohortCSVError(problems)
    runners = list(rows.groupby(rows["athlete_id"].astype(str), sort=True))
    names = [str(name) for name, _ in runners]
    groups = [(group, thresholds) for _, group in runners]
    del rows, runners
    results = parallel_map(_group_panel, groups, workers)
    parts = [part for part in results if not part.empty]
    if not parts:
        return pd.DataFrame(columns=["athlete_id", *PANEL_COLUMNS]), names
    panel = pd.concat(parts, ignore_index=True)
    return panel[["athlete_id", *[c for c in panel.columns if c != "athlete_id"]]], names


def cohort_input(path: str | Path, workers: int | None = None
                 ) -> tuple[pd.DataFrame, int, list[str]]:
    """The panel, runner count and runner names (empty for a dataset, whose panel names
    its runners) of `path`: a dataset folder or a CSV (tidy or daily), the CSV's runners
    turned into panels in `workers` processes (None = one per core). A CSV that cannot be
    read or analysed raises CohortCSVError."""
    if Path(path).is_dir():
        return (*dataset_panel(path), [])
    panel, names = csv_panel(csv_rows(path), workers=workers)
    return panel, len(names), names


def csv_rows(source: str | Path | IO[bytes]) -> pd.DataFrame:
    """A cohort CSV's rows (row i is line i + 2, as tidy_problems counts); a file that is
    not CSV text raises CohortCSVError."""
    try:
        return pd.read_csv(source)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CohortCSVError([f"not a readable CSV ({exc})"]) from None
