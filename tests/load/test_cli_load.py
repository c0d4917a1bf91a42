"""`kneeload weekly`, `risk` and `plan`: on a real SQLite store, and on a small fake store
holding the hand-computed season of test_load."""

import csv
import io
import json
from typing import ClassVar

import numpy as np
import pytest

import analysis.cli.store as cli_store
from analysis.cli import main
from analysis.store import Athlete
from analysis.synth import gpx_bytes, synth_run
from tests.load.fixtures import activities
from tests.load.test_load import SEASON, SEASON_PAIN

REQUIRED = ["week_start", "partial", "distance_m", "runs", "longest_run_m", "change_pct",
            "elevation_gain_m", "elevation_loss_m", "avg_cadence_spm", "pain_max", "pain_mean",
            "pain_days", "acwr_uncoupled", "acwr_ewma", "flags"]


def test_weekly_and_risk_from_a_real_store(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    for day, seed in (("2024-02-05", 1), ("2024-02-07", 2)):
        run = synth_run(np.random.default_rng(seed), f"{day} 07:00", duration_s=1200)
        (tmp_path / f"{day}.gpx").write_bytes(gpx_bytes(run))
    assert main(["ingest", str(tmp_path / "2024-02-05.gpx"), str(tmp_path / "2024-02-07.gpx"),
                 "--db", db, "--workers", "1"]) == 0
    assert main(["pain", "add", "--date", "2024-02-07", "--score", "3", "--timing",
                 "during_run", "--db", db]) == 0
    capsys.readouterr()

    assert main(["weekly", "--db", db, "--format", "json", "--today", "2024-02-14"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["today"] == "2024-02-14" and "not medical advice" in (
        payload["disclaimer"])
    assert payload["notes"]["acwr"].startswith("[weak] The 0.8–1.3 'sweet spot'")
    assert payload["notes"]["monotony"].startswith("[heuristic] Foster monotony")
    first, current = payload["weeks"]
    assert set(REQUIRED) <= set(first)
    assert (first["week_start"], first["runs"], first["partial"]) == ("2024-02-05", 2, False)
    assert first["distance_m"] > 0 and first["pain_max"] == 3 and first["pain_days"] == 1
    assert "pain_during_run" in first["flags"] and "spike_no_baseline" in first["flags"]
    assert (current["week_start"], current["partial"], current["runs"]) == ("2024-02-12",
                                                                         True, 0)
    assert current["change_pct"] is None

    assert main(["risk", "--db", db, "--today", "2024-02-09"]) == 0
    text = capsys.readouterr().out
    assert "[CAUTION] pain_during_run · 2024-02-07" in text
    assert "Measured: 3/10 (threshold 2/10)" in text
    assert "Evidence [heuristic]:" in text and "TREK" in text


class FakeStore:
    """Just what the commands read: one athlete, the season's activities and pain."""

    settings: ClassVar[dict] = {}

    def __init__(self, url):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def athlete(self, name=None, create=True):
        return Athlete(1, name or "me", "Europe/Berlin", "km", self.settings)

    def activities(self, athlete_id):
        return activities(*SEASON)

    def pain(self, athlete_id):
        return SEASON_PAIN


@pytest.fixture
def fake_store(monkeypatch):
    monkeypatch.setattr(cli_store, "Store", FakeStore)  # where the commands open the store
    monkeypatch.setattr(FakeStore, "settings", {})
    return FakeStore


def test_weekly_csv(fake_store, capsys):
    assert main(["weekly", "--today", "2024-02-14"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert set(REQUIRED) <= set(rows[0])
    assert [r["week_start"] for r in rows][:2] == ["2024-01-01", "2024-01-08"]
    assert rows[4]["change_pct"] == "50.0" and rows[4]["flags"] == "weekly_jump_high"
    assert rows[6]["partial"] == "True" and rows[6]["change_pct"] == ""
    assert rows[6]["flags"] == "spike_large;rolling7_jump_high;week_partial"


def test_risk_text_and_json(fake_store, capsys):
    assert main(["risk", "--today", "2024-02-14"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Knee-risk flags for me on 2024-02-14.\nDecision support")
    assert ("[HIGH] spike_large · 2024-02-12 · run " in text
            and "Measured: 2.27 × (threshold 2.00 ×)" in text)
    assert "Measured: +95.3 % (threshold +30.0 %)" in text
    assert "[INFO] week_partial · 2024-02-12\n" in text and "Measured: 50.0 km" in text

    assert main(["risk", "--today", "2024-02-14", "--format", "json"]) == 0
    flags = json.loads(capsys.readouterr().out)["flags"]
    assert [f["code"] for f in flags] == ["spike_large", "rolling7_jump_high",
                                          "weekly_jump_caution", "week_partial"]
    assert flags[0]["strength"] == "[solid]" and flags[0]["date"] == "2024-02-12"
    assert flags[3]["threshold"] is None  # NaN becomes null


def test_risk_uses_the_athletes_thresholds(fake_store, capsys):
    fake_store.settings = {"thresholds": {"weekly_change_caution_pct": 20}}
    assert main(["risk", "--today", "2024-02-14", "--format", "json"]) == 0
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)["flags"]]
    assert "weekly_jump_caution" not in codes  # +15 % is under the athlete's 20 %
    fake_store.settings = {"thresholds": {"weekly_change_caution_pct": 50}}
    assert main(["risk", "--today", "2024-02-14"]) == 2
    assert "stored invalid thresholds" in capsys.readouterr().err


def test_plan_text_and_json(fake_store, capsys):
    # Started 2024-01-22: week 1 had a during-run 5/10 (01-24) -> week 2 holds week 1's step.
    assert main(["plan", "--today", "2024-02-14", "--start", "2024-01-22"]) == 0
    text = capsys.readouterr().out
    assert "A proposal, not a prescription." in text and "not medical advice" in text
    assert "Week 2 from 2024-01-29 (done): " in text
    assert "held: 1 pain-rule breach in week 1: hold this step" in text
    assert "Started Monday 22 Jan 2024." in text and "Pain gate: A session breaks" in text
    assert "  Mon 2024-01-22  " in text

    assert main(["plan", "--today", "2024-02-14", "--start", "2024-01-22",
                 "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["start"] == "2024-01-22"
    assert [w["held"] for w in payload["weeks"][:3]] == [False, True, False]
    assert payload["sessions"][0]["date"] == "2024-01-22"
    # 12-25..01-21 held 420 min of running (3000 + 3000 + 6000 s, 44 km × 300 s): 105 a
    # week, so the start is half, 52.5 (105 steps of 30 s); 105 × 1.1 = 115.5 -> 57.5 min
    # (+9.5 %). Week 3's 115 steps over 3 sessions: 38, 38, 39 -> 19, 19, 19.5 min.
    assert [w["run_min"] for w in payload["weeks"][:3]] == [52.5, 52.5, 57.5]
    assert [w["change_pct"] for w in payload["weeks"][:3]] == [None, 0.0, 9.5]
    assert [s["run_min"] for s in payload["sessions"][6:9]] == [19.0, 19.0, 19.5]
    # 19 min = 38 steps over 6 blocks: 4 of 3 min, 2 of 3.5 min.
    assert payload["sessions"][6]["description"] == (
        "4 × (3 min run + 2 min walk), then 2 × (3.5 min run + 1.5 min walk), flat")


def test_plan_waits_undated_while_the_pain_rule_says_not_yet(fake_store, capsys):
    # 5/10 during the run of Wed 01-24: 01-24 + 8 days = Thu 02-01 -> Monday 02-05 at the
    # earliest (the next Monday, 01-29, still has 01-24 in its week before). 12-29..01-25
    # held 520 min of running (the 420 before 01-22 and 20 km × 300 s on 01-24): 130 a
    # week, start at 65 min = 130 steps over 3 sessions: 43, 43, 44 -> 21.5, 21.5, 22;
    # 21.5 min = 43 steps over 6 blocks: 5 of 3.5 min, 1 of 4 min. Week 2: 143 -> 71.5.
    assert main(["plan", "--today", "2024-01-25"]) == 0
    text = capsys.readouterr().out
    assert ("Starts once the pain rule allows: Monday 5 Feb 2024 at the earliest, if pain "
            "stays at 2/10 or below") in text
    assert "Ready to start: not yet\n" in text and "1 pain-rule breach)" in text
    assert ("Week 1 (waiting): 65 min running, walk-run, flat\n"
            "  Mon  5 × (3.5 min run + 1.5 min walk), then 1 × (4 min run + 1 min walk), "
            "flat\n") in text
    assert "Week 2 (waiting): 71.5 min running" in text and "2024-01-29" not in text

    assert main(["plan", "--today", "2024-01-25", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["start"], payload["earliest_start"], payload["ready"]) == (
        None, "2024-02-05", False)
    assert {w["status"] for w in payload["weeks"]} == {"waiting"}
    assert {w["week_start"] for w in payload["weeks"]} == {None}
    assert [(s["date"], s["day"]) for s in payload["sessions"][:3]] == [
        (None, "Mon"), (None, "Wed"), (None, "Fri")]


def test_bad_day_is_a_usage_error(fake_store, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["weekly", "--today", "someday"])
    assert exit_.value.code == 2
    assert "not a date" in capsys.readouterr().err
