"""The database commands: ingest, athletes, activities, athlete export|delete|set, pain."""

from __future__ import annotations

import json
import time
import zipfile

import pytest

from analysis.cli import main
from analysis.store import Store
from analysis.synth import gpx_bytes, strava_csv_bytes
from tests.store.conftest import run_at


@pytest.fixture
def db(db_url, monkeypatch) -> str:
    """The database the commands use through $KNEELOAD_DB (SQLite and PostgreSQL)."""
    monkeypatch.setenv("KNEELOAD_DB", db_url)
    return db_url


@pytest.fixture
def runs(tmp_path):
    """A folder with two GPX runs and an unreadable file."""
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a.gpx").write_bytes(gpx_bytes(run_at("2024-03-01T07:00:00Z", seed=1)))
    (folder / "b.gpx").write_bytes(gpx_bytes(run_at("2024-03-03T07:00:00Z", seed=2)))
    (folder / "c.gpx").write_bytes(b"<gpx>")
    return folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_and_again(db, runs, capsys):
    code, out, _ = run(capsys, "ingest", str(runs), "--json")
    assert code == 0
    report = json.loads(out)
    assert {k: report[k] for k in ("imported", "duplicate", "failed")} == {
        "imported": 2, "duplicate": 0, "failed": 1}
    assert [(f["file"], f["status"]) for f in report["files"]] == [
        ("runs/a.gpx", "imported"), ("runs/b.gpx", "imported"), ("runs/c.gpx", "failed")]
    code, out, err = run(capsys, "ingest", str(runs))
    assert (code, out) == (0, "me: files: 0 imported (0 new activities), 2 duplicate, 1 failed\n")
    assert err.startswith("runs/c.gpx: ")


def test_stored_activities_print_like_parse(db, runs, capsys):
    run(capsys, "ingest", str(runs))
    _, parsed, _ = run(capsys, "parse", str(runs))
    code, stored, _ = run(capsys, "activities")
    assert code == 0
    assert stored == parsed
    _, as_json, _ = run(capsys, "activities", "--format", "json")
    assert [a["activity_id"] for a in json.loads(as_json)["activities"]] == [
        line.split(",")[0] for line in parsed.splitlines()[1:]]


def test_the_athletes_time_zone_is_the_default_tz(db, tmp_path, capsys):
    listing = tmp_path / "activities.csv"  # a CSV row carries no offset and no GPS
    listing.write_bytes(strava_csv_bytes([{"activity_id": 7, "start": "2024-03-01 03:00",
                                           "distance_m": 5000, "elapsed_s": 1800}]))
    assert run(capsys, "athlete", "set", "me", "--tz", "America/New_York")[0] == 2  # no 'me' yet
    run(capsys, "pain", "add", "--score", "1", "--date", "2024-02-01")  # creates 'me'
    assert run(capsys, "athlete", "set", "me", "--tz", "America/New_York")[1] == (
        "me: time zone America/New_York, units km\n")
    run(capsys, "ingest", str(listing))
    activity = json.loads(run(capsys, "activities", "--format", "json")[1])["activities"][0]
    # 03:00 UTC is 22:00 the evening before in New York (UTC-5 in winter).
    assert (activity["local_date"], activity["tz_name"], activity["tz_source"]) == (
        "2024-02-29", "America/New_York", "athlete")


def test_athletes_listing_and_named_athletes(db, runs, capsys):
    run(capsys, "ingest", str(runs), "--athlete", "anna")
    code, out, _ = run(capsys, "athletes")
    assert (code, out) == (0, "id,name,tz,units,activities,runs,pain_entries,first_date,"
                              "last_date\n1,anna,,km,2,2,0,2024-03-01,2024-03-03\n")
    code, _, err = run(capsys, "activities", "--athlete", "zoe")
    assert (code, err) == (2, "kneeload: error: no athlete named 'zoe' (stored: anna)\n")


def test_athlete_export_and_delete(db, runs, tmp_path, capsys):
    run(capsys, "ingest", str(runs))
    out_zip = tmp_path / "me.zip"
    assert run(capsys, "athlete", "export", "me", str(out_zip)) == (
        0, f"exported 'me' to {out_zip}\n", "")
    archive = zipfile.ZipFile(out_zip)
    assert "samples.parquet" in archive.namelist()
    assert archive.testzip() is None
    made = {info.date_time[:3] for info in archive.infolist()}  # streamed members too
    assert made <= {tuple(time.localtime()[:3]), tuple(time.localtime(time.time() - 60)[:3])}
    assert not (tmp_path / "me.zip.part").exists()  # written aside, then moved into place

    code, _, err = run(capsys, "athlete", "delete", "me")
    assert (code, err) == (2, "kneeload: error: this deletes 'me' with 2 activities and 0 "
                              "pain entries for good; repeat with --yes\n")
    with Store(db) as store:
        assert len(store.activities(store.athlete("me").id)) == 2
    assert run(capsys, "athlete", "delete", "me", "--yes")[:2] == (
        0, "deleted 'me' and all their data\n")
    with Store(db) as store:
        assert store.athletes().empty


