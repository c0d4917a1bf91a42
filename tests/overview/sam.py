"""Sam, a runner whose data are years old: the fixture of the overview's page and browser
tests."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.ingest.dispatch import read_bytes
from analysis.ingest.model import ReadOptions
from analysis.pain import PainEntry
from analysis.store import Store
from analysis.synth import strava_csv_bytes

# Sam ran from January to March 2015 (Mondays and Thursdays, 8 km in 45 min at 150 bpm,
# max 175), first in "Old road" shoes, from 16 Feb in "New trail"; one pain entry (2/10) on
# 10 Mar 2015.
DAYS = pd.date_range("2015-01-05", "2015-03-05", freq="D")
DAYS = DAYS[DAYS.day_of_week.isin([0, 3])]


def store_sam(url: str) -> None:
    """Store Sam's Strava activities.csv and diary entry in the database at `url`."""
    rows = [{"activity_id": i, "start": day.tz_localize("UTC") + pd.Timedelta(hours=7),
             "name": f"Run {i}", "distance_m": 8000, "elapsed_s": 2700, "moving_s": 2700,
             "avg_heart_rate": 150, "max_heart_rate": 175,
             "gear": "Old road" if day < pd.Timestamp("2015-02-16") else "New trail"}
            for i, day in enumerate(DAYS, start=1)]
    with Store(url) as store:
        sam = store.athlete("Sam")
        store.import_results(sam.id, [read_bytes("activities.csv", strava_csv_bytes(rows),
                                                 ReadOptions())])
        store.add_pain(sam.id, [PainEntry(dt.date(2015, 3, 10), 2)])


def add_run(url: str, activity_id: int, start: str, name: str, km: float, seconds: int,
            gear: str) -> None:
    """Store one more run of Sam's (UTC `start`, 150 bpm, max 175) through activities.csv."""
    with Store(url) as store:
        sam = store.athlete("Sam", create=False)
        store.import_results(sam.id, [read_bytes("activities.csv", strava_csv_bytes([{
            "activity_id": activity_id, "start": pd.Timestamp(start, tz="UTC"), "name": name,
            "distance_m": km * 1000, "elapsed_s": seconds, "moving_s": seconds,
            "avg_heart_rate": 150, "max_heart_rate": 175, "gear": gear}]), ReadOptions())])
