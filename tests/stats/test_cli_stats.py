"""`kneeload analyze`, `cohort` and `export-research` on a real SQLite store holding
simulated athletes (and a tidy CSV for the cohort)."""

import hashlib
import json

import pandas as pd
import pytest

from analysis.cli import main
from analysis.ingest.model import FileResult, ParsedActivity
from analysis.pain import PainEntry
from analysis.stats.export import pseudonym
from analysis.stats.simulate import PlantedEffect, SimulatedAthlete, simulate_athlete, tidy_rows
from analysis.store import Store
from analysis.thresholds import DISCLAIMER

ASSOCIATION_KEYS = {"exposure", "kind", "lag_days", "estimate", "ci_low", "ci_high",
                    "p_value", "q_value", "per_sd", "n", "signal", "label"}


def put(db: str, name: str, athlete: SimulatedAthlete) -> None:
    """Store a simulated athlete's runs and diary under `name`."""
    with Store(db) as store:
        stored = store.athlete(name)
        rows = athlete.activities.to_dict("records")
        store.import_results(stored.id, [FileResult(
            file=f"{name}.csv", sha256=hashlib.sha256(name.encode()).hexdigest(),
            activities=[ParsedActivity(summary=row) for row in rows])])
        store.add_pain(stored.id, [PainEntry(date=e.date.date(), score=int(e.score),
                                             timing=e.timing) for e in athlete.pain.itertuples()])


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'k.db'}"


