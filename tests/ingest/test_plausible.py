"""Absurd numbers: memory bounded by the number of points, impossible activities refused
with a message, one bad point or row skipped and counted (issue 10, defects 1–3).

Each case is a minimal hand-written file read through `read_sources`, as every import is.
"""

import io
import json
import re
import struct
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from analysis import track
from analysis.cli.output import write_json
from analysis.ingest import ReadOptions, read_sources
from analysis.ingest import plausible as P
from analysis.ingest.fitcrc import fit_crc
from analysis.synth import fit_bytes, strava_csv_bytes, synth_run
from analysis.synth.fitfile import FitSession
from tests.conftest import ROOT, sample
from tests.ingest.fuzzing import GARMIN_CSV
from tests.ingest.test_csv import GARMIN_HEADER

OPTIONS = ReadOptions(workers=1, garmin_units="metric")
GPX_HEAD = ('<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
            "<trk><type>running</type><trkseg>")


def read_one(name: str, data: bytes):
    (result,) = read_sources([(name, data)], OPTIONS)
    return result


def gpx(points: list[tuple[object, object, str]], extra: str = "") -> bytes:
    """A GPX of (lat, lon, time) points; `extra` goes into every point."""
    body = "".join(f'<trkpt lat="{lat}" lon="{lon}"><ele>10</ele><time>{t}</time>{extra}'
                   "</trkpt>" for lat, lon, t in points)
    return (GPX_HEAD + body + "</trkseg></trk></gpx>").encode()


def jog(n: int = 30, year: int = 2024) -> list[tuple[object, object, str]]:
    """n points a second apart, 2.2 m apart (8 km/h), from 52° N 13° E."""
    return [(round(52 + i * 2e-5, 6), 13, f"{year}-06-01T07:00:{i:02d}Z") for i in range(n)]


# --- 1. memory follows the points, not a distance read from the file -----------------------

TCX_3E9 = (b'<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/'
           b'xmlschemas/TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
           b"<Id>2024-06-01T07:00:00Z</Id><Lap StartTime=\"2024-06-01T07:00:00Z\"><Track>"
           b"<Trackpoint><Time>2024-06-01T07:00:00Z</Time><AltitudeMeters>10</AltitudeMeters>"
           b"<DistanceMeters>0</DistanceMeters></Trackpoint><Trackpoint><Time>2024-06-01T07:00:"
           b"10Z</Time><AltitudeMeters>12</AltitudeMeters><DistanceMeters>3000000000"
           b"</DistanceMeters></Trackpoint></Track></Lap></Activity></Activities>"
           b"</TrainingCenterDatabase>")
# 60 valid points alternating between longitude 0 and 179.9: a 1.18 million km "run".
ZIGZAG = gpx([(0, 0 if i % 2 else 179.9, f"2024-06-01T07:00:{i:02d}Z") for i in range(60)])


def test_elevation_grid_is_bounded_by_the_number_of_points():
    distance = np.array([0.0, 3e9])
    grid = track.elevation_on_grid(distance, np.array([10.0, 12.0]))
    # 2 points: at most 50 cells each plus the 10,000-cell floor (not 300 million cells).
    assert len(grid) <= 2 * track.GRID_CELLS_PER_POINT + track.GRID_CELLS_MIN + 1
    assert track.grid_step(distance) == pytest.approx(3e9 / 10_100)
    assert track.grid_step(np.array([0.0, 5000.0])) == 10.0  # a real run keeps its 10 m


