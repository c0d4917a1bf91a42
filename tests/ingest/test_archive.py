"""Strava bulk exports as a zip and as a folder, joined to activities.csv via Filename."""

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions, activity_table, read_sources
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes, zip_of
from tests.conftest import sample

START = pd.Timestamp("2024-04-01 06:00", tz="UTC")


def export_members() -> dict[str, bytes]:
    """A small Strava export: three files, a manual entry, a missing and a broken file."""
    rng = np.random.default_rng(11)
    run_a = synth_run(rng, START, duration_s=600)
    run_b = synth_run(rng, START + pd.Timedelta(days=1), duration_s=600)
    walk_c = synth_run(rng, START + pd.Timedelta(days=2), duration_s=600, speed_mps=1.3,
                       cadence_spm=110)
    extra_g = synth_run(rng, START + pd.Timedelta(days=4), duration_s=300)
    # Run B's watch wrote Amsterdam wall-clock time (UTC+2) and stamped it 'Z'.
    shifted_b = synth_run(np.random.default_rng(12), START + pd.Timedelta(days=1, hours=2),
                          duration_s=600)
    rows = [
        {"activity_id": 1, "start": run_a.start, "name": "Easy A", "type": "Run",
         "distance_m": run_a.distance[-1], "filename": "activities/1.fit.gz"},
        {"activity_id": 2, "start": run_b.start, "name": "Tempo B", "type": "Run",
         "distance_m": shifted_b.distance[-1], "filename": "activities/2.gpx.gz"},
        {"activity_id": 3, "start": walk_c.start, "name": "Walk C", "type": "Walk",
         "distance_m": walk_c.distance[-1], "filename": "activities/3.tcx.gz"},
        {"activity_id": 4, "start": START + pd.Timedelta(days=3), "name": "Manual D",
         "type": "Run", "distance_m": 4000.0, "elapsed_s": 1500},
        {"activity_id": 5, "start": START + pd.Timedelta(days=5), "name": "Missing E",
         "type": "Run", "distance_m": 6000.0, "filename": "activities/5.gpx"},
        {"activity_id": 6, "start": START + pd.Timedelta(days=6), "name": "Broken F",
         "type": "Run", "distance_m": 7000.0, "filename": "activities/6.gpx"},
    ]
    return {
        "activities.csv": strava_csv_bytes(rows),
        "activities/1.fit.gz": gzip.compress(fit_bytes(run_a)),
        "activities/2.gpx.gz": gzip.compress(gpx_bytes(shifted_b)),
        "activities/3.tcx.gz": gzip.compress(tcx_bytes(walk_c, sport="Walking")),
        "activities/6.gpx": b"this is not XML at all",
        "activities/7.fit": fit_bytes(extra_g),
        "media/photo.jpg": b"\xff\xd8\xff\xe0 not read",
    }



def check_export(results, prefix: str) -> None:
    by_file = {r.file.removeprefix(prefix): r for r in results}
    table = activity_table(results).set_index("name")
    assert table.loc["Easy A", "origin"] == "file+csv"
    assert table.loc["Easy A", "activity_id"] == "strava-1"
    assert table.loc["Easy A", "source_format"] == "fit"
    assert table.loc["Walk C", "sport"] == "walk"
    assert table.loc["Manual D", ["origin", "distance_m"]].tolist() == ["csv", 4000.0]
    # B's file times were two hours ahead of the CSV's UTC start: corrected.
    tempo = table.loc["Tempo B"]
    assert tempo["start_time"] == START + pd.Timedelta(days=1)
    assert "local time written as UTC" in tempo["warnings"]
    # A missing and a broken file: both reported, both rows kept from the CSV's values.
    assert by_file["activities/5.gpx"].error == "listed in activities.csv but not in the export"
    assert by_file["activities/6.gpx"].error == ("named .gpx, but the content is not GPX (XML): "
                                                 "it is plain text")
    assert table.loc["Missing E", ["origin", "distance_m"]].tolist() == ["csv", 6000.0]
    assert "could not be used" in table.loc["Broken F", "warnings"]
    # A file in activities/ that no row mentions is read on its own.
    standalone = table[table["origin"] == "file"]
    assert standalone["source_file"].str.endswith("activities/7.fit").tolist() == [True]
    # A photo is not read, but named: skipped, with the reason.
    assert [(r.status, r.ignored) for r in results if "photo" in r.file] == [
        ("ignored", "skipped (not an activity file)")]
    assert len(table) == 7


def test_strava_export_zip_streamed(tmp_path):
    path = tmp_path / "export_123"  # no .zip extension: recognised by content
    path.write_bytes(zip_of(export_members()))
    results = list(read_sources([path], ReadOptions(workers=1)))
    check_export(results, "export_123:")
    assert list(tmp_path.iterdir()) == [path]  # nothing extracted


def test_strava_export_folder(tmp_path):
    root = tmp_path / "export"
    for name, data in export_members().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    check_export(list(read_sources([root], ReadOptions(workers=1))), "export/")


def test_uploaded_zip_and_parallel_workers():
    members = export_members()
    members.update({f"activities/x{i}.fit": members["activities/7.fit"] for i in range(8)})
    results = list(read_sources([("upload.zip", zip_of(members))], ReadOptions(workers=2)))
    # Eight identical extra files: same content, same activity id each time.
    extra = [r for r in results if "/x" in r.file]
    assert len(extra) == 8 and len({r.activities[0].summary["activity_id"] for r in extra}) == 1


def test_unsafe_member_names_are_refused(tmp_path):
    data = zip_of({"../evil.gpx": b"<gpx/>", "/abs/evil.gpx": b"<gpx/>",
                   "ok.gpx": gpx_bytes(synth_run(np.random.default_rng(1), START, duration_s=60))})
    results = list(read_sources([("u.zip", data)], ReadOptions(workers=1)))
    errors = {r.file: r.error for r in results if r.error}
    assert errors == {"u.zip:../evil.gpx": "refused: unsafe path in the archive (absolute or '..')",
                      "u.zip:/abs/evil.gpx": "refused: unsafe path in the archive (absolute or "
                                             "'..')"}
    assert len(activity_table(results)) == 1


def test_real_strava_export_folder_joins_csv_and_fit():
    folder = sample("csv/strava_export_geo-activity-playground")
    results = list(read_sources([folder], ReadOptions(workers=1)))
    table = activity_table(results)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["activity_id"], row["name"], row["origin"]) == (
        "strava-12070555079", "Laufen Landal Park", "file+csv")
    assert row["source_format"] == "fit" and row["n_samples"] == 326
    assert row["distance_m"] == pytest.approx(3322.95, rel=0.001)
    assert (row["tz_source"], row["utc_offset_min"]) == ("file", 120)


def test_missing_path_is_reported():
    (result,) = list(read_sources(["/no/such/file.gpx"]))
    assert result.error == "no such file or folder"


def test_uploads_as_file_objects_are_read_without_copies():
    # The dashboard passes Streamlit's UploadedFile objects (BytesIO) straight through.
    members = export_members()
    gpx = gpx_bytes(synth_run(np.random.default_rng(3), START, duration_s=60))
    results = list(read_sources([("upload.zip", io.BytesIO(zip_of(members))),
                                 ("one.gpx", io.BytesIO(gpx))], ReadOptions(workers=1)))
    table = activity_table(results)
    assert len(table) == 8  # the export's seven plus the loose GPX
    assert table["source_file"].eq("one.gpx").sum() == 1
