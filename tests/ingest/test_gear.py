"""Shoes from the lists that name them: Strava's Activity Gear and a Garmin Gear column,
kept through the store."""

from __future__ import annotations

import pandas as pd

from analysis.ingest.dispatch import read_bytes
from analysis.ingest.model import ReadOptions
from analysis.ingest.strava_csv import read_strava_csv
from analysis.store import Store
from analysis.synth import strava_csv_bytes
from tests.conftest import sample

ROWS = [{"activity_id": 1, "start": pd.Timestamp("2024-03-01 07:00", tz="UTC"), "name": "Easy",
         "distance_m": 8000, "elapsed_s": 2400, "moving_s": 2400, "gear": "Pegasus 40"},
        {"activity_id": 2, "start": pd.Timestamp("2024-03-03 07:00", tz="UTC"), "name": "Long",
         "distance_m": 16000, "elapsed_s": 5000, "moving_s": 5000}]


def test_strava_activity_gear_is_each_runs_shoes():
    rows, _ = read_strava_csv("activities.csv", strava_csv_bytes(ROWS), ReadOptions())
    assert [row.activity.summary["gear"] for row in rows] == ["Pegasus 40", None]


def test_a_german_export_without_the_column_reads_as_before():
    rows, _ = read_strava_csv("activities.csv", strava_csv_bytes(ROWS, "de"), ReadOptions())
    assert [row.activity.summary["gear"] for row in rows] == [None, None]


def test_the_real_strava_export_has_the_column_empty():
    data = sample("csv/strava_export_geo-activity-playground/activities.csv").read_bytes()
    rows, _ = read_strava_csv("activities.csv", data, ReadOptions())
    assert rows[0].activity.summary["gear"] is None


def test_a_garmin_list_with_a_gear_column():
    text = ("Activity Type,Date,Title,Distance,Time,Gear\n"
            "Running,2024-03-01 07:00:00,Morning,8.00,00:40:00,Cloudmonster\n"
            "Running,2024-03-02 07:00:00,Evening,5.00,00:25:00,--\n")
    result = read_bytes("Activities.csv", text.encode(), ReadOptions(garmin_units="metric"))
    assert [a.summary["gear"] for a in result.activities] == ["Cloudmonster", None]


def test_gear_is_stored_and_read_back(tmp_path):
    result = read_bytes("activities.csv", strava_csv_bytes(ROWS), ReadOptions())
    with Store(tmp_path / "k.db") as store:
        athlete = store.athlete("me")
        store.import_results(athlete.id, [result])
        stored = store.activities(athlete.id).set_index("activity_id")
    assert stored.loc["strava-1", "gear"] == "Pegasus 40"
    assert pd.isna(stored.loc["strava-2", "gear"])
