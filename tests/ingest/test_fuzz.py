"""Property tests: random bytes and mutated files (flips, cuts, insertions, deletions) never
make a reader raise anything but IngestError, `read_bytes` and `read_sources` never raise,
and nothing hangs (a deadline per example, a timeout per test).

Examples are derandomised (the same in every run and in CI); the counts keep the module
under about a minute. Each @example is an input that once crashed a reader.
"""

import gzip
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis.ingest import FileResult, IngestError, ReadOptions, read_sources
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.fit import read_fit
from analysis.ingest.garmin_csv import read_garmin_csv
from analysis.ingest.gpx import read_gpx
from analysis.ingest.strava_csv import read_strava_csv
from analysis.ingest.tcx import read_tcx
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes, zip_of
from tests.conftest import sample


def fuzz(examples: int) -> settings:
    """Deterministic settings: derandomised, no example database, a generous deadline
    (a hang, not a slow machine, should fail it)."""
    return settings(max_examples=examples, derandomize=True, database=None,
                    deadline=timedelta(seconds=3), print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


OPTIONS = ReadOptions(workers=1)
READERS = {
    "gpx": read_gpx,
    "tcx": read_tcx,
    "fit": read_fit,
    "strava_csv": lambda name, data: read_strava_csv(name, data, OPTIONS),
    "garmin_csv": lambda name, data: read_garmin_csv(name, data, OPTIONS),
}


def check(data: bytes) -> None:
    """Every reader either reads `data` or raises IngestError; read_bytes never raises."""
    for kind, reader in READERS.items():
        try:
            reader(f"fuzz.{kind}", data)
        except IngestError as error:
            assert error.file == f"fuzz.{kind}" and error.reason
    result = read_bytes("fuzz", data, OPTIONS)
    assert isinstance(result, FileResult)
    assert result.error is None or result.activities == []


# --- seeds --------------------------------------------------------------------------------

def garmin_csv() -> bytes:
    """A Garmin Connect list in metric units with a decimal comma: steps × stride length
    (5000 × 1,00 m) against the distance (5,00 km) tells the units."""
    head = ("Activity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,"
            "Avg Run Cadence,Total Ascent,Total Descent,Avg Stride Length,Steps,Moving Time,"
            "Elapsed Time")
    rows = [f'Running,2024-05-0{d} 07:00:00,false,"Run {d}","5,00","300","00:25:00","150",'
            f'"170","172","40","38","1,00","5000","00:24:30","00:25:10"' for d in range(1, 5)]
    return ("\n".join([head, *rows]) + "\n").encode()


def synthetic_seeds() -> dict[str, bytes]:
    """One short generated run in every format kneeload reads, and two activity lists."""
    run = synth_run(np.random.default_rng(21), "2024-05-01 07:00", duration_s=60)
    rows = [{"activity_id": i, "start": pd.Timestamp("2024-05-01", tz="UTC"), "name": "Läufchen",
             "distance_m": 5000.0, "elapsed_s": 1500, "moving_s": 1480, "avg_cadence": 84,
             "filename": f"activities/{i}.gpx"} for i in range(1, 4)]
    return {
        "gpx": gpx_bytes(run, segments=2),
        "gpx10": gpx_bytes(run, version="1.0", tpx=2, offset_min=120),
        "tcx": tcx_bytes(run, leading_space=True),
        "fit": fit_bytes(run),
        "fit-compressed-be": fit_bytes(run, compressed_timestamps=True, big_endian=True),
        "strava": strava_csv_bytes(rows),
        "strava-de-utf16": strava_csv_bytes(rows, language="de").decode().encode("utf-16"),
        "garmin": garmin_csv(),
        "gpx.gz": gzip.compress(gpx_bytes(run)),
    }



SYNTHETIC = synthetic_seeds()
# A small Strava export: activities.csv joined to a GPX, a FIT (named .gpx) and a .gpx.gz.
EXPORT = zip_of({"activities.csv": SYNTHETIC["strava"], "activities/1.gpx": SYNTHETIC["gpx"],
                 "activities/2.gpx": SYNTHETIC["fit"], "activities/3.gpx": SYNTHETIC["gpx.gz"],
                 "media/x.jpg": b"\xff\xd8"})


REAL = ["fit/fitparse__garmin-fenix-5-run.fit", "fit/sweatpy__6471559601_ACTIVITY.fit",
        "fit/gap__2022-05-29-15-53-35_Laufen_Landal_Park.fit",
        "fit/fitparse__strava-android-app-201.10-b1218918.fit",
        "gpx/togeojson__run_gpxtpx.gpx", "gpx/togeojson__Friday-Evening-Run.gpx",
        "gpx/gpxpy__unicode_with_bom.gpx", "gpx/gpxpy__track-with-empty-segment.gpx",
        "tcx/tcxparser__test.tcx", "csv/strava_export_geo-activity-playground/activities.csv",
        "csv/strava_export_geo-activity-playground/activities/12866632127.fit.gz"]


@pytest.fixture(scope="module")
def real() -> dict[str, bytes]:
    seeds = {name: sample(name).read_bytes() for name in REAL}
    # The Garmin list is 300 KB; its header and first 20 activities are enough.
    garmin = sample("csv/garmin_connect_grunt_Activities.csv").read_bytes()
    seeds["garmin"] = b"\n".join(garmin.split(b"\n")[:21]) + b"\n"
    return seeds


@st.composite
def mutations(draw, seeds: dict[str, bytes]) -> bytes:
    """One seed with one to four edits: a byte set, a cut, an insertion or a deletion."""
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        edit = draw(st.sampled_from(["set", "cut", "insert", "delete"]))
        if edit == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif edit == "cut":
            del data[at:]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """Load the time-zone tables before the first timed example."""
    read_bytes("warm.gpx", SYNTHETIC["gpx"], OPTIONS)


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_seeds_are_readable(name):
    assert read_bytes(name, SYNTHETIC[name], OPTIONS).error is None


def test_export_seed_is_readable():
    results = list(read_sources([("export.zip", EXPORT)], OPTIONS))
    assert [(r.file, r.status) for r in results] == [
        ("export.zip:activities.csv", "ok"), ("export.zip:media/x.jpg", "ignored"),
        ("export.zip:activities/1.gpx", "ok"), ("export.zip:activities/2.gpx", "ok"),
        ("export.zip:activities/3.gpx", "ok")]


# --- properties ---------------------------------------------------------------------------

# A FIT definition cut inside its field list (5 fields announced, 1 present), and one cut
# before its developer-field count: both once raised IndexError.
FIT_CUT_DEFINITION = (b"\x0e\x20\x54\x08\x09\x00\x00\x00.FIT\x00\x00"
                      b"\x40\x00\x00\x14\x00\x05\xfd\x04\x86")
FIT_CUT_DEVELOPER = (b"\x0e\x20\x54\x08\x09\x00\x00\x00.FIT\x00\x00"
                     b"\x60\x00\x00\x14\x00\x01\xfd\x04\x86")
# A record definition typing position_long (field 1) as a string, and one such record:
# once raised ValueError converting the text to a number.
FIT_TEXT_POSITION = (b"\x0e\x20\x54\x08\x15\x00\x00\x00.FIT\x00\x00"
                     b"\x40\x00\x00\x14\x00\x02\xfd\x04\x86\x01\x04\x07"
                     b"\x00\x00\xca\x9a\x3babc\x00\x00\x00")
# A header line with a stray carriage return once raised csv.Error.
CSV_STRAY_CR = b"Activity Type,Date\rTitle,Distance\n1,2\n"
# A UTF-16 file cut in the middle of a character once raised UnicodeDecodeError.
UTF16_CUT = "Activity ID,Activity Date\n".encode("utf-16")[:-1]
# A Garmin row shorter than the header (no Title) once raised TypeError on pd.NA.
GARMIN_SHORT_ROW = garmin_csv() + b"Running,2024-05-09 07:00:00\n"


@pytest.mark.timeout(120)
@fuzz(1000)
@given(st.binary(max_size=4096))
@example(FIT_CUT_DEFINITION)
@example(FIT_CUT_DEVELOPER)
@example(FIT_TEXT_POSITION)
@example(CSV_STRAY_CR)
@example(UTF16_CUT)
@example(GARMIN_SHORT_ROW)
def test_random_bytes(data):
    check(data)


@pytest.mark.timeout(120)
@fuzz(300)
@given(st.data())
def test_random_bytes_behind_valid_headers(data):
    # Random content behind the first bytes of a FIT, gzip, GPX or CSV file, so the readers
    # get past their first check.
    head = data.draw(st.sampled_from([
        b"\x0e\x20\x54\x08\x00\x10\x00\x00.FIT\x00\x00", b"\x0c\x10\x54\x08\x00\x10\x00\x00.FIT",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
        b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">',
        b"Activity ID,Activity Date,Activity Type,Distance,Filename\n",
    ]))
    check(head + data.draw(st.binary(max_size=2048)))


@pytest.mark.timeout(120)
@fuzz(800)
@given(mutations(SYNTHETIC))
def test_mutated_synthetic_files(data):
    check(data)


@pytest.mark.timeout(120)
@fuzz(400)
@given(st.data())
def test_mutated_real_files(real, data):
    check(data.draw(mutations(real)))


def damaged(data: bytes, signature: bytes, offset: int, value: bytes) -> bytes:
    """`data` with `value` written at `offset` after the first `signature`."""
    out = bytearray(data)
    at = out.index(signature) + offset
    out[at:at + len(value)] = value
    return bytes(out)


@pytest.mark.timeout(120)
@fuzz(300)
@given(mutations({"export": EXPORT}))
# Bad deflate data in activities.csv and an unknown compression method once raised out of
# read_sources and ended the whole import; a cut zip was called a nested archive.
@example(EXPORT[:len(EXPORT) // 2])
@example(damaged(EXPORT, b"PK\x03\x04", 60, b"\xff" * 40))
@example(damaged(EXPORT, b"PK\x01\x02", 10, b"\x63\x00"))
def test_mutated_export_zip(archive):
    results = list(read_sources([("export.zip", archive)], OPTIONS))
    assert results and all(isinstance(r, FileResult) for r in results)
