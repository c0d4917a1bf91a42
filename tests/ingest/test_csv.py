"""Activity lists: Strava's activities.csv (English, German) and Garmin Connect's CSV."""

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.errors import IngestError
from analysis.ingest.garmin_csv import read_garmin_csv
from analysis.ingest.strava_csv import read_strava_csv
from analysis.synth import strava_csv_bytes
from tests.conftest import sample

ROWS = [
    {"activity_id": 101, "start": pd.Timestamp("2023-03-05 06:07:08", tz="UTC"),
     "name": "Hill reps", "type": "Run", "elapsed_s": 3000, "moving_s": 2900,
     "distance_m": 8123.4, "elevation_gain_m": 150.5, "elevation_loss_m": 149.0,
     "avg_cadence": 84.5, "avg_heart_rate": 151, "max_heart_rate": 178,
     "filename": "activities/101.fit.gz"},
    {"activity_id": 102, "start": pd.Timestamp("2023-03-06 18:30:00", tz="UTC"),
     "name": "Treadmill (manual)", "type": "Run", "elapsed_s": 1800, "moving_s": 1800,
     "distance_m": 5000.0},
]


def strava(data: bytes, **options) -> tuple[list[dict], list[str]]:
    rows, notes = read_strava_csv("activities.csv", data, ReadOptions(**options))
    return [r.activity.summary for r in rows], notes


def test_real_strava_export_row():
    data = sample("csv/strava_export_geo-activity-playground/activities.csv").read_bytes()
    rows, _ = read_strava_csv("activities.csv", data, ReadOptions())
    (row,) = rows
    s = row.activity.summary
    assert row.filename == "activities/12866632127.fit.gz"
    assert s["activity_id"] == "strava-12070555079"  # not the file's number
    assert s["start_time"] == pd.Timestamp("2022-05-29 15:53:35", tz="UTC")
    # The second 'Distance' column (metres), not the first (3.32 km).
    assert s["distance_m"] == pytest.approx(3322.949951171875)
    assert (s["elapsed_time_s"], s["moving_time_s"]) == (1428.0, 1411.0)
    assert s["elevation_gain_m"] == pytest.approx(61.878849029541016)
    # Average Cadence 71.259 strides/min for a run -> steps.
    assert s["avg_cadence_spm"] == pytest.approx(2 * 71.25904846191406)
    assert (s["cadence_source"], s["cadence_factor"]) == ("strava_csv:Average Cadence", 2.0)
    assert s["origin"] == "csv" and s["sport"] == "run"


@pytest.mark.parametrize("language", ["en", "de"])
def test_generated_exports_in_english_and_german(language):
    rows, notes = strava(strava_csv_bytes(ROWS, language))
    first, manual = rows
    assert notes == []
    assert first["start_time"] == pd.Timestamp("2023-03-05 06:07:08", tz="UTC")
    assert first["distance_m"] == 8123.4
    assert first["avg_cadence_spm"] == 169.0
    assert (first["avg_heart_rate_bpm"], first["max_heart_rate_bpm"]) == (151.0, 178.0)
    assert manual["name"] == "Treadmill (manual)" and manual["distance_m"] == 5000.0
    assert np.isnan(manual["avg_cadence_spm"])


def test_summary_distance_in_miles_is_recognised():
    # Row 1 has both columns: 1.00 (summary) vs 1609.3 m -> the summary unit is the mile.
    # Row 2 has only the summary: 2.00 miles = 3218.688 m.
    text = ("Activity ID,Activity Date,Activity Type,Distance,Distance\n"
            '1,"Jan 2, 2024, 7:00:00 AM",Run,1.00,1609.3\n'
            '2,"Jan 3, 2024, 7:00:00 AM",Run,2.00,\n')
    rows, _ = strava(text.encode())
    assert [r["distance_m"] for r in rows] == [1609.3, pytest.approx(3218.688)]


def test_only_summary_distance_is_read_as_km_and_said():
    text = 'Activity ID,Activity Date,Activity Type,Distance\n1,"Jan 2, 2024, 7:00:00 PM",Run,5.5\n'
    rows, notes = strava(text.encode())
    assert rows[0]["distance_m"] == 5500.0
    assert rows[0]["start_time"] == pd.Timestamp("2024-01-02 19:00", tz="UTC")
    assert notes == ["only the summary Distance column is present; read as kilometres"]


def test_unknown_language_names_the_headers():
    text = "ID de l'activité,Date de l'activité,Type d'activité,Distance\n1,x,Course,3\n"
    with pytest.raises(IngestError, match="headers not recognised: \"ID de l'activité\""):
        strava(text.encode())


def test_unknown_date_format_names_a_value():
    text = "Activity ID,Activity Date,Activity Type,Distance\n1,2024/31/12 7h,Run,3\n"
    with pytest.raises(IngestError, match="'2024/31/12 7h'"):
        strava(text.encode())


def test_windows_1252_german_export():
    data = strava_csv_bytes(ROWS, "de").decode("utf-8").encode("cp1252")
    rows, notes = strava(data)
    assert notes == ["not UTF-8; read as Windows-1252"]
    assert rows[0]["distance_m"] == 8123.4


