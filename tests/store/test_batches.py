"""Imports are written in batches (issue 10, 6) and never store an impossible activity."""

from __future__ import annotations

import pandas as pd

from analysis.ingest import FileResult, ReadOptions, read_sources
from analysis.store import Store
from analysis.store import repository as R
from analysis.synth import strava_csv_bytes
from tests.ingest.test_plausible import TCX_3E9


def tiny(count: int) -> list[FileResult]:
    """`count` one-row activity lists, each its own outing (a day apart)."""
    first = pd.Timestamp("2020-01-01 07:00", tz="UTC")
    lists = [(f"{i}.csv", strava_csv_bytes([{"activity_id": i, "distance_m": 5000.0,
                                             "start": first + pd.Timedelta(days=i),
                                             "elapsed_s": 1800}])) for i in range(count)]
    return list(read_sources(lists, ReadOptions(workers=1)))


def test_one_transaction_per_batch_of_files(store: Store, monkeypatch):
    monkeypatch.setattr(R, "BATCH_FILES", 4)
    me = store.athlete()
    before = store.data_version(me.id)
    report = store.import_results(me.id, tiny(10))
    assert report.imported == 10
    assert store.data_version(me.id) - before == 3  # batches of 4, 4 and 2 files
    assert len(store.activities(me.id)) == 10


def test_ignored_files_are_reported_not_logged(store: Store):
    me = store.athlete()
    results = [FileResult("photo.jpg", ignored="skipped (not an activity file)"), *tiny(1)]
    report = store.import_results(me.id, results)
    assert [(o.file, o.status) for o in report.files] == [("photo.jpg", "ignored"),
                                                           ("0.csv", "imported")]
    assert store.import_log(me.id)["file"].tolist() == ["0.csv"]


def test_an_impossible_activity_is_not_stored(store: Store):
    me = store.athlete()
    report = store.import_results(me.id, read_sources([("far.tcx", TCX_3E9)],
                                                      ReadOptions(workers=1)))
    assert [o.status for o in report.files] == ["failed"]
    assert report.files[0].message.startswith("refused: its numbers are impossible")
    assert store.activities(me.id).empty
