"""`kneeload cohort build` on a LocalCluster with 2 worker processes over 30 generated
runners (GPX folders, FIT folders, Strava zips; damaged files; one export that is a cut zip;
runs held twice, as FIT and GPX or as an activities.csv row beside its file): the dataset
equals `kneeload ingest` + `export-research` of the same runners, a rerun does nothing, and
a build killed half-way resumes to the same dataset."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from analysis.cli import main
from analysis.cohort.build import BuildSettings, build_cohort
from analysis.cohort.dataset import PARTITIONS, read_partition
from analysis.cohort.manifest import read_manifest
from analysis.stats.export import pseudonym
from analysis.synth.cohort import write_cohort

pytestmark = pytest.mark.slow
N_RUNNERS = 30
SALT = b"cohort test salt"
COMPARED = ("daily", "weekly", "weekly_shared", "episodes_injurytools",
            "exposure_injurytools", "acwr_load")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    manifest = write_cohort(folder / "inputs", N_RUNNERS, weeks=10)
    (folder / "salt").write_bytes(SALT)
    return folder, manifest


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as connected:
        yield connected


@pytest.fixture(scope="module")
def built(cohort, client):
    folder, manifest = cohort
    runners = read_manifest(manifest).runners
    report = build_cohort(runners, folder / "out", client, BuildSettings(salt=SALT))
    return folder / "out", report, runners


def _normal(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Both sides in one representation: dates as datetimes, numbers as floats."""
    out = pd.DataFrame(index=frame.index)
    for column in PARTITIONS[table]:
        values = frame[column.name]
        if column.dtype == "date":
            out[column.name] = pd.to_datetime(values)
        elif column.dtype == "string":
            out[column.name] = values.astype(object).where(values.notna(), None)
        else:
            out[column.name] = pd.to_numeric(values.astype(object), errors="raise").astype(float)
    key = [c.name for c in PARTITIONS[table]][:2]
    return out.sort_values(key, kind="stable").reset_index(drop=True)


def test_dataset_equals_ingest_plus_export_research(built, cohort, tmp_path):
    outdir, report, runners = built
    db = f"sqlite:///{tmp_path / 'k.db'}"
    for runner in runners:
        assert main(["ingest", str(runner.export_path), "--athlete", runner.runner_id,
                     "--tz", runner.tz, "--workers", "1", "--db", db]) == 0
        assert main(["pain", "import", str(runner.pain_path), "--athlete", runner.runner_id,
                     "--db", db]) == 0
    assert main(["export-research", str(tmp_path / "export"), "--salt", SALT.decode(),
                 "--db", db]) == 0
    for table in COMPARED:
        exported = pd.read_parquet(tmp_path / "export" / f"{table}.parquet")
        mine = read_partition(outdir, table)
        assert len(mine) > 0
        pd.testing.assert_frame_equal(_normal(mine, table), _normal(exported, table))

    # one runner per format, the damaged file and the dead export, as generated
    assert [o.status for o in report.outcomes] == ["built"] * N_RUNNERS
    assert [o.runner_id for o in report.failed_exports] == ["R0029"]
    files = read_partition(outdir, "files")
    failed = files[files["status"] == "failed"]
    damaged = {pseudonym(f"R{k:04d}", SALT) for k in (6, 13, 20, 27)}
    assert set(failed["runner"]) == damaged | {pseudonym("R0029", SALT)}
    assert not failed["error"].str.contains("export-00|activities/", regex=True).any()
    assert set(files.loc[files["kind"] == "activity file", "format"]) == {"gpx", "fit", "csv",
                                                                           "zip"}
    # each runner's files with the statuses ingest logged (imported is 'ok' here): the
    # second record of a run (its FIT beside its GPX, its row beside its file) a duplicate
    logged = pd.read_sql("SELECT athletes.name, import_log.status FROM import_log JOIN "
                         "athletes ON athletes.id = import_log.athlete_id", db)
    logged["runner"] = logged["name"].map(lambda name: pseudonym(name, SALT))
    expected = logged.replace({"status": {"imported": "ok"}}).groupby(
        ["runner", "status"]).size().sort_index()
    built_counts = files[files["kind"] == "activity file"].groupby(
        ["runner", "status"]).size().sort_index()
    pd.testing.assert_series_equal(built_counts, expected)
    assert (built_counts.xs("duplicate", level="status") > 0).sum() >= 2