@pytest.mark.parametrize(("name", "data", "error"), [
    ("far.tcx", TCX_3E9, "a distance of 3,000,000.0 km (a run is at most 1000 km)"),
    ("zigzag.gpx", ZIGZAG, "a distance of 1,180,235.7 km (a run is at most 1000 km)"),
])
def test_a_tiny_file_claiming_a_huge_distance_is_refused_in_little_memory(name, data, error):
    tracemalloc.start()
    try:
        result = read_one(name, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.error == "refused: its numbers are impossible: " + error
    assert result.activities == []
    assert peak < 50 * 2**20  # was 2.2 GiB for the TCX and 12 GB in the fuzz run


# --- 2. impossible values are refused or dropped -----------------------------------------

def test_damaged_fit_with_impossible_numbers_is_refused_and_named_damaged():
    run = synth_run(np.random.default_rng(1), "2024-06-01 07:00", duration_s=66)
    data = bytearray(fit_bytes(run, sessions=[FitSession(distance_m=1_612_800.0)]))
    data[-2:] = struct.pack("<H", fit_crc(bytes(data[:-2])) ^ 0xFFFF)  # a broken checksum
    result = read_one("cut.fit", bytes(data))
    assert result.error == ("refused: the file fails its checksum (damaged) and its numbers "
                            "are impossible: a distance of 1,612.8 km (a run is at most "
                            "1000 km)")


STRAVA_ROW = {"activity_id": 7, "start": pd.Timestamp("2024-06-01 07:00", tz="UTC"),
              "name": "Morning Run", "type": "Run", "elapsed_s": 1800, "distance_m": 5000.0}


def strava(**changes) -> bytes:
    good = {**STRAVA_ROW, "activity_id": 8, "start": pd.Timestamp("2024-06-02 07:00", tz="UTC")}
    return strava_csv_bytes([good, {**STRAVA_ROW, **changes}])


@pytest.mark.parametrize(("data", "refusal"), [
    (strava(distance_m=-5000.0), "a distance of -5.0 km (a run is at most 1000 km)"),
    (strava(distance_m=500_000.0, elapsed_s=60),
     "500.0 km in 60 s, 30000 km/h (a run averages at most 40 km/h)"),
    (strava(start=pd.Timestamp("2117-06-01 07:00", tz="UTC")),
     "a start on 2117-06-01 (before 1990 or in the future)"),
    (strava(elapsed_s=90 * 86400), "an elapsed time of 2,160.0 h (a run lasts at most 240 h)"),
    (strava(distance_m=123.0).replace(b",0.12,", b",1e400,").replace(b"123.0", b"1e400"),
     "a distance of inf km (a run is at most 1000 km)"),
])
def test_an_impossible_csv_row_is_refused_the_rest_kept(data, refusal):
    result = read_one("activities.csv", data)
    assert result.error is None
    assert [a.summary["activity_id"] for a in result.activities] == ["strava-8"]
    assert result.warnings[-1] == "1 of its activities refused: its numbers are impossible: " \
                                  + refusal


def test_heart_rate_and_cadence_outside_the_limits_are_dropped():
    hr = "<extensions><gpxtpx:TrackPointExtension xmlns:gpxtpx=\"http://www.garmin.com/" \
         "xmlschemas/TrackPointExtension/v1\"><gpxtpx:hr>{}</gpxtpx:hr><gpxtpx:cad>{}" \
         "</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>"
    points = [f'<trkpt lat="{lat}" lon="{lon}"><time>{t}</time>'
              + hr.format(*((900, 400) if i == 5 else (140, 85))) + "</trkpt>"
              for i, (lat, lon, t) in enumerate(jog())]
    data = (GPX_HEAD + "".join(points) + "</trkseg></trk></gpx>").encode()
    (activity,) = read_one("hr.gpx", data).activities
    s = activity.summary
    assert s["max_heart_rate_bpm"] == 140.0 and s["avg_cadence_spm"] == 170.0
    assert "dropped 1 heart-rate sample(s) outside 25–250" in s["warnings"]
    assert "dropped 1 cadence sample(s) outside 1–300" in s["warnings"]


def test_an_impossible_descent_in_a_garmin_row_is_dropped_the_run_kept():
    """Found by the fuzz run: Total Descent '1e400' was stored as infinity."""
    data = GARMIN_CSV.replace(b"172,50,50,", b'172,50,"1e400",', 1)
    assert data != GARMIN_CSV
    result = read_one("Activities.csv", data)
    first = result.activities[0].summary
    assert first["distance_m"] == 5000.0 and first["elevation_gain_m"] == 50.0
    assert pd.isna(first["elevation_loss_m"])
    assert "elevation_loss_m of inf dropped (outside 0–30000)" in first["warnings"]
    assert result.activities[1].summary["elevation_loss_m"] == 80.0


def test_one_bad_year_in_a_gpx_is_one_skipped_point_not_eight_years():
    points = jog()
    points[10] = (points[10][0], 13, "2016-06-01T07:00:10Z")
    (activity,) = read_one("year.gpx", gpx(points)).activities
    assert activity.summary["elapsed_time_s"] == 29.0
    assert "ignored 1 timestamp(s) days away from the rest of the track" in (
        activity.summary["warnings"])


def test_a_session_dated_2117_is_refused():
    run = synth_run(np.random.default_rng(2), "2117-06-01 07:00", duration_s=60)
    assert read_one("future.fit", fit_bytes(run)).error == (
        "refused: its numbers are impossible: a start on 2117-06-01 (before 1990 or in the "
        "future)")


def test_json_output_is_strict():
    stream = io.StringIO()
    write_json({"a": float("inf"), "b": [float("nan"), -np.inf], "c": {"d": np.float64("inf")}},
               stream)
    assert json.loads(stream.getvalue(), parse_constant=pytest.fail) == {
        "a": None, "b": [None, None], "c": {"d": None}}


def test_readme_lists_the_limits_of_the_code():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Plausible values"):]
    section = section[:section.index("\n#")]
    rows = {m[0]: tuple(float(v.replace(",", "")) for v in m[1:])
            for m in re.findall(r"\| (\w+)[^|]* \| ([\d,]+) km/h \| ([\d,]+) km \| ([\d,]+) h \|",
                                section)}
    assert rows == {family: (limit.speed_kmh, limit.distance_km, limit.duration_h)
                    for family, limit in P.LIMITS.items()}
    section = " ".join(section.split())
    low, high = P.HEART_RATE_BPM
    assert f"heart rate {low:g}–{high:g} bpm" in section
    low, high = P.CADENCE_SPM
    assert f"cadence {low:g}–{high:g} steps/min" in section
    assert P.ELEVATION_M == (0, 30_000) and "ascent or descent outside 0–30,000 m" in section
    assert "dates from 1990-01-01 to one day ahead" in section
    assert pd.Timestamp(P.EARLIEST_S, unit="s") == pd.Timestamp("1990-01-01")
    assert P.FUTURE_S == 86_400


# --- 3. one bad value is a skipped point or row, not a failed file ----------------------------

@pytest.mark.parametrize("bad", ["0001-06-01T07:00:10+02:00", "9999-06-01T07:00:10+02:00",
                                 "-24-06-01T07:00:10+02:00"])
def test_a_time_outside_pandas_range_is_one_skipped_point(bad):
    points = [(lat, lon, t.replace("Z", "+02:00")) for lat, lon, t in jog()]
    points[10] = (points[10][0], 13, bad)
    (activity,) = read_one("old.gpx", gpx(points)).activities
    assert activity.summary["n_samples"] == 30
    assert "1 timestamp(s) could not be read and were ignored" in activity.summary["warnings"]


def test_an_offset_of_a_day_or_more_is_passed_over():
    points = [(lat, lon, t.replace("Z", "+02:00")) for lat, lon, t in jog()]
    points[0] = (points[0][0], 13, "2024-06-01T07:00:00+25:00")
    (activity,) = read_one("offset.gpx", gpx(points)).activities
    # The stated +25:00 is no real offset: the clock comes from the GPS position (Berlin).
    assert activity.summary["tz_name"] == "Europe/Berlin"
    assert activity.summary["utc_offset_min"] == 120


def test_garmin_times_mixing_seconds_and_clock_times():
    rows = ("Running,2024-06-01 07:00:00,false,Run,5.00,1800,150,170,172,--,--,--,--,"
            "12:34.5,1800\n"
            "Running,2024-06-02 07:00:00,false,Run,5.00,00:30:00,150,170,172,--,--,--,--,"
            "1234,00:31:00\n")
    result = read_one("Activities.csv", (GARMIN_HEADER + rows).encode())
    assert result.error is None
    moving = [a.summary["moving_time_s"] for a in result.activities]
    assert moving == [754.5, 1234.0]


def test_a_comma_in_a_coordinate_skips_that_point_only():
    points = jog()
    points[29] = ("52,1", 13, points[29][2])
    data = gpx(points).replace(b"<gpx ", b"<!-- any comment sends it to the XML parser -->"
                                         b"<gpx ")
    (activity,) = read_one("comma.gpx", data).activities
    assert activity.summary["n_samples"] == 29
    assert "skipped 1 track point(s) whose lat/lon is not a number" in (
        activity.summary["warnings"])


def test_an_impossible_stated_total_is_ignored_and_the_points_decide():
    # A real, damaged Strava app FIT: its session states 2,027,039,628 s elapsed.
    data = sample("fit/fitparse__strava-android-app-201.10-b1218918.fit").read_bytes()
    (activity,) = read_one("strava.fit", data).activities
    s = activity.summary
    assert (s["distance_m"], s["elapsed_time_s"], s["moving_time_s"]) == (11274.04, 3558.0,
                                                                          3558.0)
    assert "ignored the file's stated elapsed time (s) of 2,027,039,628: impossible" in (
        s["warnings"])
