"""`kneeload parse`: the activity table on stdout, failures on stderr, exit codes."""

import csv
import io
import json

import numpy as np
import pytest

from analysis.cli import main
from analysis.schema import ACTIVITY_COLUMN_NAMES
from analysis.synth import gpx_bytes, synth_run


@pytest.fixture
def folder(tmp_path):
    run = synth_run(np.random.default_rng(5), "2024-02-03 10:00", duration_s=120)
    (tmp_path / "run.gpx").write_bytes(gpx_bytes(run))
    (tmp_path / "empty.gpx").write_bytes(b"")
    return tmp_path


def test_csv_to_stdout_and_errors_to_stderr(folder, capsys):
    assert main(["parse", str(folder)]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == ACTIVITY_COLUMN_NAMES
    assert len(rows) == 1 and rows[0]["local_date"] == "2024-02-03"
    assert rows[0]["start_time"] == "2024-02-03 10:00:00+00:00"
    assert err.strip() == f"{folder.name}/empty.gpx: the file is empty"


def test_json_layout(folder, capsys):
    assert main(["parse", "--format", "json", str(folder)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"activities", "errors", "ignored"}
    assert payload["errors"] == [{"file": f"{folder.name}/empty.gpx",
                                  "message": "the file is empty"}]
    (activity,) = payload["activities"]
    assert activity["sport"] == "run" and activity["start_time"] == "2024-02-03T10:00:00+00:00"
    assert activity["avg_cadence_spm"] == pytest.approx(168, abs=3)


@pytest.mark.parametrize("argv", [["parse"], ["parse", "--format", "xml", "x"], ["nope"]])
def test_bad_usage_exits_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_nothing_readable_prints_just_the_header(tmp_path, capsys):
    (tmp_path / "empty.gpx").write_bytes(b"")
    assert main(["parse", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == ",".join(ACTIVITY_COLUMN_NAMES)
    assert err.strip() == f"{tmp_path.name}/empty.gpx: the file is empty"
