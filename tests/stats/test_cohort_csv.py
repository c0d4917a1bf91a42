"""Cohort CSV upload: every bad cell names its line, column and value, whichever runner it
belongs to, and the file is refused; a runner with a single row is read, not a crash."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis.cohort.panel import csv_panel, csv_rows
from analysis.stats.cohort import CohortCSVError, analyze_cohort, tidy_tables

DAYS = list(pd.date_range("2024-01-01", periods=21).strftime("%Y-%m-%d"))
TIDY = pd.DataFrame({  # three weeks: a run on even days, a diary entry on odd ones
    "athlete_id": "a", "date": DAYS,
    "distance_m": [5000.0 + 100 * d if d % 2 == 0 else None for d in range(21)],
    "pain": [None if d % 2 == 0 else d % 4 for d in range(21)],
})


def test_a_bad_date_names_its_line():
    bad = TIDY.assign(date=["2024-01-01", "2024-13-02", "yesterday", *DAYS[3:]])
    with pytest.raises(CohortCSVError) as caught:
        tidy_tables(bad)
    assert caught.value.problems == ["line 3: date '2024-13-02' is not a date (YYYY-MM-DD)",
                                     "line 4: date 'yesterday' is not a date (YYYY-MM-DD)"]


def test_a_bad_date_of_a_later_runner_names_its_line_in_the_file():
    second = TIDY.assign(athlete_id="b", date=[*DAYS[:4], "05/01/2024", *DAYS[5:]])
    rows = pd.concat([TIDY, second], ignore_index=True)  # as read_csv gives it
    with pytest.raises(CohortCSVError) as caught:
        csv_panel(rows)
    assert caught.value.problems == ["line 27: date '05/01/2024' is not a date (YYYY-MM-DD)"]


def read(text: str) -> pd.DataFrame:
    """A CSV's rows as the CLI and the page read them."""
    return csv_rows(io.BytesIO(text.encode()))


def test_every_bad_value_is_listed_with_line_column_value_and_why():
    rows = read("athlete_id,date,distance_m,pain,moving_time_s\n"
                "a,2024-01-01,5000,2,1800\n"      # line 2: fine
                "a,2024-01-02,abc,3,\n"           # line 3
                "a,2024-01-03,,eleven,\n"         # line 4
                "b,2024-01-01,-5000,15,-60\n"     # line 5: three problems
                "b,2024-01-02,,-3,\n"             # line 6
                "b,2024-01-03,,,\n")              # line 7: a day without anything: fine
    expected = ["line 3: distance_m 'abc' is not a number",
                "line 4: pain 'eleven' is not a number",
                "line 5: pain 15 is outside 0–10",
                "line 5: distance_m -5000 is negative",
                "line 5: moving_time_s -60 is negative",
                "line 6: pain -3 is outside 0–10"]
    for analyse in (tidy_tables, csv_panel):
        with pytest.raises(CohortCSVError) as caught:
            analyse(rows)
        assert caught.value.problems == expected


def test_a_research_daily_csv_is_checked_under_its_own_column_names():
    rows = read("runner,date,distance_m,time_s,pain_max\n"
                "P1,2024-01-01,5000,1800,2\n"
                "P1,2024-01-02,0,0,42\n"
                "P1,2024-01-03,4000,-1,1\n")
    with pytest.raises(CohortCSVError) as caught:
        csv_panel(rows)
    assert caught.value.problems == ["line 3: pain_max 42 is outside 0–10",
                                     "line 4: time_s -1 is negative"]


def test_past_twenty_problems_the_rest_are_counted():
    bad = TIDY.assign(pain=[11] * 21)  # every line 2..22
    with pytest.raises(CohortCSVError) as caught:
        tidy_tables(bad)
    shown = caught.value.shown()
    assert len(caught.value.problems) == 21 and len(shown) == 21
    assert shown[0] == "line 2: pain 11 is outside 0–10"
    assert shown[19] == "line 21: pain 11 is outside 0–10"
    assert shown[20] == "… and 1 more problem"


@pytest.mark.parametrize("distance, pain, runs, entries", [
    (5000.0, 2.0, 1, 1),    # one row: a run and a diary entry
    (5000.0, None, 1, 0),   # one run only
    (None, 3.0, 0, 1),      # one diary entry only
])
def test_a_runner_with_a_single_row_is_read_and_left_out_with_the_reason(
        distance, pain, runs, entries):
    one = pd.DataFrame({"athlete_id": ["ONE"], "date": ["2024-01-10"],
                        "distance_m": [distance], "pain": [pain]})
    tables = tidy_tables(pd.concat([TIDY, one], ignore_index=True))
    assert list(tables) == ["ONE", "a"]
    assert (len(tables["ONE"][0]), len(tables["ONE"][1])) == (runs, entries)
    assert list(tables["ONE"][1]["score"]) == ([int(pain)] if entries else [])
    panel, names = csv_panel(pd.concat([TIDY, one], ignore_index=True))
    assert names == ["ONE", "a"]
    report = analyze_cohort(panel, n_athletes=len(names), names=names, workers=1)
    assert dict(zip(report.left_out["athlete_id"], report.left_out["reason"], strict=True)) == {
        "ONE": "no complete week of runs or diary",
        # a's entries on odd days: 3, 4 and 3 in its three weeks
        "a": "1 week with ≥ 4 diary days, needs 8"}
