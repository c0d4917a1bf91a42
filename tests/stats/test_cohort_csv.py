"""Cohort CSV upload: a bad date names its line in the file, whichever runner it belongs to."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.cohort.panel import csv_panel
from analysis.stats.cohort import tidy_tables

DAYS = list(pd.date_range("2024-01-01", periods=21).strftime("%Y-%m-%d"))
TIDY = pd.DataFrame({  # three weeks: a run on even days, a diary entry on odd ones
    "athlete_id": "a", "date": DAYS,
    "distance_m": [5000.0 + 100 * d if d % 2 == 0 else None for d in range(21)],
    "pain": [None if d % 2 == 0 else d % 4 for d in range(21)],
})


def test_a_bad_date_names_its_line():
    bad = TIDY.assign(date=["2024-01-01", "2024-13-02", "yesterday", *DAYS[3:]])
    with pytest.raises(ValueError) as caught:
        tidy_tables(bad)
    assert str(caught.value) == ("dates must be YYYY-MM-DD: line 3: '2024-13-02'; "
                                 "line 4: 'yesterday'")


def test_a_bad_date_of_a_later_runner_names_its_line_in_the_file():
    second = TIDY.assign(athlete_id="b", date=[*DAYS[:4], "05/01/2024", *DAYS[5:]])
    rows = pd.concat([TIDY, second], ignore_index=True)  # as read_csv gives it
    with pytest.raises(ValueError, match=r"^dates must be YYYY-MM-DD: line 27: '05/01/2024'$"):
        csv_panel(rows)
