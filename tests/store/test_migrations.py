"""A database made by the first schema version survives the upgrade to the newest one."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from analysis.pain import PainEntry
from analysis.store import Store
from analysis.store.codec import FORMAT, encode_samples
from analysis.store.engine import MIGRATIONS, make_engine, migrating, upgrade
from analysis.store.models import metadata

UTC = sa.DateTime(timezone=True)
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()  # the newest revision
NOW = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)
# Tables as revision 0001 created them (not today's models, which may have moved on).
ATHLETES_0001 = sa.table("athletes", sa.column("id"), sa.column("name"), sa.column("tz"),
                         sa.column("units"), sa.column("settings", sa.JSON),
                         sa.column("created_at", UTC))
ACTIVITIES_0001 = sa.table("activities", sa.column("id"), sa.column("athlete_id"),
                           sa.column("activity_id"), sa.column("sport"),
                           sa.column("source_format"), sa.column("origin"),
                           sa.column("start_time", UTC), sa.column("local_date", sa.Date),
                           sa.column("distance_m"), sa.column("n_samples"),
                           sa.column("imported_at", UTC))
SAMPLES_0001 = sa.table("samples", sa.column("activity_pk"), sa.column("format"),
                        sa.column("n_rows"), sa.column("data", sa.LargeBinary))
PAIN_0001 = sa.table("pain_entries", sa.column("athlete_id"), sa.column("date", sa.Date),
                     sa.column("score"), sa.column("side"), sa.column("timing"),
                     sa.column("provokers"), sa.column("activity_id"), sa.column("note"),
                     sa.column("created_at", UTC), sa.column("updated_at", UTC))
LOG_0001 = sa.table("import_log", sa.column("athlete_id"), sa.column("file"),
                    sa.column("sha256"), sa.column("status"), sa.column("message"),
                    sa.column("new_activities"), sa.column("imported_at", UTC))
TRACK = pd.DataFrame({"time": pd.date_range("2024-03-01 07:00", periods=4, freq="s", tz="UTC"),
                      "lat": [52.1, 52.10001, 52.10002, 52.10003], "lon": [4.3] * 4,
                      "distance_m": [0.0, 1.1, 2.2, 3.3]})


def fill_first_version(url: str) -> None:
    """One athlete with two activities (one with samples), a linked pain entry, a log row."""
    engine = make_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(ATHLETES_0001.insert().values(
            id=1, name="anna", tz="Europe/Amsterdam", units="mi",
            settings={"flare_threshold": 5}, created_at=NOW))
        conn.execute(ACTIVITIES_0001.insert(), [
            {"id": 1, "athlete_id": 1, "activity_id": "trail", "sport": "trail_run",
             "source_format": "fit", "origin": "file",
             "start_time": dt.datetime(2024, 3, 1, 7, tzinfo=dt.UTC),
             "local_date": dt.date(2024, 3, 1), "distance_m": 3.3, "n_samples": 4,
             "imported_at": NOW},
            {"id": 2, "athlete_id": 1, "activity_id": "strava-9", "sport": "hike",
             "source_format": "strava_csv", "origin": "csv",
             "start_time": dt.datetime(2024, 3, 2, 9, tzinfo=dt.UTC),
             "local_date": dt.date(2024, 3, 2), "distance_m": 8000.0, "n_samples": 0,
             "imported_at": NOW},
        ])
        conn.execute(SAMPLES_0001.insert().values(activity_pk=1, format=FORMAT, n_rows=4,
                                                  data=encode_samples(TRACK)))
        conn.execute(PAIN_0001.insert().values(
            athlete_id=1, date=dt.date(2024, 3, 1), score=4, side="right",
            timing="after_run", provokers="stairs,downhill", activity_id="trail",
            note="steep descent", created_at=NOW, updated_at=NOW))
        conn.execute(LOG_0001.insert().values(
            athlete_id=1, file="trail.fit", sha256="ab" * 32, status="imported",
            message="1 new activity", new_activities=1, imported_at=NOW))
    engine.dispose()


def revision(store: Store) -> str:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_a_first_version_database_migrates_and_keeps_its_data(db_url: str):
    fill_first_version(db_url)
    with Store(db_url) as store:  # opening migrates to the newest revision
        assert revision(store) == HEAD
        anna = store.athlete("anna", create=False)
        assert (anna.tz, anna.units, anna.settings) == ("Europe/Amsterdam", "mi",
                                                        {"flare_threshold": 5})
        stored = store.activities(anna.id)
        assert stored[["activity_id", "sport", "distance_m"]].values.tolist() == [
            ["trail", "trail_run", 3.3], ["strava-9", "hike", 8000.0]]
        np.testing.assert_array_equal(store.samples("trail", anna.id)["lat"], TRACK["lat"])
        pain = store.pain(anna.id)
        assert pain[["score", "provokers", "activity_id", "note"]].values.tolist() == [
            [4, "stairs,downhill", "trail", "steep descent"]]
        assert store.import_log(anna.id)[["file", "status"]].values.tolist() == [
            ["trail.fit", "imported"]]
        # Revision 0002's additions: families filled in from the sport, versions from 0.
        with store.engine.connect() as conn:
            families = conn.execute(sa.text(
                "SELECT sport_family FROM activities ORDER BY id")).scalars().all()
        assert families == ["run", "walk"]
        assert store.data_version(anna.id) == 0
        store.add_pain(anna.id, [PainEntry(dt.date(2024, 3, 2), 1)])
        assert store.data_version(anna.id) == 1


def test_the_newest_revision_builds_exactly_the_models(db_url: str):
    with Store(db_url) as store, store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_downgrade_and_upgrade_again_keep_samples_and_pain(db_url: str):
    fill_first_version(db_url)
    with Store(db_url) as store:
        with migrating(store.engine) as config:  # rebuilds tables on SQLite
            command.downgrade(config, "0001")
        assert revision(store) == "0001"
        upgrade(store.engine)
        assert revision(store) == HEAD
        assert len(store.samples("trail", 1)) == 4
        assert store.pain(1).activity_id.tolist() == ["trail"]


def test_activities_stored_before_are_marked_guessed_where_the_file_named_no_sport(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0002")
    activities = sa.table("activities", sa.column("athlete_id"), sa.column("activity_id"),
                          sa.column("sport"), sa.column("start_time", UTC),
                          sa.column("imported_at", UTC), sa.column("warnings"))
    with engine.begin() as conn:
        conn.execute(ATHLETES_0001.insert().values(id=1, name="bo", units="km", settings={},
                                                   created_at=NOW))
        conn.execute(activities.insert(), [
            {"athlete_id": 1, "activity_id": "a", "sport": "run", "start_time": NOW,
             "imported_at": NOW, "warnings": "the file names no sport; taken as run from its "
                                             "name or speed"},
            {"athlete_id": 1, "activity_id": "b", "sport": "ride", "start_time": NOW,
             "imported_at": NOW, "warnings": ""}])
    engine.dispose()
    with Store(db_url) as store:
        table = store.activities(1)
    assert table[["activity_id", "sport_source"]].values.tolist() == [["a", "guessed"],
                                                                      ["b", "file"]]
    assert table.sport_reason.tolist() == [
        "guessed from its name or speed (before reasons were kept)", ""]
