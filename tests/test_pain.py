"""Pain entries: validation with a clear reason each, and diaries kept as CSV."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.pain import (
    PainEntry,
    PainError,
    flare_onsets,
    flare_rule_words,
    parse_date,
    parse_entry,
    parse_pain_csv,
)
from analysis.thresholds import Thresholds

TODAY = dt.date(2024, 6, 15)
D = dt.date


def problems(**values) -> list[str]:
    with pytest.raises(PainError) as caught:
        parse_entry(**{"date": "2024-06-01", "score": 3, **values}, today=TODAY)
    return caught.value.problems


def test_a_full_entry_from_text():
    entry = parse_entry(" 05.03.2024 ", "3", "L", "next morning", "Stairs; squat,downhill",
                        "strava-1", "  stiff  ", today=TODAY)
    assert entry == PainEntry(D(2024, 3, 5), 3, "left", "next_morning",
                              ("stairs", "downhill", "squatting"), "strava-1", "stiff")


@pytest.mark.parametrize(("score", "expected"), [
    (0, 0), (10, 10), ("7", 7), (" 4 ", 4), (2.0, 2), ("6.0", 6)])
def test_scores_are_whole_points_from_0_to_10(score, expected):
    assert parse_entry("2024-06-01", score, today=TODAY).score == expected


@pytest.mark.parametrize(("score", "message"), [
    (11, "score 11 is outside 0–10"),
    (-1, "score -1 is outside 0–10"),
    ("3.5", "score 3.5 is not a whole number (the 0–10 scale has whole points)"),
    ("abc", "score 'abc' is not a number"),
    ("nan", "score 'nan' is not a number"),
    (True, "score True is not a number"),
    ("", "no pain score"),
])
def test_bad_scores_say_why(score, message):
    assert problems(score=score) == [message]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-05", D(2024, 3, 5)), ("2024/3/5", D(2024, 3, 5)),
    ("2024-03-05T07:30:00", D(2024, 3, 5)), ("2024-03-05 00:00:00", D(2024, 3, 5)),
    ("5.3.2024", D(2024, 3, 5)), ("05.03.2024", D(2024, 3, 5)),
    ("03/25/2024", D(2024, 3, 25)),   # 25 cannot be a month: month first
    ("25/03/2024", D(2024, 3, 25)),   # 25 cannot be a month: day first
    ("04/04/2024", D(2024, 4, 4)),    # the same either way
    ("today", TODAY), ("Yesterday", D(2024, 6, 14)), ("2024-06-15", TODAY),
])
def test_date_formats(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_slashed_dates_follow_the_files_convention():
    assert parse_date("03/04/2024", today=TODAY, day_first=True) == D(2024, 4, 3)
    assert parse_date("03/04/2024", today=TODAY, day_first=False) == D(2024, 3, 4)


@pytest.mark.parametrize(("text", "message"), [
    ("03/04/2024", "date '03/04/2024' is ambiguous (3 April or 4 March); write YYYY-MM-DD"),
    ("2024-06-16", "date 2024-06-16 lies in the future"),
    ("2024-02-30", "date '2024-02-30' is not a day of the calendar"),
    ("March 5", "date 'March 5' cannot be read (use YYYY-MM-DD, DD.MM.YYYY or MM/DD/YYYY)"),
    ("05.03.24", "date '05.03.24' cannot be read (use YYYY-MM-DD, DD.MM.YYYY or MM/DD/YYYY)"),
    (None, "no date"),
])
def test_bad_dates_say_why(text, message):
    assert problems(date=text) == [message]


def test_sides_timings_and_provokers_by_alias():
    aliases = {"R": "right", "rechts": "right", "B": "both", "Left": "left", "l+r": "both"}
    for text, side in aliases.items():
        assert parse_entry("2024-06-01", 1, side=text, today=TODAY).side == side
    timings = {"during": "during_run", "After run": "after_run", "post-run": "after_run",
               "morning": "next_morning", "worst": "daily_worst", "daily_worst": "daily_worst"}
    for text, timing in timings.items():
        assert parse_entry("2024-06-01", 1, timing=text, today=TODAY).timing == timing
    assert parse_entry("2024-06-01", 1, provokers="sitting|descent/other+steps",
                       today=TODAY).provokers == ("stairs", "downhill", "sitting", "other")


def test_every_problem_of_an_entry_is_listed():
    assert problems(date="2030-01-01", score="11", side="middle", timing="noon",
                    provokers="stairs, jumping") == [
        "date 2030-01-01 lies in the future",
        "score 11 is outside 0–10",
        "unknown side 'middle' (use left, right, both, L, R)",
        "unknown timing 'noon' (use during_run, after_run, next_morning, daily_worst)",
        "unknown provoker 'jumping' (use stairs, downhill, squatting, sitting, other)",
    ]


def test_entries_built_directly_are_checked_too():
    assert PainEntry(D(2024, 1, 1), 2, provokers=["sitting", "stairs", "stairs"]).provokers == (
        "stairs", "sitting")  # vocabulary order, each once
    with pytest.raises(PainError) as caught:
        PainEntry(dt.datetime(2024, 1, 1), 2.5, "up", "noon", ("knitting",))
    assert caught.value.problems == [
        "date datetime.datetime(2024, 1, 1, 0, 0) is not a calendar day",
        "score 2.5 is not a whole number", "unknown side 'up'", "unknown timing 'noon'",
        "unknown provoker 'knitting'"]
    with pytest.raises(PainError, match="lies in the future"):  # no zone has reached it
        PainEntry(dt.date.today() + dt.timedelta(days=2), 2)


def test_pandas_missing_values_are_missing():
    """A data editor's empty cells arrive as pandas' NA and NaT: nothing given, not text."""
    entry = parse_entry(D(2024, 1, 1), 3, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA)
    assert (entry.side, entry.timing, entry.provokers, entry.activity_id, entry.note) == (
        None, None, (), None, "")
    with pytest.raises(PainError, match="no date"):
        parse_entry(pd.NaT, 3)


# --- CSV diaries ---------------------------------------------------------------------------

def test_a_csv_diary_with_aliases():
    diary = parse_pain_csv(b"\xef\xbb\xbfDate,NRS,Knee,When,Triggers,Comments,Weather\n"
                           b"2024-03-01,2,L,during,stairs,easy,sun\n"
                           b"2024-03-01,4,L,after,\"downhill, stairs\",,rain\n"
                           b",,,,,,\n"
                           b"2024-03-03,,,,,,\n"
                           b"2024-03-04,0,both,worst,,fine,\n", today=TODAY)
    assert diary.entries == [
        PainEntry(D(2024, 3, 1), 2, "left", "during_run", ("stairs",), note="easy"),
        PainEntry(D(2024, 3, 1), 4, "left", "after_run", ("stairs", "downhill")),
        PainEntry(D(2024, 3, 4), 0, "both", "daily_worst", note="fine"),
    ]
    assert diary.ignored_columns == ["Weather"]
    assert diary.lines_without_score == [5]  # a day without a score stays missing


def test_semicolon_csv_with_german_headers_and_day_first_slashes():
    diary = parse_pain_csv("Datum;Schmerz;Seite\n03/04/2024;3;R\n13/04/2024;1;R\n",
                           today=TODAY)
    # 13/04 settles the file's convention: day first, so 03/04 is 3 April.
    assert [e.date for e in diary.entries] == [D(2024, 4, 3), D(2024, 4, 13)]


def test_a_bad_csv_lists_every_bad_line_and_returns_nothing():
    with pytest.raises(PainError) as caught:
        parse_pain_csv("date,pain,side\n"
                       "2024-03-01,3,L\n"
                       "2024-03-02,eleven,R\n"
                       "\n"
                       "2024-13-01,2,R\n"
                       "2024-03-04,2,R,extra\n"
                       "2099-01-01,-2,top\n", today=TODAY)
    assert caught.value.problems == [
        "line 3: score 'eleven' is not a number",
        "line 5: date '2024-13-01' is not a day of the calendar",
        "line 6: 4 fields, the header has 3",
        "line 7: date 2099-01-01 lies in the future; score -2 is outside 0–10; "
        "unknown side 'top' (use left, right, both, L, R)",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("", "line 1: the file is empty"),
    ("day,note\n2024-01-01,x\n", "line 1: no pain column (one of: knee_pain, nrs, pain, "
                                 "pain_nrs, pain_score, schmerz, score)"),
    ("date,pain,score\n", "line 1: columns 'pain', 'score' all give the score; keep one"),
    ("date,pain\n03/04/2024,1\n25/04/2024,1\n04/25/2024,1\n",
     "date column: slashed dates are written both day-first and month-first; write "
     "YYYY-MM-DD"),
])
def test_csv_file_level_problems(text, message):
    with pytest.raises(PainError) as caught:
        parse_pain_csv(text, today=TODAY)
    assert caught.value.problems == [message]


NAN = float("nan")
# Hand-made diary (day index: worst pain, NaN = no entry); see the test for each case.
FLARE_DIARY = [1, 1, NAN, 2, 1, NAN, 1,   # 0–6: quiet, 5 logged, mean 1.2
               4, NAN, 5, 3,              # 7: 4 ≥ 1.2 + 2, then 5 on the next logged day
               1, 1, 1, 1, 1, 1, 1,       # 11–17: quiet, mean 1
               4, 2, 1, 1,                # 18: a single day at 4
               3, 3, 2, 3, NAN, 3, 3,     # 22–28: quiet, mean 17/6 = 2.83
               4, 4,                      # 29: 4 < 2.83 + 2, no real rise
               1, NAN, NAN, NAN, 1, 1, NAN,  # 31–37: only 3 logged
               6, 6,                      # 38
               1, 1, 1, 1, 1, 1, 1,       # 40–46: quiet, mean 1
               4, 3, 3]                   # 47: 4, then 3 and 3 ≥ 1 + 2: the rise persists


def _onsets(**overrides):
    daily = pd.DataFrame({"pain_max": FLARE_DIARY},
                         index=pd.date_range("2024-01-01", periods=len(FLARE_DIARY)))
    found = flare_onsets(daily, Thresholds.from_dict(overrides))
    return [int(i) for i in np.flatnonzero(found.to_numpy())]


def test_flare_needs_a_logged_quiet_week_a_real_rise_and_persistence():
    # Days 7 and 47: day 18 is a single day at 4 (then 2, 1: under 4 and under 1 + 2), day
    # 29 rises 1.17 points (under 2), day 38 follows a week with only 3 entries (unknown,
    # not quiet), day 30 follows day 29's 4. Day 47 persists below 4: 3 and 3 stay 2 points
    # above the quiet mean 1 (days 48, 49 count, level min(4, 1 + 2) = 3).
    assert _onsets() == [7, 47]
    assert _onsets(flare_persist_days=1) == [7, 18, 47]  # persistence is what drops day 18
    # A rise of 1: day 29 (4 ≥ 2.83 + 1; days 29, 30 at 4 ≥ min(4, 3.83)) and day 18 (day
    # 19 at 2 ≥ min(4, 1 + 1)) become flares.
    assert _onsets(flare_min_rise=1) == [7, 18, 29, 47]
    assert _onsets(flare_recorded_days=3) == [7, 38, 47]
    # A rise of 3: day 7's 4 is under 1.2 + 3; day 47 rises enough (4 ≥ 1 + 3), but its 3s
    # are under min(4, 1 + 3) = 4, so it does not persist.
    assert _onsets(flare_min_rise=3) == []


def test_flare_rule_is_one_sentence_with_the_settings():
    words = flare_rule_words(Thresholds(flare_score=5))
    assert words.startswith("a flare begins on a day with pain of 5/10 or more after 7 days")
    assert "at least 2 points above" in words and "2 of the first 3 logged days" in words
    assert words.endswith("reach 5 or stay 2 points above that mean")