def test_analyze_json_finds_the_planted_effect(db, capsys):
    put(db, "ann", simulate_athlete(5, days=730, effect=PlantedEffect()))
    assert main(["analyze", "--db", db, "--format", "json", "--today", "2024-01-01"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["athlete", "today", "disclaimer", "enough_data", "message",
                             "associations", "shared_signals", "flares", "event_study"]
    assert (payload["athlete"], payload["today"]) == ("ann", "2024-01-01")
    assert payload["disclaimer"] == DISCLAIMER
    assert payload["enough_data"] is True
    assert payload["message"].startswith("Exploratory:")
    rows = payload["associations"]
    # 12 daily exposures (4 run-level, 3 flags, 2 ACWR, minutes, trimp, new shoes: the
    # simulated runner has heart rate and shoes) × 1–3 days, 2 weekly × 1–4 weeks
    assert len(rows) == 12 * 3 + 2 * 4
    daily = [r for r in rows if "lag_weeks" not in r]
    weekly = [r for r in rows if "lag_weeks" in r]
    assert all(set(r) == ASSOCIATION_KEYS for r in daily)
    assert all(set(r) == ASSOCIATION_KEYS | {"lag_weeks"} for r in weekly)
    assert {(r["lag_weeks"], r["lag_days"]) for r in weekly} == {(1, 7), (2, 14), (3, 21),
                                                                (4, 28)}
    assert {r["exposure"] for r in rows} == {
        "weekly_change_pct", "spike_ratio", "descent_m", "descent_per_km", "cadence_dev_pct",
        "acwr_uncoupled", "acwr_ewma", "long_run_share", "spike_flag", "descent_spike_flag",
        "weekly_jump_flag", "minutes", "trimp", "new_shoes"}
    assert all(r["lag_days"] > 0 for r in rows)  # no same-day cells
    spike = {r["lag_days"]: r for r in rows if r["exposure"] == "spike_ratio"}
    assert spike[2]["q_value"] < 0.05 and spike[2]["ci_low"] > 0
    assert max(spike.values(), key=lambda r: r["estimate"])["lag_days"] == 2
    assert all(r["label"] == "exploratory" for r in rows)
    flare = payload["flares"][0]
    assert set(flare) == {"onset", "peak_pain", "last_painful_day", "recovered",
                          "duration_days"}
    assert len(flare["onset"]) == 10  # YYYY-MM-DD
    event = payload["event_study"][0]
    assert {"exposure", "n_flares", "difference", "p_value", "q_value", "profile"} <= set(event)
    assert [p["day"] for p in event["profile"]] == list(range(-28, 0))


def test_analyze_refuses_a_thin_diary(db, capsys):
    athlete = simulate_athlete(6, days=730)
    # keep the diary of 5 weeks only
    athlete.pain = athlete.pain[athlete.pain["date"] < athlete.pain["date"].min()
                                + pd.Timedelta(days=35)]
    put(db, "bob", athlete)
    assert main(["analyze", "--db", db, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["enough_data"] is False
    assert payload["associations"] == [] and payload["event_study"] == []
    days = pd.Series(athlete.pain["date"].unique())
    per_week = days.groupby(days - pd.to_timedelta(days.dt.day_of_week, unit="D")).size()
    good = int((per_week >= 4).sum())
    assert good < 8
    assert payload["message"] == (
        f"Not enough diary data: {good} of the 8 weeks needed have ≥4 diary entries (days "
        f"with a pain score); keep the diary for {8 - good} more such weeks.")


def test_analyze_text_and_choosing_an_athlete(db, capsys):
    put(db, "ann", simulate_athlete(5, days=400, effect=PlantedEffect()))
    put(db, "cy", simulate_athlete(7, days=200))
    assert main(["analyze", "--db", db]) == 2  # two athletes, none named
    assert "several athletes are stored" in capsys.readouterr().err
    assert main(["analyze", "--db", db, "--athlete", "ann"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Load and knee pain for ann, up to ")
    assert "Associations (pain points per 1 SD of the exposure, or per raised flag;" in text
    assert "spike_ratio" in text and "Exploratory" in text


def test_cohort_from_csv(tmp_path, capsys):
    athletes = [simulate_athlete(s, days=300) for s in range(6)]
    path = tmp_path / "cohort.csv"
    tidy_rows(athletes).to_csv(path, index=False)
    assert main(["cohort", "--input", str(path), "--format", "json", "--workers", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["enough_data"] is True and payload["n_athletes"] == 6
    assert {r["exposure"] for r in payload["mixed"]} >= {"spike_ratio", "cadence_dev_pct"}
    assert {r["athlete_id"] for r in payload["forest"]} <= {a.name for a in athletes}
    assert main(["cohort", "--input", str(path), "--workers", "1"]) == 0
    assert "Mixed model: weekly pain points per 1 SD" in capsys.readouterr().out


def test_cohort_bad_csv_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("athlete_id,date,km\na,2024-01-01,5\n")
    assert main(["cohort", "--input", str(path)]) == 2
    assert f"{path}: the file lacks column(s): distance_m, pain" in capsys.readouterr().err


def test_cohort_from_store_says_what_is_missing_and_who_is_left_out(db, capsys):
    put(db, "ann", simulate_athlete(5, days=200))
    thin = simulate_athlete(6, days=200)
    thin.pain = thin.pain.iloc[:0]  # runs, but no diary at all
    put(db, "bob", thin)
    assert main(["cohort", "--db", db, "--format", "json", "--workers", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["enough_data"] is False
    assert payload["message"] == ("Not enough data: 1 of 2 athletes have ≥ 8 weeks with ≥ 4 "
                                  "diary entries and runs before them; the cohort analysis "
                                  "needs 5.")
    assert payload["left_out"] == [{"athlete_id": "bob", "reason": "0 weeks with ≥ 4 diary "
                                    "days, needs 8"}]
    assert main(["cohort", "--db", db, "--workers", "1"]) == 0
    assert "Left out of the models:" in capsys.readouterr().out


def test_export_research(db, tmp_path, capsys):
    put(db, "Ann Example", simulate_athlete(5, days=200))
    out = tmp_path / "export"
    assert main(["export-research", str(out), "--db", db, "--shift-dates",
                 "--salt", "s3cret"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"Wrote 15 files to {out}: 1 athlete, 200 person-days")
    daily = pd.read_csv(out / "daily.csv")
    assert set(daily["runner"]) == {pseudonym("Ann Example", b"s3cret")}
    text = "".join(p.read_text(errors="ignore") for p in out.glob("*.csv"))
    assert "Ann Example" not in text and "s3cret" not in text
    # without a salt the pseudonyms differ from run to run
    assert main(["export-research", str(tmp_path / "again"), "--db", db]) == 0
    again = pd.read_csv(tmp_path / "again" / "daily.csv")
    assert set(again["runner"]) != set(daily["runner"])
