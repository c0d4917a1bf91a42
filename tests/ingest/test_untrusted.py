"""Paths, archives and messages from untrusted input (issue 10, defects 4, 5, 6 and 10):
regular files only, no link out of the chosen folder, nothing dropped silently, bounded
entry counts, messages that say what a file is."""

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from analysis.cli import main
from analysis.ingest import ReadOptions, read_sources
from analysis.ingest import archive as A
from analysis.ingest.decompress import Limits, MiB
from analysis.ingest.localpaths import PathRefused, dashboard_path
from analysis.synth import gpx_bytes, strava_csv_bytes, synth_run, zip_of

OPTIONS = ReadOptions(workers=1)
REFUSED_DTD = ("refused: XML with a DOCTYPE or entity declarations (GPX and TCX never need "
               "them; they can hide entity bombs or read other files)")


@pytest.fixture(scope="module")
def good() -> bytes:
    return gpx_bytes(synth_run(np.random.default_rng(5), "2024-06-03 07:00", duration_s=120))


def read(*sources, options: ReadOptions = OPTIONS) -> dict:
    return {r.file: r for r in read_sources(list(sources), options)}



# --- 4. reading paths ------------------------------------------------------------------------

def test_parse_dev_zero_says_what_it_is(capsys):
    assert main(["parse", "/dev/zero", "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("activity_id,") and out.count("\n") == 1  # the header alone
    assert err == ("/dev/zero: not a regular file (a device, pipe or socket); only files and "
                   "folders are read\n")


def test_a_pipe_in_a_folder_is_named_not_waited_for(tmp_path, good):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a.gpx").write_bytes(good)
    os.mkfifo(folder / "b.gpx")  # opening it to read would wait for ever
    results = read(folder)
    assert results["runs/a.gpx"].error is None
    assert results["runs/b.gpx"].error.startswith("not a regular file")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, good):
    big = tmp_path / "big.gpx"
    big.write_bytes(good + b" " * (2 * MiB))
    (result,) = read(big, options=ReadOptions(workers=1, limits=Limits(max_file_bytes=MiB)
                                              )).values()
    assert result.error == "refused: larger than 1 MiB (2 MiB)"


def test_links_out_of_the_folder_are_not_followed_nor_echoed(tmp_path, good):
    secrets = tmp_path / "elsewhere"
    secrets.mkdir()
    (secrets / "env.csv").write_text("DB_PASSWORD,API_KEY\nhunter2,abc\n")
    (secrets / "run.gpx").write_bytes(good)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "activities.csv").symlink_to(secrets / "env.csv")
    (folder / "run.gpx").symlink_to(secrets / "run.gpx")
    (folder / "inside.gpx").write_bytes(good)
    (folder / "again.gpx").symlink_to(folder / "inside.gpx")  # a link inside is fine
    results = read(folder)
    assert {name: r.error for name, r in results.items()} == {
        "export/activities.csv": A.LINK_OUT, "export/run.gpx": A.LINK_OUT,
        "export/again.gpx": None, "export/inside.gpx": None}
    everything = " ".join(f"{r.error} {r.warnings}" for r in results.values())
    assert "DB_PASSWORD" not in everything and "hunter2" not in everything


def test_unrecognised_headers_are_echoed_only_as_a_short_excerpt():
    header = ",".join(f"SECRET_NAME_NUMBER_{i}_WITH_A_LONG_TAIL" for i in range(10))
    (result,) = read(("x.csv", f"{header}\n1,2,3,4,5,6,7,8,9,10\n".encode())).values()
    assert result.error == (
        "a CSV that is neither Strava's activities.csv nor a Garmin Connect export; headers "
        "not recognised: 'SECRET_NAME_NUMBER_0_WIT…', 'SECRET_NAME_NUMBER_1_WIT…', "
        "'SECRET_NAME_NUMBER_2_WIT…' and 7 more")


def test_dashboard_paths_stay_in_the_allowed_folders(tmp_path, monkeypatch, good):
    allowed = tmp_path / "allowed"
    (allowed / "export").mkdir(parents=True)
    (allowed / "export" / "run.gpx").write_bytes(good)
    (allowed / "out").symlink_to(tmp_path)
    monkeypatch.setenv("KNEELOAD_LOCAL_ROOTS", str(allowed))
    assert dashboard_path(f"{allowed}/export") == allowed / "export"
    for path, problem in ((str(tmp_path), "only folders and files under"),
                          (f"{allowed}/out", "only folders and files under"),
                          ("/dev/zero", "only folders and files under"),
                          ("export", "give the full path"),
                          (f"{allowed}/nothing", "nothing found at")):
        with pytest.raises(PathRefused, match=problem):
            dashboard_path(path)
    monkeypatch.setenv("KNEELOAD_LOCAL_ROOTS", "/dev")
    with pytest.raises(PathRefused, match="not a regular file"):
        dashboard_path("/dev/zero")


