"""Cohort CSV upload: the research export's own daily.csv reads back; bad dates name lines."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis.stats.cohort import analyze_cohort, cohort_panel, tidy_tables
from analysis.stats.export import research_tables

DAYS = pd.date_range("2024-01-01", periods=21).strftime("%Y-%m-%d")
TIDY = pd.DataFrame({  # three weeks: a run on even days, a diary entry on odd ones
    "athlete_id": "a", "date": DAYS,
    "distance_m": [5000.0 + 100 * d if d % 2 == 0 else None for d in range(21)],
    "pain": [None if d % 2 == 0 else d % 4 for d in range(21)],
})


def test_the_exports_daily_csv_reads_as_a_cohort_csv():
    (acts, pain), = tidy_tables(TIDY).values()
    daily = research_tables([("Sam", acts, pain)], salt=b"s")["daily"]
    again = tidy_tables(pd.read_csv(io.StringIO(daily.to_csv(index=False))))
    (person, (runs, entries)), = again.items()
    assert person != "Sam" and len(person) > 8  # the pseudonym
    assert runs["distance_m"].tolist() == [5000.0 + 100 * d for d in range(0, 21, 2)]
    assert runs["local_date"].dt.strftime("%Y-%m-%d").tolist() == list(DAYS[::2])
    assert entries["score"].tolist() == [d % 4 for d in range(1, 21, 2)]


def test_a_bad_date_names_its_line():
    bad = TIDY.assign(date=["2024-01-01", "2024-13-02", "yesterday", *DAYS[3:]])
    with pytest.raises(ValueError) as caught:
        tidy_tables(bad)
    assert str(caught.value) == ("dates must be YYYY-MM-DD: line 3: '2024-13-02'; "
                                 "line 4: 'yesterday'")


def test_runners_left_out_are_named_with_the_reason():
    def weeks(person: str, n: int) -> pd.DataFrame:
        days = pd.date_range("2024-01-01", periods=7 * n)  # a Monday: whole weeks
        return pd.DataFrame({"athlete_id": person, "date": days.strftime("%Y-%m-%d"),
                             "distance_m": 5000.0, "pain": 1})

    people = tidy_tables(pd.concat([weeks("long", 10), weeks("short", 3)]))
    panel = cohort_panel([(name, acts, pain) for name, (acts, pain) in people.items()],
                         workers=1)
    report = analyze_cohort(panel, n_athletes=3, workers=1)
    assert report.included == (
        "1 of 3 runners stored have ≥ 8 weeks with ≥ 4 diary entries; left out: short: "
        "3 of 8 weeks; 1 without a complete week of runs and diary")