def test_athlete_zone_sets_the_local_day_of_csv_rows():
    rows, _ = strava(strava_csv_bytes(ROWS), athlete_tz="America/Los_Angeles")
    # 06:07 UTC on 5 March is 22:07 on 4 March in Los Angeles (UTC-8).
    assert rows[0]["local_date"] == pd.Timestamp("2023-03-04")
    assert (rows[0]["tz_source"], rows[0]["utc_offset_min"]) == ("athlete", -480)


# --- Garmin Connect --------------------------------------------------------------------------

GARMIN_HEADER = ("Activity Type,Date,Favorite,Title,Distance,Time,Avg HR,Max HR,Avg Run Cadence,"
                 "Total Ascent,Total Descent,Avg Stride Length,Steps,Moving Time,Elapsed Time\n")


def garmin(text: str, **options) -> tuple[list[dict], list[str]]:
    activities, notes = read_garmin_csv("Activities.csv", text.encode(), ReadOptions(**options))
    return [a.summary for a in activities], notes


def test_real_garmin_export_european_locale():
    data = sample("csv/garmin_connect_grunt_Activities.csv").read_bytes()
    activities, notes = read_garmin_csv("Activities.csv", data, ReadOptions())
    assert len(activities) == 1131
    first = activities[0].summary
    # "Treadmill Running","2026-01-04 12:38:59", "3,40" km, cadence 172, ascent "--".
    assert first["sport"] == "treadmill_run"
    assert first["distance_m"] == pytest.approx(3400.0)
    assert first["avg_cadence_spm"] == 172.0 and first["cadence_factor"] == 1.0
    assert np.isnan(first["elevation_gain_m"])
    assert (first["elapsed_time_s"], first["moving_time_s"]) == (1021.0, 1011.0)
    assert first["local_date"] == pd.Timestamp("2026-01-04")
    assert first["tz_source"] == "csv_local"
    assert "numbers read with a decimal comma, units metric" in notes


def test_imperial_us_locale_with_thousands_separators():
    # 3.10 mi with 4,677 steps of 3.50 ft: 4677 × 3.5 / 3.10 = 5280 ft per mile -> imperial.
    rows = [f'Running,2024-06-0{d} 07:00:00,false,Run,3.10,00:30:00,150,170,172,"1,234",'
            f'"1,200",3.50,"4,677",00:29:30,00:31:00\n' for d in (1, 2, 3)]
    (first, *_), notes = garmin(GARMIN_HEADER + "".join(rows), athlete_tz="America/Denver")
    assert first["distance_m"] == pytest.approx(3.10 * 1609.344)
    assert first["elevation_gain_m"] == pytest.approx(1234 * 0.3048)
    assert first["elevation_loss_m"] == pytest.approx(1200 * 0.3048)
    assert (first["moving_time_s"], first["elapsed_time_s"]) == (1770.0, 1860.0)
    # 07:00 in Denver (MDT, UTC-6) is 13:00 UTC.
    assert first["start_time"] == pd.Timestamp("2024-06-01 13:00", tz="UTC")
    assert first["utc_offset_min"] == -360
    assert "numbers read with a decimal point, units imperial" in notes


def test_units_the_data_cannot_tell_must_be_chosen():
    text = GARMIN_HEADER + "Running,2024-06-01 07:00:00,false,Run,5.00,00:30:00,--,--,--,--,--," \
                           "--,--,--,--\n"
    with pytest.raises(IngestError, match="cannot tell whether this Garmin CSV is in km or miles"):
        garmin(text)
    (row,), _ = garmin(text, garmin_units="imperial")
    assert row["distance_m"] == pytest.approx(5 * 1609.344)
    assert np.isnan(row["avg_heart_rate_bpm"])  # '--' is missing, not zero


def test_chosen_units_contradicted_by_the_data():
    rows = [f'Running,2024-06-0{d} 07:00:00,false,Run,"5,00",00:30:00,150,170,172,50,50,"1,10",'
            f'"4.545",00:29:30,00:31:00\n' for d in (1, 2, 3)]
    with pytest.raises(IngestError, match="only add up in metric units"):
        garmin(GARMIN_HEADER + "".join(rows), garmin_units="imperial")


def test_repeated_rows_are_read_once():
    row = ('Running,2024-06-01 07:00:00,false,Run,"5,00",00:30:00,150,170,172,50,50,"1,10",'
           '"4.545",00:29:30,00:31:00\n')
    rows, notes = garmin(GARMIN_HEADER + row * 2, garmin_units="metric")
    assert len(rows) == 1 and "1 repeated or undated row(s) skipped" in notes


def test_dispatch_tells_strava_from_garmin():
    strava_result = read_bytes("a.csv", strava_csv_bytes(ROWS), ReadOptions())
    assert [a.summary["source_format"] for a in strava_result.activities] == ["strava_csv"] * 2
    other = read_bytes("x.csv", b"when,what\n1,2\n", ReadOptions())
    assert other.error.startswith("a CSV that is neither Strava's activities.csv nor a Garmin")
    assert "'when', 'what'" in other.error
