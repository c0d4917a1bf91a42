"""Shoes: which pair each run was in, the distance per pair, when a new pair came in, and
that change as an exposure.

The gear comes from the source (Strava's Activity Gear, a Garmin list's Gear column); runs
without it are left out of the mileage, never counted as a pair of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schema import RUN_SPORTS
from analysis.thresholds import HEURISTIC, Evidence

NEW_SHOE_DAYS = 14  # product choice: the first two weeks in a new pair count as "new shoes"
EVIDENCE = Evidence(
    "A change of shoes is named among the usual stories before runner's knee, but no study "
    f"here gives a window or a threshold: the first {NEW_SHOE_DAYS} days in a new pair are a "
    "product choice", HEURISTIC, "runners' accounts (kneeload's brief); no validated source")


def shoe_runs(activities: pd.DataFrame) -> pd.DataFrame:
    """Runs naming their shoes, oldest first: activity_id, local_date, distance_m, shoe."""
    gear = (activities["gear"] if "gear" in activities
            else pd.Series(pd.NA, index=activities.index)).astype("string").str.strip()
    keep = (activities["sport"].isin(RUN_SPORTS).to_numpy(dtype=bool, na_value=False)
            & gear.fillna("").ne("").to_numpy() & activities["local_date"].notna().to_numpy())
    runs = pd.DataFrame({
        "activity_id": activities.loc[keep, "activity_id"].astype(object).to_numpy(),
        "local_date": pd.to_datetime(activities.loc[keep, "local_date"]).dt.normalize()
        .astype("datetime64[ns]").to_numpy(),
        "start_time": pd.to_datetime(activities.loc[keep, "start_time"], utc=True).to_numpy(),
        "distance_m": activities.loc[keep, "distance_m"].to_numpy(dtype=float, na_value=np.nan),
        "shoe": gear[keep].astype(object).to_numpy(),
    })
    return runs.sort_values(["local_date", "start_time"], kind="stable").reset_index(drop=True)


def shoe_mileage(activities: pd.DataFrame) -> pd.DataFrame:
    """One row per pair, the latest used first: shoe, runs, distance_m (missing distances
    count as 0), first_run and last_run (days)."""
    runs = shoe_runs(activities)
    table = runs.groupby("shoe").agg(runs=("activity_id", "size"),
                                     distance_m=("distance_m", lambda d: d.fillna(0).sum()),
                                     first_run=("local_date", "min"),
                                     last_run=("local_date", "max")).reset_index()
    return table.sort_values(["last_run", "shoe"], ascending=[False, True]
                             ).reset_index(drop=True)


def new_shoe_days(activities: pd.DataFrame) -> pd.DataFrame:
    """The first run in each pair after the first pair on record (a change of shoes):
    local_date and shoe, oldest first. The first pair ever seen is no change: the runner
    may have worn it for years before the export began."""
    runs = shoe_runs(activities)
    firsts = runs.drop_duplicates("shoe", keep="first")
    return firsts.iloc[1:][["local_date", "shoe"]].reset_index(drop=True)


def new_shoes_exposure(activities: pd.DataFrame, days: pd.DatetimeIndex,
                       window: int = NEW_SHOE_DAYS) -> pd.Series:
    """Per day of `days`: 1 within `window` days from the first run in a new pair (that day
    included), else 0; NaN before the first run naming its shoes (unknown, not unchanged).
    A [heuristic] exposure (EVIDENCE)."""
    days = pd.DatetimeIndex(days)
    runs = shoe_runs(activities)
    out = pd.Series(np.nan, index=days, name="new_shoes")
    if runs.empty:
        return out
    out[days >= runs["local_date"].iloc[0]] = 0.0
    for start in new_shoe_days(activities)["local_date"]:
        out[(days >= start) & (days < start + pd.Timedelta(days=window))] = 1.0
    return out