def test_one_outing_in_several_formats_counts_once(built, cohort):
    outdir, _, _ = built
    folder, _ = cohort
    activities = read_partition(outdir, "activities")
    # R0003: a GPX folder with its first run also as 3000-copy.fit; R0008: a Strava zip with
    # 8000-copy.fit beside 8000.gpx and an activities.csv row not linked to 8002's file
    gpx = [p.name for p in (folder / "inputs" / "export-0003" / "activities").iterdir()]
    members = zipfile.ZipFile(folder / "inputs" / "export-0008.zip").namelist()
    for runner, names in (("R0003", gpx), ("R0008", members)):
        runs = [n for n in names if n.endswith((".gpx", ".fit")) and "-copy" not in n]
        assert len(names) > len(runs) > 0
        assert (activities["runner"] == pseudonym(runner, SALT)).sum() == len(runs)


def test_dataset_keeps_no_names_files_or_salt(built):
    outdir, _, _ = built
    cells = " ".join(str(value) for table in PARTITIONS
                     for value in read_partition(outdir, table).select_dtypes(["object", "string"])
                     .to_numpy().ravel())
    text = " ".join(path.read_text() for path in outdir.rglob("*.json"))
    assert pseudonym("R0001", SALT) in cells  # the check sees the cells
    for secret in (SALT.decode(), "R0001", "export-0", "activities/", "Morning Run",
                   "Europe/Amsterdam", "13001", "20001"):
        assert secret not in cells and secret not in text
    dictionary = pd.read_csv(outdir / "data_dictionary.csv")
    described = dictionary.loc[dictionary["column"] == "runner", "description"]
    assert len(described) == len(PARTITIONS) - 1  # acwr_load calls it ID
    assert described.str.contains("Pseudonymised, not anonymous").all()
    about = json.loads((outdir / "manifest.json").read_text())
    assert about["date_shift"]["shifted"] is True
    assert about["runners"] == N_RUNNERS and len(about["salt_fingerprint"]) == 16
    activities = read_partition(outdir, "activities")
    assert list(activities.columns) == [c.name for c in PARTITIONS["activities"]]
    assert np.allclose(activities["distance_m"].dropna() % 10, 0)
    assert np.allclose(activities["moving_time_s"].dropna() % 1, 0)


def test_rerun_does_nothing(built, client):
    outdir, _, runners = built
    before = {p: p.stat().st_mtime_ns for p in outdir.rglob("*.parquet")}
    report = build_cohort(runners, outdir, client, BuildSettings(salt=SALT))
    assert [o.status for o in report.outcomes] == ["unchanged"] * N_RUNNERS
    assert {p: p.stat().st_mtime_ns for p in outdir.rglob("*.parquet")} == before


