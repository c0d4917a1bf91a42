"""Running minutes, heart-rate load (TRIMP) and new shoes as exposures: the grid cells, the
n-of-1 grid, the cohort panel and models, and the research export (issue 12)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis.charts import EXPOSURE_WORDS
from analysis.cli import main
from analysis.cohort.panel import dataset_panel
from analysis.schema import conform_activities, conform_pain
from analysis.stats.cohort import athlete_panel, cohort_panel, left_out_of, mixed_model
from analysis.stats.export import dictionary, research_tables
from analysis.stats.exposures import exposure_grid
from analysis.stats.nof1 import EXPOSURES, associations
from analysis.stats.report import analyze_grid
from analysis.stats.simulate import simulate_athlete, tidy_rows

# Three Monday weeks, 1–21 January 2024: day, minutes, average and maximal heart rate, shoes
RUNS = [
    ("2024-01-01", 60, 150, 190, None),  # no shoes named yet
    ("2024-01-03", 40, 125, 170, "Old"),
    ("2024-01-10", 30, None, None, "New"),  # no heart rate
    ("2024-01-15", 30, 125, 170, "New"),
]
# TRIMP = minutes × HRr × 0.64 × e^(1.92 HRr), HRr = (HR − 60) ÷ (190 − 60), 190 being the
# highest heart rate the files recorded:
# 1 Jan: HRr = 90/130 = 0.6923; 60 × 0.6923 × 0.64 × e^1.3292 = 26.585 × 3.7780 = 100.44
# 3 Jan: HRr = 65/130 = 0.5;    40 × 0.5 × 0.64 × e^0.96 = 12.8 × 2.6117 = 33.43
# 15 Jan: the same at 30 min = 33.43 × 3/4 = 25.07
TRIMP_1, TRIMP_3, TRIMP_15 = 100.44, 33.43, 25.07


def _activities(runs=RUNS, heart_rate=True, shoes=True):
    days = pd.to_datetime([r[0] for r in runs])
    return conform_activities(pd.DataFrame({
        "activity_id": [f"r{i}" for i in range(len(runs))], "sport": "run",
        "start_time": (days + pd.Timedelta(hours=7)).tz_localize("UTC"), "local_date": days,
        "distance_m": 8000.0, "moving_time_s": [r[1] * 60.0 for r in runs],
        "avg_heart_rate_bpm": [r[2] if heart_rate else None for r in runs],
        "max_heart_rate_bpm": [r[3] if heart_rate else None for r in runs],
        "gear": [r[4] if shoes else None for r in runs]}))


NO_PAIN = conform_pain(pd.DataFrame({"date": pd.to_datetime([]), "score": []}))
# one diary entry on Sunday 21 January, so the data (and the third week) end there
LAST_DAY = conform_pain(pd.DataFrame({"date": pd.to_datetime(["2024-01-21"]), "score": [0],
                                      "timing": "daily_worst"}))


def test_three_weeks_of_heart_rate_give_known_trimp_cells():
    grid = exposure_grid(_activities(), NO_PAIN, today="2024-01-21")
    daily, weekly = grid.daily, grid.weekly
    assert daily.loc["2024-01-01", "trimp"] == pytest.approx(TRIMP_1, abs=0.01)
    assert daily.loc["2024-01-03", "trimp"] == pytest.approx(TRIMP_3, abs=0.01)
    assert daily.loc["2024-01-15", "trimp"] == pytest.approx(TRIMP_15, abs=0.01)
    assert daily.loc["2024-01-02", "trimp"] == 0  # a rest day
    assert math.isnan(daily.loc["2024-01-10", "trimp"])  # a run without heart rate
    assert daily.loc["2024-01-10", "minutes"] == 30
    # Weeks: 100.44 + 33.43; the second unknown (10 Jan has no heart rate); 25.07.
    assert weekly["trimp"].iloc[0] == pytest.approx(TRIMP_1 + TRIMP_3, abs=0.02)
    assert math.isnan(weekly["trimp"].iloc[1])
    assert weekly["trimp"].iloc[2] == pytest.approx(TRIMP_15, abs=0.01)
    assert weekly["minutes"].tolist() == [100, 30, 30]


def test_new_shoes_on_a_known_date_mark_fourteen_days():
    daily = exposure_grid(_activities(), NO_PAIN, today="2024-01-21").daily
    # 1–2 Jan: no run has named its shoes yet (unknown); "Old" from 3 Jan is the first pair
    # on record (no change); "New" on 10 Jan: 1 for 10–23 Jan, here to the end (21 Jan).
    assert daily.loc[:"2024-01-02", "new_shoes"].isna().all()
    assert (daily.loc["2024-01-03":"2024-01-09", "new_shoes"] == 0).all()
    assert (daily.loc["2024-01-10":, "new_shoes"] == 1).all()
    weekly = exposure_grid(_activities(), NO_PAIN, today="2024-01-21").weekly
    # the share of the week's known days in new shoes: 0 of 5, 5 of 7 (10–14 Jan), 7 of 7
    np.testing.assert_allclose(weekly["new_shoes"], [0, 5 / 7, 1])


def test_without_heart_rate_or_shoes_the_cells_are_unknown_not_zero():
    daily = exposure_grid(_activities(heart_rate=False, shoes=False), NO_PAIN,
                          today="2024-01-21").daily
    assert daily["trimp"].isna().all() and daily["new_shoes"].isna().all()
    assert daily.loc["2024-01-02", "minutes"] == 0  # minutes need only durations


def test_trimp_is_unknown_before_the_first_run_with_heart_rate():
    late = [("2024-01-01", 30, None, None, None), *RUNS[1:]]
    daily = exposure_grid(_activities(late), NO_PAIN, today="2024-01-21").daily
    assert daily.loc[:"2024-01-02", "trimp"].isna().all()  # a rest day, but before any HR
    assert daily.loc["2024-01-04", "trimp"] == 0


def _strip(athlete, *columns):
    """A simulated athlete whose files lack `columns`."""
    return athlete.activities.assign(**{c: None for c in columns}), athlete.pain


def test_the_grid_says_not_enough_data_for_a_runner_without_heart_rate_or_shoes():
    grid = exposure_grid(*_strip(simulate_athlete(7, days=200), "avg_heart_rate_bpm",
                                 "max_heart_rate_bpm", "gear"))
    result = associations(grid.daily, grid.weekly)
    assert not result.table["exposure"].isin(["trimp", "new_shoes"]).any()
    assert "trimp: not enough data (no run carries heart rate)" in result.skipped
    assert "new_shoes: not enough data (no run names its shoes)" in result.skipped
    assert (result.table["exposure"] == "minutes").sum() == 3  # lags 1–3 days


def test_minutes_serve_a_runner_without_gps_distance():
    activities, pain = _strip(simulate_athlete(7, days=200), "distance_m")
    grid = exposure_grid(activities, pain)
    table = associations(grid.daily, grid.weekly).table
    assert set(table["exposure"]) >= {"minutes", "trimp"}
    assert not table["exposure"].isin(["spike_ratio", "weekly_change_pct"]).any()
    # new shoes: 0/1 for 14 days on end, so prewhitened and per SD like minutes, unlike
    # the one-day flags
    assert set(table.loc[table["exposure"] == "new_shoes", "kind"]) == {"per SD"}
    assert set(table.loc[table["exposure"] == "spike_flag", "kind"]) <= {"flag"}


def test_the_cohort_panel_carries_last_weeks_time_load_and_shoes():
    panel = athlete_panel(_activities(), LAST_DAY).set_index("week_start")
    # week w carries week w − 1's values: none for the first week
    assert panel.loc["2024-01-08", "trimp"] == pytest.approx(TRIMP_1 + TRIMP_3, abs=0.02)
    assert math.isnan(panel.loc["2024-01-15", "trimp"])
    assert panel.loc["2024-01-15", "minutes"] == 30
    assert panel.loc["2024-01-15", "new_shoes"] == pytest.approx(5 / 7)
    assert panel.loc["2024-01-01", ["minutes", "trimp", "new_shoes"]].isna().all()


def test_left_out_of_one_exposure_names_the_runners_and_why():
    panel = pd.DataFrame({
        "athlete_id": ["a", "a", "b", "b", "c", "c"],
        "pain": [1.0, 2.0, 1.0, 2.0, np.nan, 2.0],
        "minutes": [90.0, 100, 80, 70, 60, 50],
        "trimp": [100.0, 120, np.nan, np.nan, 80.0, np.nan],  # c: only before a painless week
        "new_shoes": [0.0, 1, 0, 0, 0, 0]})
    out = left_out_of(panel)
    assert out.to_dict("records") == [
        {"athlete_id": "b", "exposure": "trimp", "reason": "no run carries heart rate"},
        {"athlete_id": "c", "exposure": "trimp",
         "reason": "no week with a value before a week with weekly pain"}]


def test_a_cohort_runner_without_heart_rate_is_left_out_of_the_trimp_model_only():
    simulated = [simulate_athlete(seed, days=200) for seed in range(5)]
    athletes = [(a.name, a.activities, a.pain) for a in simulated]
    athletes.append(("no-hr", *_strip(simulate_athlete(5, days=200), "avg_heart_rate_bpm",
                                      "max_heart_rate_bpm")))
    panel = cohort_panel(athletes, workers=1)
    assert left_out_of(panel).to_dict("records") == [
        {"athlete_id": "no-hr", "exposure": "trimp", "reason": "no run carries heart rate"}]
    (trimp, _), _ = mixed_model(panel, "trimp")
    (minutes, _), _ = mixed_model(panel, "minutes")
    assert (trimp["n_athletes"], minutes["n_athletes"]) == (5, 6)


def test_the_export_has_the_new_columns_described_and_rounded():
    tables = research_tables([("Ann", _activities(), LAST_DAY)], salt=b"s")
    daily, weekly = tables["daily"], tables["weekly"]
    for table in (daily, weekly):
        assert {"minutes", "trimp", "new_shoes"} <= set(table.columns)
    assert daily["trimp"].iloc[0] == pytest.approx(TRIMP_1, abs=0.01)
    assert daily["minutes"].iloc[0] == 60 and daily["new_shoes"].isna().iloc[0]
    assert weekly["minutes"].tolist() == [100, 30, 30]
    words = dictionary().set_index(["table", "column"])["description"]
    assert "[weak]" in words["daily", "trimp"] and "[heuristic]" in words["daily", "new_shoes"]
    assert "empty when a run of the day has no duration" in words["daily", "minutes"]


def test_exported_minutes_keep_whole_seconds():
    odd = [("2024-01-01", 60.0041, 150, 190, "Old")]  # 3600.246 s
    daily = research_tables([("Ann", _activities(odd), NO_PAIN)], salt=b"s")["daily"]
    assert daily["minutes"].iloc[0] * 60 == pytest.approx(3600)


def test_a_dataset_built_before_these_columns_is_refused_with_a_rebuild_hint(tmp_path):
    (tmp_path / "manifest.json").write_text('{"dataset_version": 1, "runners": 3}')
    with pytest.raises(ValueError, match=r"dataset version 1, this one reads 2\); build it "
                                         r"again with `kneeload cohort build`"):
        dataset_panel(tmp_path)


def test_kneeload_cohort_lists_who_is_left_out_of_the_trimp_models(tmp_path, capsys):
    athletes = [simulate_athlete(seed, days=200) for seed in range(6)]
    rows = tidy_rows(athletes)
    rows.loc[rows["athlete_id"] == "sim-5", "avg_heart_rate_bpm"] = np.nan  # no chest strap
    path = tmp_path / "cohort.csv"
    rows.to_csv(path, index=False)
    assert main(["cohort", "--input", str(path), "--format", "json", "--workers", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["left_out_of"] == [{"athlete_id": "sim-5", "exposure": "trimp",
                                       "reason": "no run carries heart rate"}]
    assert "trimp 1 athlete" in payload["message"]
    assert {(r["exposure"], r["n_athletes"]) for r in payload["mixed"]} >= {("trimp", 5),
                                                                            ("minutes", 6)}
    assert main(["cohort", "--input", str(path), "--workers", "1"]) == 0
    assert "Left out of one exposure's models:" in capsys.readouterr().out


def test_every_exposure_has_words_and_the_new_ones_their_evidence_tag():
    assert set(EXPOSURES) <= set(EXPOSURE_WORDS)
    # DOMAIN.md has no evidence on any of them: the product's own tags (README, Load)
    assert EXPOSURE_WORDS["minutes"] == "running minutes [weak]"
    assert EXPOSURE_WORDS["trimp"] == "heart-rate load (TRIMP) [weak]"
    assert EXPOSURE_WORDS["new_shoes"] == "new shoes (first 14 days) [heuristic]"


def test_the_report_names_what_the_files_cannot_give():
    grid = exposure_grid(*_strip(simulate_athlete(7, days=200), "avg_heart_rate_bpm", "gear"))
    report = analyze_grid(grid, n_perm=50)
    assert report.unknown == {"trimp": "no run carries heart rate",
                              "new_shoes": "no run names its shoes"}
    assert "trimp: not enough data (no run carries heart rate)" in report.message
