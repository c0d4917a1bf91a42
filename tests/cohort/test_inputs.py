"""What a researcher hands kneeload: the manifest (bad rows named by line, the rest goes
on) and a research daily.csv (loads straight back into `kneeload cohort --input`)."""

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.cohort.manifest import ManifestError, read_manifest
from analysis.cohort.panel import csv_panel
from analysis.stats.cohort import athlete_panel
from analysis.stats.export import research_tables, write_research_export
from analysis.stats.simulate import simulate_athlete


def manifest_of(folder: Path, text: str) -> Path:
    """manifest.csv holding `text` in `folder`, next to an empty export a.zip and diary a.csv."""
    (folder / "a.zip").write_bytes(b"")
    (folder / "a.csv").write_text("date,pain\n")
    path = folder / "manifest.csv"
    path.write_text(text)
    return path


def test_manifest_rows_are_checked_one_by_one(tmp_path):
    path = manifest_of(tmp_path, "runner_id,export_path,pain_path,tz,consent_date\n"
                                 "r1,a.zip,a.csv,Europe/Berlin,2024-05-01\n"
                                 "r2,missing.zip,a.csv,,\n"
                                 "r1,a.zip,a.csv,Mars/Olympus,01.05.2024\n"
                                 ",a.zip,a.csv,,\n")
    manifest = read_manifest(path)
    assert [(r.runner_id, r.export_path, r.tz, str(r.consent_date), r.line)
            for r in manifest.runners] == [("r1", tmp_path / "a.zip", "Europe/Berlin",
                                            "2024-05-01", 2)]
    assert manifest.problems == [
        f"{path} line 3: export_path 'missing.zip' does not exist",
        f"{path} line 4: runner_id 'r1' appears twice; tz 'Mars/Olympus' is not an IANA "
        "time zone (e.g. Europe/Berlin); consent_date '01.05.2024' is not YYYY-MM-DD",
        f"{path} line 5: runner_id is empty"]
    path.write_text("runner,export\nr1,a.zip\n")
    with pytest.raises(ManifestError, match="the header lacks runner_id, export_path, "
                                            "pain_path"):
        read_manifest(path)


def test_a_consent_date_column_records_consent(tmp_path):
    path = manifest_of(tmp_path, "runner_id,export_path,pain_path,consent_date\n"
                                 "r1,a.zip,a.csv,2024-05-01\n"
                                 "r2,a.zip,a.csv,\n"
                                 "r3,a.zip,a.csv,2024-06-02\n"
                                 "r4,a.zip,a.csv,2024-06-01\n")
    manifest = read_manifest(path, today=dt.date(2024, 6, 1))
    assert [r.runner_id for r in manifest.runners] == ["r1", "r4"]  # on the day counts
    assert [(r.runner_id, r.line, why) for r, why in manifest.without_consent] == [
        ("r2", 3, "no research consent (consent_date is empty)"),
        ("r3", 4, "no research consent yet (consent_date 2024-06-02 is after 2024-06-01)")]
    assert manifest.problems == []
    path.write_text("runner_id,export_path,pain_path\nr1,a.zip,a.csv\n")
    without_column = read_manifest(path, today=dt.date(2024, 6, 1))
    assert [r.runner_id for r in without_column.runners] == ["r1"]
    assert without_column.without_consent == []


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    people = [(f"Runner {i}", a.activities, a.pain)
              for i, a in enumerate(simulate_athlete(seed, days=240) for seed in range(6))]
    folder = tmp_path_factory.mktemp("export")
    tables = research_tables(people, salt=b"s", shift_dates=True)
    write_research_export(tables, folder, shifted=True)
    return folder, people


def test_research_daily_csv_loads_back_into_the_cohort(export, capsys):
    folder, people = export
    assert main(["cohort", "--input", str(folder / "daily.csv"), "--format", "json",
                 "--workers", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["n_athletes"] == 6 and payload["enough_data"] is True
    assert {row["exposure"] for row in payload["mixed"]} >= {"spike_ratio", "descent_m"}
    # weekly pain and flares come back exactly (daily worst pain is what the diary holds)
    panel, names = csv_panel(pd.read_csv(folder / "daily.csv"))
    original = pd.concat([athlete_panel(acts, pain) for _, acts, pain in people])
    assert len(names) == 6 and len(panel) == len(original)
    for column in ("pain", "flare", "at_risk"):
        assert np.allclose(np.sort(panel[column].to_numpy(dtype=float)),
                           np.sort(original[column].to_numpy(dtype=float)), equal_nan=True)
