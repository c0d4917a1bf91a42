"""The Store's tables: athletes, activities and samples, pain entries, export and delete."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from analysis.ingest import activity_table, read_sources
from analysis.pain import PainEntry, PainError
from analysis.schema import (
    ACTIVITY_COLUMN_NAMES,
    PAIN_COLUMN_NAMES,
    SAMPLE_COLUMN_NAMES,
    conform_pain,
    conform_samples,
    empty_activities,
)
from analysis.store import Athlete, Store, UnknownAthlete
from analysis.store.models import activities, athletes, import_log, pain_entries, samples
from analysis.synth import fit_bytes, gpx_bytes
from tests.store.conftest import run_at

D = dt.date


def imported(store: Store, athlete: Athlete, *files: tuple[str, bytes]):
    results = list(read_sources(list(files)))
    store.import_results(athlete.id, results)
    return results


# --- athletes ------------------------------------------------------------------------------

def test_the_default_athlete(store: Store):
    me = store.athlete()
    assert me == Athlete(1, "me", None, "km", {})
    assert store.athlete() == me
    anna = store.athlete("anna")
    assert store.athlete() == me  # 'me' stays the default while it exists
    store.delete_athlete(me.id)
    assert store.athlete() == anna  # the only athlete there is
    store.athlete("ben")
    with pytest.raises(UnknownAthlete, match=r"several athletes are stored \(anna, ben\)"):
        store.athlete()
    with pytest.raises(UnknownAthlete, match="no athlete named 'zoe'"):
        store.athlete("zoe", create=False)


def test_update_athlete(store: Store):
    me = store.athlete()
    settings = {"flare_threshold": 5, "weekly_jump": {"ratio": 1.3}}
    changed = store.update_athlete(me.id, name="Julia", tz="Europe/Berlin", units="mi",
                                   settings=settings)
    assert changed == Athlete(me.id, "Julia", "Europe/Berlin", "mi", settings)
    assert store.athlete("Julia") == changed
    assert store.update_athlete(me.id, tz="").tz is None
    store.athlete("anna")
    for bad, message in [({"tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
                         ({"units": "furlong"}, "units must be one of km, mi"),
                         ({"name": "anna"}, "an athlete named 'anna' exists"),
                         ({"name": "  "}, "name cannot be empty")]:
        with pytest.raises(ValueError, match=message):
            store.update_athlete(me.id, **bad)
    assert store.athlete("Julia").units == "mi"


def test_athletes_table_counts(store: Store):
    me, anna = store.athlete(), store.athlete("anna")
    imported(store, me, ("a.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z", seed=1))),
             ("b.gpx", gpx_bytes(run_at("2024-03-04T07:00:00Z", seed=2))),
             ("c.gpx", gpx_bytes(run_at("2024-03-06T07:00:00Z", seed=3, sport="ride"),
                                 sport="cycling")))
    store.add_pain(me.id, [PainEntry(D(2024, 2, 28), 2), PainEntry(D(2024, 3, 2), 4)])
    table = store.athletes()
    assert list(table.columns) == ["id", "name", "tz", "units", "activities", "runs",
                                   "pain_entries", "first_date", "last_date"]
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        # first day: the pain entry of 28 Feb; last: the ride of 6 March (not a run)
        [me.id, "me", None, "km", 3, 2, 2, pd.Timestamp("2024-02-28"),
         pd.Timestamp("2024-03-06")],
        [anna.id, "anna", None, "km", 0, 0, 0, None, None],
    ]


# --- activities and samples ----------------------------------------------------------------

def test_stored_activities_equal_what_the_reader_returned(store: Store):
    me = store.athlete()
    assert store.activities(me.id).equals(empty_activities())
    results = imported(store, me, ("late.fit", fit_bytes(run_at("2024-03-09T07:00:00Z"))),
                       ("early.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z", seed=2))))
    stored = store.activities(me.id)
    assert tuple(stored.columns) == ACTIVITY_COLUMN_NAMES
    pd.testing.assert_frame_equal(stored, activity_table(results))  # ordered by start


def test_samples_round_trip_exactly_within_their_stored_precision(store: Store):
    me = store.athlete()
    [result] = imported(store, me, ("a.fit", fit_bytes(run_at("2024-03-01T07:00:00Z"))))
    parsed = conform_samples(result.activities[0].samples)
    stored = store.samples(result.activities[0].summary["activity_id"], me.id)
    assert tuple(stored.columns) == SAMPLE_COLUMN_NAMES
    assert len(stored) == len(parsed) == 601
    for name in ("time", "lat", "lon"):  # time to the millisecond (whole seconds here)
        pd.testing.assert_series_equal(stored[name], parsed[name])
    for name in ("elevation_m", "distance_m", "cadence_spm", "heart_rate_bpm"):  # float32
        np.testing.assert_array_equal(stored[name], parsed[name].astype(np.float32))
    assert store.samples("no-such-id", me.id).columns.tolist() == list(SAMPLE_COLUMN_NAMES)
    assert store.samples("no-such-id", me.id).empty


def test_samples_are_stored_compactly(store: Store):
    me = store.athlete()
    imported(store, me, ("hour.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z",
                                                      duration_s=3600))))
    with store.engine.connect() as conn:
        n_rows, size = conn.execute(select(samples.c.n_rows,
                                           func.length(samples.c.data))).one()
    # 3601 samples x 7 columns x 8 bytes = 201 656 bytes as float64; stored in under a third.
    assert n_rows == 3601
    assert size < 201_656 / 3


# --- pain ----------------------------------------------------------------------------------

def test_pain_entries_several_per_day_ordered_by_day(store: Store):
    me = store.athlete()
    ids = store.add_pain(me.id, [
        PainEntry(D(2024, 3, 2), 3, "left", "during_run", ("downhill", "stairs")),
        PainEntry(D(2024, 3, 1), 0, "both", "daily_worst"),
        PainEntry(D(2024, 3, 2), 5, "left", "next_morning", note="stiff"),
    ])
    assert ids == [1, 2, 3]
    expected = conform_pain(pd.DataFrame({
        "entry_id": [2, 1, 3],
        "date": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-02"]),
        "score": [0, 3, 5], "side": ["both", "left", "left"],
        "timing": ["daily_worst", "during_run", "next_morning"],
        "provokers": ["", "stairs,downhill", ""], "activity_id": [None, None, None],
        "note": ["", "", "stiff"]}))
    pain = store.pain(me.id)
    assert tuple(pain.columns) == PAIN_COLUMN_NAMES
    pd.testing.assert_frame_equal(pain, expected)  # no row for days without an entry


def test_update_and_delete_pain(store: Store):
    me, anna = store.athlete(), store.athlete("anna")
    [entry_id] = store.add_pain(me.id, [PainEntry(D(2024, 3, 1), 3, "left")])
    entry = store.update_pain(me.id, entry_id, score="6", provokers="squat, stairs")
    assert entry == PainEntry(D(2024, 3, 1), 6, "left", provokers=("stairs", "squatting"))
    assert store.pain(me.id).loc[0, ["score", "provokers"]].tolist() == [6, "stairs,squatting"]
    with pytest.raises(PainError, match="score 12 is outside 0–10"):
        store.update_pain(me.id, entry_id, score=12)
    with pytest.raises(LookupError, match=f"no pain entry {entry_id} for this athlete"):
        store.delete_pain(anna.id, entry_id)
    with pytest.raises(TypeError, match="unknown pain entry field"):
        store.update_pain(me.id, entry_id, mood="grumpy")
    store.delete_pain(me.id, entry_id)
    assert store.pain(me.id).empty


def test_pain_linked_to_a_run_must_name_a_stored_run(store: Store):
    me = store.athlete()
    [result] = imported(store, me, ("a.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z"))))
    run_id = result.activities[0].summary["activity_id"]
    with pytest.raises(ValueError, match="no stored activity nope for this athlete"):
        store.add_pain(me.id, [PainEntry(D(2024, 3, 1), 2), PainEntry(D(2024, 3, 1), 4,
                                                                      activity_id="nope")])
    assert store.pain(me.id).empty  # the whole batch, not half of it
    store.add_pain(me.id, [PainEntry(D(2024, 3, 1), 2, activity_id=run_id)])
    assert store.pain(me.id).activity_id.tolist() == [run_id]


def test_importing_the_same_diary_twice_adds_nothing(store: Store):
    me = store.athlete()
    diary = [PainEntry(D(2024, 3, 1), 2), PainEntry(D(2024, 3, 1), 2),
             PainEntry(D(2024, 3, 2), 4, "right")]
    assert len(store.add_pain(me.id, diary, skip_duplicates=True)) == 3
    assert store.add_pain(me.id, diary, skip_duplicates=True) == []
    # One more identical entry than stored is one new entry.
    assert len(store.add_pain(me.id, [*diary, PainEntry(D(2024, 3, 1), 2)],
                              skip_duplicates=True)) == 1
    assert len(store.pain(me.id)) == 4


def test_the_database_itself_refuses_invalid_pain(store: Store):
    me = store.athlete()
    now = dt.datetime.now(dt.UTC)
    for bad in ({"score": 11}, {"side": "middle"}, {"timing": "whenever"}):
        row = {"athlete_id": me.id, "date": D(2024, 3, 1), "score": 3, "created_at": now,
               "updated_at": now, **bad}
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(pain_entries).values(**row))


# --- data version, export, delete ------------------------------------------------------------

def test_data_version_grows_with_every_write_to_that_athlete(store: Store):
    me, anna = store.athlete(), store.athlete("anna")
    assert (store.data_version(me.id), store.data_version(anna.id)) == (0, 0)
    imported(store, me, ("a.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z"))),
             ("b.txt", b"hello"))  # two files, one batch: one write
    [entry_id] = store.add_pain(me.id, [PainEntry(D(2024, 3, 1), 2)])  # 2
    store.update_pain(me.id, entry_id, score=3)  # 3
    store.delete_pain(me.id, entry_id)  # 4
    store.update_athlete(me.id, units="mi")  # 5
    assert (store.data_version(me.id), store.data_version(anna.id)) == (5, 0)
    assert store.data_version(np.int64(me.id)) == 5  # ids taken from a DataFrame work too
    with pytest.raises(UnknownAthlete):
        store.data_version(99)


def test_export_holds_the_whole_record(store: Store):
    me = store.athlete()
    store.update_athlete(me.id, tz="Europe/Berlin", settings={"flare_threshold": 4})
    results = imported(store, me, ("a.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z"))),
                       ("b.fit", fit_bytes(run_at("2024-03-02T07:00:00Z", seed=2,
                                                  duration_s=300))))
    store.add_pain(me.id, [PainEntry(D(2024, 3, 1), 2, "left", provokers=("stairs",))])
    archive = zipfile.ZipFile(io.BytesIO(store.export_athlete(me.id)))
    assert sorted(archive.namelist()) == sorted(
        ["athlete.json", "columns.csv"] + [f"{table}.{kind}" for table in
                                           ("activities", "samples", "pain", "import_log")
                                           for kind in ("csv", "parquet")])
    about = json.loads(archive.read("athlete.json"))
    assert {k: about[k] for k in ("name", "tz", "units", "settings")} == {
        "name": "me", "tz": "Europe/Berlin", "units": "km", "settings": {"flare_threshold": 4}}
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(archive.read("activities.parquet"))),
                                  activity_table(results))
    for kind in ("csv", "parquet"):
        data = io.BytesIO(archive.read(f"samples.{kind}"))
        table = pd.read_csv(data) if kind == "csv" else pd.read_parquet(data)
        assert table.columns.tolist() == ["activity_id", *SAMPLE_COLUMN_NAMES]
        assert table.groupby("activity_id", sort=False).size().tolist() == [601, 301]
        pain = pd.read_csv(io.BytesIO(archive.read("pain.csv")))
        assert pain[["date", "score", "side", "provokers"]].values.tolist() == [
            ["2024-03-01", 2, "left", "stairs"]]
    assert len(pd.read_csv(io.BytesIO(archive.read("import_log.csv")))) == 2


def test_export_of_an_athlete_without_data(store: Store):
    archive = zipfile.ZipFile(io.BytesIO(store.export_athlete(store.athlete().id)))
    for kind in ("csv", "parquet"):
        data = io.BytesIO(archive.read(f"samples.{kind}"))
        table = pd.read_csv(data) if kind == "csv" else pd.read_parquet(data)
        assert table.columns.tolist() == ["activity_id", *SAMPLE_COLUMN_NAMES]
        assert table.empty


def test_delete_athlete_removes_everything_of_theirs_only(store: Store):
    me, anna = store.athlete(), store.athlete("anna")
    for athlete in (me, anna):
        [result] = imported(store, athlete,
                            ("a.gpx", gpx_bytes(run_at("2024-03-01T07:00:00Z"))))
        store.add_pain(athlete.id, [PainEntry(D(2024, 3, 1), 2, activity_id=result
                                              .activities[0].summary["activity_id"])])
    store.delete_athlete(me.id)
    with store.engine.connect() as conn:
        counts = {table.name: conn.execute(select(func.count()).select_from(table)).scalar()
                  for table in (athletes, activities, samples, pain_entries, import_log)}
    assert counts == {"athletes": 1, "activities": 1, "samples": 1, "pain_entries": 1,
                      "import_log": 1}
    assert store.athletes().name.tolist() == ["anna"]
    with pytest.raises(UnknownAthlete):
        store.delete_athlete(me.id)