def test_db_option_beats_the_environment(db, runs, tmp_path, capsys):
    other = f"sqlite:///{tmp_path / 'other.db'}"
    run(capsys, "ingest", str(runs), "--db", other)
    with Store(other) as store:
        assert store.athletes()["activities"].tolist() == [2]
    with Store(db) as store:
        assert store.athletes().empty


def test_pain_add_and_export(db, capsys):
    code, out, _ = run(capsys, "pain", "add", "--date", "2024-03-02", "--score", "3",
                       "--side", "L", "--timing", "morning", "--provokers", "stairs,downhill",
                       "--note", "after the long run")
    assert (code, out) == (0, "added pain entry 1 for me: 2024-03-02, 3/10\n")
    run(capsys, "pain", "add", "--date", "01.03.2024", "--score", "0")
    code, out, _ = run(capsys, "pain", "export")
    assert out == ("entry_id,date,score,side,timing,provokers,activity_id,note\n"
                   "2,2024-03-01,0,,,,,\n"
                   "1,2024-03-02,3,left,next_morning,\"stairs,downhill\",,after the long run\n")
    entries = json.loads(run(capsys, "pain", "export", "--format", "json")[1])["pain"]
    assert entries[1] == {"entry_id": 1, "date": "2024-03-02", "score": 3, "side": "left",
                          "timing": "next_morning", "provokers": "stairs,downhill",
                          "activity_id": None, "note": "after the long run"}


def test_pain_add_refuses_bad_values_with_every_reason(db, capsys):
    code, _, err = run(capsys, "pain", "add", "--date", "2999-01-01", "--score", "eleven",
                       "--side", "middle", "--provokers", "stairs,jumping")
    assert code == 2
    assert err == ("kneeload: error: date 2999-01-01 lies in the future; score 'eleven' is "
                   "not a number; unknown side 'middle' (use left, right, both, L, R); "
                   "unknown provoker 'jumping' (use stairs, downhill, squatting, sitting, "
                   "other)\n")
    code, _, err = run(capsys, "pain", "add", "--score", "2", "--run", "nope")
    assert (code, err) == (2, "kneeload: error: no stored activity nope for this athlete "
                              "(see `kneeload activities`)\n")


def test_pain_import_validates_the_whole_file_first(db, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Knee Pain,Side,Timing\n"
                   "2024-03-01,3,L,after\n"
                   "2024-03-02,12,R,after\n"
                   "someday,2,both,morning\n"
                   "2024-03-04,4,up,after\n")
    code, out, err = run(capsys, "pain", "import", str(bad))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{bad}: line 3: score 12 is outside 0–10",
        f"{bad}: line 4: date 'someday' cannot be read (use YYYY-MM-DD, DD.MM.YYYY or "
        "MM/DD/YYYY)",
        f"{bad}: line 5: unknown side 'up' (use left, right, both, L, R)",
        f"{bad}: nothing was stored"]
    with Store(db) as store:
        assert store.pain(store.athlete().id).empty


def test_pain_import_twice_adds_nothing(db, tmp_path, capsys):
    diary = tmp_path / "diary.csv"
    diary.write_text("datum;schmerz;seite;notiz;wetter\n"
                     "01.03.2024;2;R;easy;sun\n"
                     "02.03.2024;;;;rain\n"
                     "03.03.2024;5;beide;stairs hurt;\n")
    code, out, _ = run(capsys, "pain", "import", str(diary))
    assert (code, out) == (0, "2 entries imported for me; 0 already stored; 1 rows without "
                              "a score left out (days without an entry stay missing); "
                              "ignored columns: wetter\n")
    assert run(capsys, "pain", "import", str(diary))[1].startswith(
        "0 entries imported for me; 2 already stored")
    with Store(db) as store:
        pain = store.pain(store.athlete().id)
    assert pain[["score", "side", "note"]].values.tolist() == [[2, "right", "easy"],
                                                              [5, "both", "stairs hurt"]]



def test_set_sport_confirms_a_guess(db, tmp_path, capsys):
    path = tmp_path / "run.gpx"
    path.write_bytes(gpx_bytes(run_at("2024-03-01T07:00:00Z", seed=1), sport=None))
    run(capsys, "ingest", str(path))
    (stored,) = json.loads(run(capsys, "activities", "--format", "json")[1])["activities"]
    assert stored["sport_source"] == "guessed"
    code, out, _ = run(capsys, "activities", "--athlete", "me", "set-sport",
                       stored["activity_id"], "walk")
    assert (code, out) == (0, f"{stored['activity_id']}: sport set to walk\n")
    (changed,) = json.loads(run(capsys, "activities", "--format", "json")[1])["activities"]
    assert (changed["sport"], changed["sport_source"]) == ("walk", "user")
    code, _, err = run(capsys, "activities", "set-sport", "nope", "run")
    assert (code, err) == (2, "kneeload: error: no stored activity 'nope' for this athlete "
                              "(see `kneeload activities`)\n")
    with pytest.raises(SystemExit) as stop:
        main(["activities", "set-sport", stored["activity_id"], "jogging"])
    assert stop.value.code == 2