def test_dashboard_paths_default_to_the_home_folder(monkeypatch):
    monkeypatch.delenv("KNEELOAD_LOCAL_ROOTS", raising=False)
    with pytest.raises(PathRefused, match=f"only folders and files under {Path.home()} "):
        dashboard_path("/etc")


# --- 5. nothing dropped silently ---------------------------------------------------------------

def test_files_that_are_not_read_are_named_with_the_reason(good):
    rows = [{"activity_id": 1, "start": "2024-06-03 07:00", "distance_m": 400.0,
             "elapsed_s": 120, "filename": "activities/1.gpx"}]
    export = zip_of({"activities.csv": strava_csv_bytes(rows), "activities/1.gpx": good,
                     "routes/r.gpx": good, "media/p.jpg": b"jpeg", "old.bak": b"x",
                     "activities/2.gpx.gzip": b"y"})
    results = read(("export.zip", export))
    assert {name: (r.status, r.ignored) for name, r in results.items()} == {
        "export.zip:activities.csv": ("ok", ""),
        "export.zip:activities/1.gpx": ("ok", ""),
        "export.zip:activities/2.gpx.gzip": ("failed", ""),  # in activities/: read, and said
        "export.zip:routes/r.gpx": ("ignored", A.OUTSIDE_EXPORT),
        "export.zip:media/p.jpg": ("ignored", A.NOT_ACTIVITY),
        "export.zip:old.bak": ("ignored", A.NOT_ACTIVITY)}


def test_cli_names_ignored_files_and_skipped_rows(tmp_path, capsys, good):
    rows = [{"activity_id": i, "start": f"2024-06-0{i} 07:00", "distance_m": 5000.0,
             "elapsed_s": 1800} for i in (1, 2, 3)]
    text = strava_csv_bytes(rows).decode().replace('"Jun 3, 2024, 7:00:00 AM"',
                                                   "2024-06-03 07:00:00")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "activities.csv").write_text(text)
    (folder / "notes.txt").write_text("hello")
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["ingest", str(folder), "--db", db, "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert out == ("me: files: 1 imported (2 new activities), 0 duplicate, 1 ignored (not "
                   "activity files), 0 failed\n")
    assert "in/notes.txt: skipped (not an activity file)" in err
    assert "line 4: no activity id or date; skipped" in err  # the minority date format
    assert main(["parse", str(folder), "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert "in/activities.csv: line 4: no activity id or date; skipped" in err
    assert "1 file(s) ignored (not activity files)" in err


# --- 6. archives with huge entry counts; gzip inside a zip -------------------------------------

def test_an_archive_of_too_many_entries_is_refused_at_once(monkeypatch, good):
    monkeypatch.setattr(A, "MAX_ENTRIES", 5)
    many = zip_of({f"{i}.gpx": good for i in range(6)})
    assert {n: r.error for n, r in read(("many.zip", many)).items()} == {
        "many.zip": "refused: holds 6 files, more than the 5 an import reads from one archive "
                    "or folder"}


def test_a_folder_of_too_many_entries_is_refused_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr(A, "MAX_ENTRIES", 5)
    for i in range(6):
        (tmp_path / f"{i}.txt").write_text("x")
    (result,) = read(tmp_path).values()
    assert result.error.startswith("refused: holds 6 files, more than the 5")


def test_gzip_inside_a_zip_counts_towards_the_import_total(good):
    packed = gzip.compress(good)
    limits = Limits(max_total_bytes=2 * len(packed) + len(good) + 100)
    results = read(("gz.zip", zip_of({"a.gpx.gz": packed, "b.gpx.gz": packed})),
                   options=ReadOptions(workers=1, limits=limits))
    assert results["gz.zip:a.gpx.gz"].error is None
    assert results["gz.zip:b.gpx.gz"].error == (
        "refused: the import decompresses to more than 0 MiB in total")


# --- 10. say what a refused file is ------------------------------------------------------------

BODY = ('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        + "".join(f'<trkpt lat="{52 + i * 2e-5:.5f}" lon="13"><time>2024-06-01T07:00:{i:02d}Z'
                  "</time></trkpt>" for i in range(30)) + "</trkseg></trk></gpx>")
PROLOG = '<?xml version="1.0"?><!--' + "x" * 9000 + "-->"  # past the first 8 KiB


@pytest.mark.parametrize(("data", "error"), [
    ((PROLOG + '<!DOCTYPE gpx [<!ENTITY x "y">]>' + BODY).encode(), REFUSED_DTD),
    (('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE gpx SYSTEM "x">' + BODY
      ).encode("utf-16"), REFUSED_DTD),
    ((PROLOG + BODY).encode(), None),
    (('<?xml version="1.0" encoding="UTF-16"?>' + BODY).encode("utf-16"), None),
    (('<?xml version="1.0" encoding="UTF-16"?>' + BODY).encode("utf-16-le"), None),
])
def test_long_prologs_and_utf16_are_recognised_as_gpx(data, error):
    (result,) = read(("odd.gpx", data)).values()
    assert result.error == error
    assert [a.summary["n_samples"] for a in result.activities] == ([] if error else [30])