def test_killed_build_resumes(built, cohort, client, tmp_path):
    outdir, _, runners = built
    folder, manifest = cohort
    again = tmp_path / "again"
    command = [str(Path(sys.executable).with_name("kneeload")), "cohort", "build",
               str(manifest), str(again), "--workers", "1", "--dashboard-address", ":0",
               "--salt-file", str(folder / "salt")]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 40
        while not list((again / "_state").glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = len(list((again / "_state").glob("*.json")))
    assert 1 <= finished < N_RUNNERS
    report = build_cohort(runners, again, client, BuildSettings(salt=SALT))
    assert report.count("unchanged") == finished
    assert report.count("built") == N_RUNNERS - finished
    for table in PARTITIONS:
        pd.testing.assert_frame_equal(read_partition(again, table),
                                      read_partition(outdir, table))


def test_cohort_input_reads_the_dataset(built, capsys):
    outdir, _, _ = built
    assert main(["cohort", "--input", str(outdir), "--format", "json", "--workers", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    # the last runner's export is cut in half: a diary but no runs, so no model can use it
    assert payload["n_athletes"] == N_RUNNERS - 1
    assert [row["reason"] for row in payload["left_out"]] == ["no runs: no exposure in any week"]
    assert payload["enough_data"] is True
    weeks = read_partition(outdir, "panel")["runner"]
    assert payload["n_weeks"] == (weeks != payload["left_out"][0]["athlete_id"]).sum()


def test_a_changed_diary_rebuilds_only_its_runner(built, cohort, client, tmp_path):
    outdir, _, _ = built
    _, manifest = cohort
    shutil.copytree(manifest.parent, tmp_path / "inputs")
    shutil.copytree(outdir, tmp_path / "out")
    diary = tmp_path / "inputs" / "pain-0003.csv"
    diary.write_text(diary.read_text() + "2024-03-11,9\n")
    report = build_cohort(read_manifest(tmp_path / "inputs" / "manifest.csv").runners,
                          tmp_path / "out", client, BuildSettings(salt=SALT))
    assert [o.runner_id for o in report.outcomes if o.status == "built"] == ["R0003"]
    daily = read_partition(tmp_path / "out", "daily")
    mine = daily[daily["runner"] == pseudonym("R0003", SALT)]
    assert mine["pain_max"].max() == 9


def rebuild_with_consent(built, cohort, client, tmp_path, dates: dict[str, str],
                         usual: str) -> Path:
    """Build a copy of the built dataset again from the manifest with a consent_date column
    (`dates` per runner, `usual` for the rest); the copy's folder."""
    outdir, _, _ = built
    _, manifest = cohort
    shutil.copytree(outdir, tmp_path / "out")
    lines = manifest.read_text().splitlines()
    rows = [f"{lines[0]},consent_date"] + [
        f"{line},{dates.get(line.split(',')[0], usual)}" for line in lines[1:]]
    path = manifest.parent / "consent.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["cohort", "build", str(path), str(tmp_path / "out"),
                 "--scheduler", client.scheduler.address]) == 0
    return tmp_path / "out"


def test_a_runner_without_consent_is_left_out_and_removed(built, cohort, client, tmp_path,
                                                          capsys, monkeypatch):
    monkeypatch.setenv("KNEELOAD_SALT", SALT.decode())
    # R0001 withdrew (empty date), R0002 consents only tomorrow, the rest gave it long ago
    out = rebuild_with_consent(built, cohort, client, tmp_path,
                                  {"R0001": "", "R0002": "2099-01-01"}, "2023-12-01")
    said = capsys.readouterr()
    assert said.out.startswith(f"{out}: 28 runners — 0 built (0 files, 0 "
                               "failed), 28 unchanged, 2 removed (gone from the manifest or "
                               "without consent).")
    assert ("consent.csv line 3: R0001: no research consent (consent_date is empty) — left "
            "out") in said.err
    assert "consent.csv line 4: R0002: no research consent yet (consent_date 2099-01-01" \
        in said.err
    gone = {pseudonym("R0001", SALT), pseudonym("R0002", SALT)}
    for table in PARTITIONS:
        assert gone.isdisjoint(read_partition(out, table).iloc[:, 0])
    about = json.loads((out / "manifest.json").read_text())
    assert about["runners"] == 28 and about["runners_left_out_without_consent"] == 2


def test_when_everyone_withdraws_the_dataset_is_emptied(built, cohort, client, tmp_path,
                                                        capsys, monkeypatch):
    monkeypatch.setenv("KNEELOAD_SALT", SALT.decode())
    out = rebuild_with_consent(built, cohort, client, tmp_path, {}, "")
    assert "30 removed (gone from the manifest or without consent)" in capsys.readouterr().out
    for table in PARTITIONS:
        assert read_partition(out, table).empty
    about = json.loads((out / "manifest.json").read_text())
    assert about["runners"] == 0 and about["runners_left_out_without_consent"] == 30


def test_cli_builds_on_a_running_scheduler(cohort, client, tmp_path, capsys, monkeypatch):
    _, manifest = cohort
    monkeypatch.setenv("KNEELOAD_SALT", SALT.decode())
    out = tmp_path / "cli"
    assert main(["cohort", "build", str(manifest), str(out), "--scheduler",
                 client.scheduler.address]) == 0
    said = capsys.readouterr()
    inputs = manifest.parent  # every file a folder holds, every zip member, the cut zip
    files = (sum(1 for p in inputs.glob("export-*/**/*") if p.is_file())
             + sum(len(zipfile.ZipFile(p).namelist()) for p in inputs.glob("export-*[0-9].zip"))
             + 1)  # the cut zip
    assert said.out == (f"{out}: 30 runners — 30 built ({files} files, 5 failed), 0 unchanged.\n"
                        "Runners whose export could not be read at all (listed in files/, "
                        "not fatal): R0029\n")
    assert "Dask dashboard: http" in said.err
    assert "R0013: export-0013/activities/13001.fit: named .fit, but the content is not FIT" \
        in said.err
    assert json.loads((out / "manifest.json").read_text())["runners"] == N_RUNNERS
    # Another salt (here: none, so a random one) is refused, leaving the dataset as it was;
    # --new-salt builds everyone again under new pseudonyms and says what was removed.
    before = sorted(p.relative_to(out) for p in out.rglob("*.parquet"))
    monkeypatch.delenv("KNEELOAD_SALT")
    again = ["cohort", "build", str(manifest), str(out), "--scheduler", client.scheduler.address]
    assert main(again) == 2
    assert f"{out} was built under another salt" in capsys.readouterr().err
    assert sorted(p.relative_to(out) for p in out.rglob("*.parquet")) == before
    assert main([*again, "--new-salt"]) == 0
    said = capsys.readouterr()
    assert said.out.startswith(f"{out}: 30 runners — 30 built ({files} files, 5 failed), 0 "
                               "unchanged, 30 removed (the earlier salt's pseudonyms, or gone "
                               "from the manifest or without consent).\n")
    assert "every runner is built again under new pseudonyms" in said.err
    assert not {p.relative_to(out) for p in out.rglob("*.parquet")} & set(before)
