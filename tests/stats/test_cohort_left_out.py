"""Who the cohort models leave out, on hand-built panels: a runner without runs is left out
with the reason and not counted as included; flares are counted in weeks at risk; the
runners an exposure's forest plot omits are named with why; the JSON carries the
not-medical-advice line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from analysis.cli import main
from analysis.cli.stats import cohort_text
from analysis.stats.cohort import analyze_cohort, left_out
from analysis.stats.nof1 import EXPOSURES
from analysis.thresholds import DISCLAIMER

WEEKS = 13


def weeks(athlete: str, x: list[float], pain: list[float],
          flare_week: int | None = None, at_risk: bool = True) -> pd.DataFrame:
    """One athlete's panel rows: weekly_change_pct of the week before = x, pain = pain,
    every other exposure unknown; a flare in `flare_week` (at risk or not)."""
    n = len(pain)
    start = np.arange(n) * 7
    frame = pd.DataFrame({
        "athlete_id": athlete,
        "week_start": pd.date_range("2024-01-01", periods=n, freq="7D"),
        "start": start, "stop": start + 7, "pain": pain,
        "flare": np.arange(n) == flare_week,
        "at_risk": np.where(np.arange(n) == flare_week, at_risk, True),
        **{name: np.nan for name in EXPOSURES},
    })
    return frame.assign(weekly_change_pct=x)


def cohort() -> pd.DataFrame:
    """a–c: exposure and pain vary; d: exposure constant; e: exposure known in 9 of its 13
    weeks; f: pain every week but no runs at all (every exposure unknown)."""
    w = np.arange(WEEKS)
    parts = [weeks(name, list(10.0 * (w % 4) + 5 * i), list(1 + (w % 3) + 0.5 * i))
             for i, name in enumerate("abc")]
    parts[0].loc[3, "flare"] = True                      # a flare at risk
    parts[1].loc[6, ["flare", "at_risk"]] = True, False  # a flare in a week not at risk
    parts[2].loc[9, "flare"] = True                      # a flare at risk
    parts.append(weeks("d", [20.0] * WEEKS, list(2.0 + (w % 2))))
    parts.append(weeks("e", [np.nan] * 4 + list(10.0 * (w[4:] % 3)), list(3.0 - (w % 2))))
    parts.append(weeks("f", [np.nan] * WEEKS, [2.0] * WEEKS, flare_week=2))
    return pd.concat(parts, ignore_index=True)


def test_runs_only_after_the_pain_weeks_is_a_reason_too():
    late = weeks("g", [np.nan] * 9 + [10.0, 20, 30, 40], [2.0] * 9 + [np.nan] * 4)
    missing = left_out(pd.concat([cohort(), late], ignore_index=True))
    assert missing.values.tolist() == [
        ["f", "no runs: no exposure in any week"],
        ["g", "no week with runs before a week with weekly pain"]]


def test_a_runner_without_runs_is_left_out_and_not_counted_as_included():
    report = analyze_cohort(cohort(), n_athletes=6, workers=1)
    assert report.enough_data and report.n_athletes == 5
    assert report.message.split(". ")[1] == (
        "5 of 6 athletes have ≥ 8 weeks with ≥ 4 diary entries and runs before them; they "
        "are included (65 athlete-weeks, 3 flares)")   # 5 × 13 weeks; f's flare not counted
    assert report.left_out.values.tolist() == [["f", "no runs: no exposure in any week"]]
    change = report.mixed[report.mixed["exposure"] == "weekly_change_pct"]
    # d's exposure never changes: 4 runners vary within, too few for the within row
    assert change["component"].tolist() == ["between"]
    assert change["n_athletes"].tolist() == [5]
    assert ("mixed model, weekly_change_pct, within athletes: 4 athletes whose value varies "
            "from week to week (beyond rounding), needs 5") in report.skipped
    assert (report.n_flares, report.n_flares_at_risk) == (3, 2)  # b's is not at risk
    assert sorted(report.forest["athlete_id"]) == ["a", "b", "c"]
    assert report.not_in_forest.values.tolist() == [
        ["d", "weekly_change_pct", 13, "the exposure does not vary over its weeks"],
        ["e", "weekly_change_pct", 9,
         "9 weeks with weekly pain after a week with a value, needs 12"]]


def test_when_nobody_has_12_weeks_the_forest_is_empty_and_says_who_and_why():
    panel = cohort()
    panel = panel[panel["start"] < 70].reset_index(drop=True)  # the first 10 weeks
    report = analyze_cohort(panel, n_athletes=6, workers=1)
    assert report.enough_data and report.forest.empty
    why = "weeks with weekly pain after a week with a value, needs 12"
    assert report.not_in_forest.values.tolist() == [
        [name, "weekly_change_pct", 10, f"10 {why}"] for name in "abcd"] + [
        ["e", "weekly_change_pct", 6, f"6 {why}"]]   # e: weeks 4–9
    text = cohort_text(report)
    assert "Not in the per-runner estimates (forest plot) of an exposure:" in text
    assert ["e", "weekly_change_pct", "6", f"6 {why}"] in [
        line.split(None, 3) for line in text.splitlines()]


def test_five_runners_of_whom_one_has_no_runs_are_not_enough():
    panel = cohort()
    panel = panel[panel["athlete_id"] != "e"]
    report = analyze_cohort(panel, n_athletes=5, workers=1)
    assert not report.enough_data and report.mixed.empty
    assert report.message == ("Not enough data: 4 of 5 athletes have ≥ 8 weeks with ≥ 4 "
                              "diary entries and runs before them; the cohort analysis "
                              "needs 5.")


def test_cohort_json_carries_the_disclaimer(tmp_path, capsys):
    rows = []
    for name in ("a", "b"):
        for day in pd.date_range("2024-01-01", periods=14):
            rows.append((name, day.strftime("%Y-%m-%d"), 5000.0, 1.0))
    path = tmp_path / "two.csv"
    pd.DataFrame(rows, columns=["athlete_id", "date", "distance_m", "pain"]).to_csv(
        path, index=False)
    assert main(["cohort", "--input", str(path), "--format", "json", "--workers", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["disclaimer"] == DISCLAIMER
    assert payload["enough_data"] is False and payload["n_flares_at_risk"] == 0
    assert payload["left_out"] == [
        {"athlete_id": name, "reason": "2 weeks with ≥ 4 diary days, needs 8"}
        for name in ("a", "b")]


def test_cohort_input_errors_name_the_file_and_list_every_problem(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("athlete_id,date,distance_m,pain\n"
                    "a,2024-13-45,5000,2\n"
                    "a,2024-01-02,abc,3\n"
                    "a,2024-01-03,,15\n")
    assert main(["cohort", "--input", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: line 2: date '2024-13-45' is not a date (YYYY-MM-DD)",
        f"{path}: line 3: distance_m 'abc' is not a number",
        f"{path}: line 4: pain 15 is outside 0–10",
        f"kneeload: error: {path}: 3 problems, nothing was analysed"]
