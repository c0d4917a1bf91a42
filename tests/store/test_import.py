"""Repeatable imports: nothing stored twice, the richest record of an outing kept in place."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from analysis.import_results import activity_rows
from analysis.ingest import FileResult, ParsedActivity, ReadOptions, activity_table, read_sources
from analysis.pain import PainEntry
from analysis.schema import conform_activities
from analysis.store import Store
from analysis.store.importer import file_status, merged_activities
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, tcx_bytes
from tests.conftest import sample
from tests.store.conftest import run_at

RUN1 = run_at("2024-03-01T07:00:00Z", seed=1)
RUN2 = run_at("2024-03-03T07:00:00Z", seed=2)
RUN3 = run_at("2024-03-05T07:00:00Z", seed=3)


def statuses(report) -> list[tuple[str, str]]:
    return [(o.file, o.status) for o in report.files]


def strava_zip(runs: dict[int, object]) -> bytes:
    """A Strava bulk export: activities.csv plus activities/<id>.gpx for each run."""
    rows = [{"activity_id": key, "start": run.start, "name": f"Run {key}", "type": "Run",
             "distance_m": run.distance[-1], "elapsed_s": run.t[-1],
             "filename": f"activities/{key}.gpx"} for key, run in runs.items()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("activities.csv", strava_csv_bytes(rows))
        for key, run in runs.items():
            archive.writestr(f"activities/{key}.gpx", gpx_bytes(run))
    return buffer.getvalue()


def outing(name: str, start: str, distance: float | None, *, sport: str = "run",
           fmt: str = "gpx", origin: str = "file", with_samples: bool = True) -> FileResult:
    """A reader result with one hand-made activity (three samples when `with_samples`)."""
    summary = {"activity_id": name, "source_file": name, "source_format": fmt,
               "origin": origin, "name": name, "sport": sport, "sport_raw": sport,
               "start_time": pd.Timestamp(start), "local_date": pd.Timestamp(start[:10]),
               "distance_m": np.nan if distance is None else distance,
               "n_samples": 3 if with_samples else 0}
    frame = pd.DataFrame({"time": pd.date_range(start, periods=3, freq="s"),
                          "lat": [52.0, 52.0001, 52.0002], "lon": [4.0, 4.0, 4.0],
                          "distance_m": [0.0, 11.1, 22.2]}) if with_samples else None
    return FileResult(name, sha256=None, activities=[ParsedActivity(summary, frame)])


def test_the_same_export_twice_adds_nothing(store: Store):
    athlete = store.athlete()
    export = [("export.zip", strava_zip({101: RUN1, 102: RUN2}))]
    first = store.import_results(athlete.id, read_sources(export))
    assert statuses(first) == [("export.zip:activities.csv", "empty"),
                               ("export.zip:activities/101.gpx", "imported"),
                               ("export.zip:activities/102.gpx", "imported")]
    stored = store.activities(athlete.id)
    assert list(stored.activity_id) == ["strava-101", "strava-102"]
    assert list(stored.name) == ["Run 101", "Run 102"]

    again = store.import_results(athlete.id, read_sources(export))
    assert (again.imported, again.duplicate, again.failed) == (0, 2, 0)
    assert again.files[1].message == ("same content as export.zip:activities/101.gpx, "
                                      "imported before")
    pd.testing.assert_frame_equal(store.activities(athlete.id), stored)
    assert len(store.import_log(athlete.id)) == 6


def test_files_imported_before_are_hashed_not_parsed(store: Store):
    athlete = store.athlete()
    export = strava_zip({1: RUN1, 2: RUN2})
    store.import_results(athlete.id, read_sources([("export.zip", export)]))
    known = store.imported_hashes(athlete.id)
    assert len(known) == 2  # the two GPX files (the listing itself stores nothing new)
    results = list(read_sources([("export.zip", export)], ReadOptions(known_sha256=known)))
    parsed = {r.file: (r.skipped, len(r.activities)) for r in results}
    assert parsed == {"export.zip:activities.csv": (False, 0),
                      "export.zip:activities/1.gpx": (True, 0),
                      "export.zip:activities/2.gpx": (True, 0)}
    report = store.import_results(athlete.id, results)
    assert (report.imported, report.duplicate, report.failed) == (0, 2, 0)
    assert len(store.activities(athlete.id)) == 2


def test_a_newer_overlapping_export_adds_only_what_is_new(store: Store):
    athlete = store.athlete()
    store.import_results(athlete.id, read_sources([("2023.zip", strava_zip({101: RUN1,
                                                                             102: RUN2}))]))
    newer = store.import_results(athlete.id, read_sources(
        [("2024.zip", strava_zip({101: RUN1, 102: RUN2, 103: RUN3}))]))
    assert (newer.imported, newer.duplicate, newer.failed) == (1, 2, 0)
    assert list(store.activities(athlete.id).activity_id) == ["strava-101", "strava-102",
                                                              "strava-103"]


def test_the_same_run_as_gpx_tcx_and_fit_is_stored_once_as_the_fit(store: Store):
    athlete = store.athlete()
    files = [("run.gpx", gpx_bytes(RUN1)), ("run.tcx", tcx_bytes(RUN1)),
             ("run.fit", fit_bytes(RUN1))]
    parsed = list(read_sources(files))
    report = store.import_results(athlete.id, parsed)
    assert [o.status for o in report.files] == ["imported", "duplicate", "duplicate"]
    gpx_id = parsed[0].activities[0].summary["activity_id"]
    assert report.files[2].message == (f"replaced the stored tcx file record of {gpx_id} "
                                       "with this richer one")
    stored = store.activities(athlete.id)
    # One outing; the stored id is the first one seen (links survive), the record the FIT's.
    expected = conform_activities(activity_table([parsed[2]]).assign(activity_id=gpx_id))
    pd.testing.assert_frame_equal(stored, expected)
    fit_samples = parsed[2].activities[0].samples
    assert store.samples(gpx_id, athlete.id)["distance_m"].iloc[-1] == pytest.approx(
        fit_samples["distance_m"].iloc[-1], abs=0.01)


def test_a_poorer_record_arriving_later_changes_nothing(store: Store):
    athlete = store.athlete()
    parsed = list(read_sources([("run.fit", fit_bytes(RUN1)), ("run.gpx", gpx_bytes(RUN1))]))
    report = store.import_results(athlete.id, parsed)
    fit_id = parsed[0].activities[0].summary["activity_id"]
    assert [(o.status, o.message) for o in report.files] == [
        ("imported", "1 new activity"), ("duplicate", f"already stored as {fit_id}")]
    pd.testing.assert_frame_equal(store.activities(athlete.id), activity_table(parsed[:1]))


def test_a_csv_row_and_its_file_are_one_activity_and_pain_links_survive(store: Store):
    athlete = store.athlete()
    listing = strava_csv_bytes([{"activity_id": 555, "start": RUN1.start, "name": "Tempo",
                                 "distance_m": RUN1.distance[-1], "elapsed_s": 600}])
    store.import_results(athlete.id, read_sources([("activities.csv", listing)]))
    [entry_id] = store.add_pain(athlete.id, [PainEntry(pd.Timestamp("2024-03-01").date(), 3,
                                                       activity_id="strava-555")])
    assert store.samples("strava-555", athlete.id).empty

    report = store.import_results(athlete.id, read_sources([("run.gpx", gpx_bytes(RUN1))]))
    assert [o.status for o in report.files] == ["duplicate"]
    stored = store.activities(athlete.id)
    assert list(stored.activity_id) == ["strava-555"]
    assert list(stored.source_format) == ["gpx"]
    assert len(store.samples("strava-555", athlete.id)) == 601  # 600 s at 1 s, both ends
    assert list(store.pain(athlete.id).activity_id) == ["strava-555"]
    assert list(store.pain(athlete.id).entry_id) == [entry_id]


@pytest.mark.parametrize("export_first", [True, False])
def test_device_fit_streams_keep_the_strava_name_and_type(store: Store, export_first: bool):
    # The Strava export carries the run as GPX joined to its CSV row ("Run 1"); the watch's
    # FIT is richer. Either order: the FIT's streams, the row's name and type, one record.
    athlete = store.athlete()
    sources = [("export.zip", strava_zip({1: RUN1})), ("watch.fit", fit_bytes(RUN1))]
    for source in sources if export_first else sources[::-1]:
        store.import_results(athlete.id, read_sources([source]))
    stored = store.activities(athlete.id)
    assert len(stored) == 1
    assert (stored.source_format[0], stored.origin[0], stored.name[0]) == (
        "fit", "file+csv", "Run 1")
    assert stored.activity_id[0] == ("strava-1" if export_first else
                                     activity_table(read_sources([sources[1]]))
                                     .activity_id[0])


def test_a_csv_row_after_its_file_is_a_duplicate(store: Store):
    athlete = store.athlete()
    listing = strava_csv_bytes([{"activity_id": 555, "start": RUN1.start,
                                 "distance_m": RUN1.distance[-1], "elapsed_s": 600}])
    report = store.import_results(athlete.id, read_sources(
        [("run.gpx", gpx_bytes(RUN1)), ("activities.csv", listing)]))
    assert [o.status for o in report.files] == ["imported", "duplicate"]
    assert list(store.activities(athlete.id).source_format) == ["gpx"]


@pytest.mark.parametrize(("start", "distance", "sport", "same"), [
    ("2024-03-01T07:02:00Z", 10_000.0, "run", True),         # 120 s apart: the limit
    ("2024-03-01T07:02:01Z", 10_000.0, "run", False),        # 121 s apart
    ("2024-03-01T06:58:00Z", 10_500.0, "trail_run", True),   # |500| <= 5 % of 10 500 = 525
    ("2024-03-01T07:00:00Z", 10_600.0, "run", False),        # |600| > 5 % of 10 600 = 530
    ("2024-03-01T07:00:00Z", 9_500.0, "treadmill_run", True),   # |500| <= 5 % of 10 000
    ("2024-03-01T07:00:00Z", 9_400.0, "run", False),         # |600| > 5 % of 10 000 = 500
    ("2024-03-01T07:00:00Z", None, "run", True),             # distance missing: time decides
    ("2024-03-01T07:00:00Z", 10_000.0, "ride", False),       # another sport family
])
def test_the_matching_rule(store: Store, start, distance, sport, same):
    athlete = store.athlete()
    store.import_results(athlete.id, [outing("stored", "2024-03-01T07:00:00Z", 10_000.0)])
    report = store.import_results(athlete.id, [outing("new", start, distance, sport=sport)])
    assert report.files[0].status == ("duplicate" if same else "imported")
    assert len(store.activities(athlete.id)) == (1 if same else 2)
    # the cohort build's matching without a database follows the same rule
    pair = [outing("stored", "2024-03-01T07:00:00Z", 10_000.0),
            outing("new", start, distance, sport=sport)]
    merged, kinds = merged_activities(a.summary for r in pair for a in r.activities)
    assert len(merged) == (1 if same else 2)
    assert kinds == ["new", "same" if same else "new"]


def test_merged_activities_are_what_the_store_keeps(store: Store):
    """GPX then FIT of one run, its activities.csv row, and three outings that are not it:
    one run 3 minutes later, one 18 % longer, one ride."""
    results = [
        outing("gpx", "2024-03-01T07:00:00Z", 10_000.0),
        outing("fit", "2024-03-01T07:00:05Z", 10_120.0, fmt="fit"),
        outing("row", "2024-03-01T07:01:00Z", 9_800.0, fmt="strava_csv", origin="csv",
               with_samples=False),  # |9 800 − 10 120| = 320 <= 5 % of 10 120 = 506
        outing("later", "2024-03-01T07:03:00Z", 10_000.0),  # 175 s after the FIT's start
        outing("longer", "2024-03-01T07:00:00Z", 12_000.0),  # |1 880| > 5 % of 12 000
        outing("ride", "2024-03-01T07:00:30Z", 10_000.0, sport="ride"),
    ]
    merged, kinds = merged_activities(a.summary for r in results for a in r.activities)
    # the FIT is richer than the stored GPX; the row names the run; the rest are new
    assert kinds == ["new", "replaced", "named", "new", "new", "new"]
    # by start: longer 07:00:00, the run 07:00:05 (the FIT's values under the GPX's id,
    # named by its row), ride 07:00:30, later 07:03:00
    assert list(merged.activity_id) == ["longer", "gpx", "ride", "later"]
    assert list(merged.distance_m) == [12_000.0, 10_120.0, 10_000.0, 10_000.0]
    assert list(merged.source_format) == ["gpx", "fit", "gpx", "gpx"]
    assert list(merged.origin) == ["file", "file+csv", "file", "file"]
    assert list(merged.name) == ["longer", "row", "ride", "later"]
    athlete = store.athlete()
    report = store.import_results(athlete.id, results)
    pd.testing.assert_frame_equal(merged, store.activities(athlete.id))
    assert [f.status for f in report.files] == ["imported", "duplicate", "duplicate",
                                                "imported", "imported", "imported"]
    assert [file_status(False, [kind]) for kind in kinds] == [f.status for f in report.files]


def test_walks_and_hikes_are_one_family_and_the_nearest_start_wins(store: Store):
    athlete = store.athlete()
    store.import_results(athlete.id, [
        outing("walk-a", "2024-03-01T07:00:00Z", 5_000.0, sport="walk"),
        outing("walk-b", "2024-03-01T07:03:00Z", 5_000.0, sport="walk"),  # 180 s: separate
    ])
    # 07:02:00 is 120 s from walk-a and 60 s from walk-b: it is walk-b, now as a FIT.
    report = store.import_results(athlete.id, [
        outing("hike", "2024-03-01T07:02:00Z", 5_100.0, sport="hike", fmt="fit")])
    assert report.files[0].message == ("replaced the stored gpx file record of walk-b with "
                                       "this richer one")
    stored = store.activities(athlete.id)
    assert list(stored.activity_id) == ["walk-a", "walk-b"]
    assert list(stored.sport) == ["walk", "hike"]


def test_a_record_with_samples_beats_origin_and_format(store: Store):
    athlete = store.athlete()
    store.import_results(athlete.id, [outing("fit-summary", "2024-03-01T07:00:00Z", 10_000.0,
                                             fmt="fit", origin="file+csv",
                                             with_samples=False)])
    store.import_results(athlete.id, [outing("gpx", "2024-03-01T07:00:30Z", 10_000.0)])
    stored = store.activities(athlete.id)
    assert (stored.activity_id[0], stored.source_format[0]) == ("fit-summary", "gpx")
    assert len(store.samples("fit-summary", athlete.id)) == 3


def test_same_content_under_another_name_is_a_duplicate_without_matching(store: Store):
    athlete = store.athlete()
    data = gpx_bytes(RUN1)
    report = store.import_results(athlete.id, read_sources([("a.gpx", data),
                                                            ("copy of a.gpx", data)]))
    assert [(o.status, o.message) for o in report.files] == [
        ("imported", "1 new activity"), ("duplicate", "same content as a.gpx, imported before")]


def test_failed_files_are_logged_and_tried_again(store: Store):
    athlete = store.athlete()
    files = [("broken.gpx", b"<gpx><trk>"), ("run.gpx", gpx_bytes(RUN1))]
    first = store.import_results(athlete.id, read_sources(files))
    assert (first.imported, first.duplicate, first.failed) == (1, 0, 1)
    again = store.import_results(athlete.id, read_sources(files))
    assert (again.imported, again.duplicate, again.failed) == (0, 1, 1)
    log = store.import_log(athlete.id)
    assert list(log.status) == ["failed", "imported", "failed", "duplicate"]
    assert list(log.new_activities) == [0, 1, 0, 0]
    assert log.message[0] == ("not well-formed XML (Premature end of data in tag trk line 1, "
                              "line 1, column 11)")


def test_progress_is_reported_per_file(store: Store):
    athlete = store.athlete()
    calls = []
    results = list(read_sources([("a.gpx", gpx_bytes(RUN1)), ("b.gpx", gpx_bytes(RUN2))]))
    store.import_results(athlete.id, results, progress=lambda *call: calls.append(call))
    assert calls == [(1, 2, "a.gpx"), (2, 2, "b.gpx")]


def test_the_json_summary(store: Store):
    athlete = store.athlete()
    report = store.import_results(athlete.id, read_sources([("a.gpx", gpx_bytes(RUN1)),
                                                            ("b.txt", b"hello")]))
    assert report.as_dict() == {
        "imported": 1, "duplicate": 0, "ignored": 0, "failed": 1,
        "files": [{"file": "a.gpx", "status": "imported", "message": "1 new activity"},
                  {"file": "b.txt", "status": "failed",
                   "message": "plain text, not a GPX, TCX, FIT or CSV file"}]}


def test_athletes_do_not_share_activities(store: Store):
    anna, ben = store.athlete("anna"), store.athlete("ben")
    data = [("a.gpx", gpx_bytes(RUN1))]
    store.import_results(anna.id, read_sources(data))
    report = store.import_results(ben.id, read_sources(data))
    assert report.imported == 1
    assert len(store.activities(anna.id)) == len(store.activities(ben.id)) == 1


# --- real files --------------------------------------------------------------------------

STRAVA_EXPORT = "csv/strava_export_geo-activity-playground"
DEVICE_FIT = "fit/gap__2022-05-29-15-53-35_Laufen_Landal_Park.fit"


@pytest.mark.parametrize("export_first", [True, False])
def test_real_strava_export_and_device_fit_of_one_run_are_stored_once(store: Store,
                                                                      export_first: bool):
    athlete = store.athlete()
    paths = [sample(STRAVA_EXPORT), sample(DEVICE_FIT)]
    for path in paths if export_first else paths[::-1]:
        store.import_results(athlete.id, read_sources([path]))
    stored = store.activities(athlete.id)
    assert len(stored) == 1
    # Both are FITs: the export's (joined to its row) wins; the id is the first seen.
    assert stored.activity_id[0] == ("strava-12070555079" if export_first
                                     else "c72e4a98d852f67e")
    assert (stored.origin[0], stored.name[0], stored.n_samples[0]) == (
        "file+csv", "Laufen Landal Park", 326)
    assert stored.start_time[0] == pd.Timestamp("2022-05-29 15:53:35", tz="UTC")
    assert len(store.samples(stored.activity_id[0], athlete.id)) == 326
    again = store.import_results(athlete.id, read_sources(paths))
    assert (again.imported, again.duplicate, again.failed) == (0, 2, 0)


def test_real_ride_as_fit_and_two_gpx_is_stored_once_as_the_fit(store: Store):
    athlete = store.athlete()
    paths = [sample("gpx/sweatpy__activity_4078723797.gpx"),
             sample("gpx/sweatpy__4078723797_strava.gpx"), sample("fit/sweatpy__4078723797.fit")]
    report = store.import_results(athlete.id, read_sources(paths))
    assert [o.status for o in report.files] == ["imported", "duplicate", "duplicate"]
    stored = store.activities(athlete.id)
    assert list(stored.source_format) == ["fit"]
    assert list(stored.sport) == ["ride"]
    assert stored.distance_m[0] == 57567.24  # the last device distance = session total


def test_each_activity_of_a_listing_gets_its_own_result(store: Store):
    """A longer activities.csv after a shorter one: the rows stored before are 'already
    stored', only the new one 'imported' (not the file's status for all three)."""
    athlete = store.athlete()
    rows = [{"activity_id": key, "start": run.start, "name": f"Run {key}", "type": "Run",
             "distance_m": run.distance[-1], "elapsed_s": run.t[-1]}
            for key, run in ((101, RUN1), (102, RUN2), (103, RUN3))]
    store.import_results(athlete.id, read_sources([("old.csv", strava_csv_bytes(rows[:2]))]))
    results = list(read_sources([("new.csv", strava_csv_bytes(rows))]))
    report = store.import_results(athlete.id, results)
    assert statuses(report) == [("new.csv", "imported")]
    table = activity_rows(results, report.files)
    assert table[["date", "result"]].values.tolist() == [
        [pd.Timestamp("2024-03-01").date(), "already stored"],
        [pd.Timestamp("2024-03-03").date(), "already stored"],
        [pd.Timestamp("2024-03-05").date(), "imported"]]


def test_a_richer_record_of_a_stored_run_is_not_counted_as_imported(store: Store):
    """The Import page's 'Imported' counts new activities: a FIT that replaces the stored
    GPX of the same run is the same activity, already stored."""
    athlete = store.athlete()
    store.import_results(athlete.id, [outing("gpx", "2024-03-01T07:00:00Z", 10_000.0)])
    results = [outing("fit", "2024-03-01T07:00:05Z", 10_120.0, fmt="fit")]
    report = store.import_results(athlete.id, results)
    table = activity_rows(results, report.files)
    assert table[["result", "details"]].values.tolist() == [
        ["already stored", "this record, with more detail, replaced the stored one"]]
    assert len(store.activities(athlete.id)) == 1
