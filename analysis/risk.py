"""Knee-risk flags as records: what applies now, and what was raised week by week.

Each `Flag` carries its rule in words, the measured value, the threshold, and the evidence line
with its strength tag ([solid], [weak], [heuristic]) from DOMAIN.md; the rules themselves are
in analysis.flags. Decision support, not medical advice (analysis.thresholds.DISCLAIMER).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.flags import Flag, flags_from
from analysis.load import LoadTables, load_tables
from analysis.thresholds import Thresholds

__all__ = ["Flag", "current_flags", "current_from", "pain_says_stop", "raised", "week_flags"]

STOP_CODES = ("pain_during_run_severe", "persistent_pain")

WEEK_CODES = ("weekly_jump_high", "weekly_jump_caution", "week_after_gap")


def current_from(tables: LoadTables) -> list[Flag]:
    """The flags that apply on `tables.today`, most severe first.

    These are the weekly jump of the last complete week, the week in progress (its rolling
    7-day change and the note that it is not compared as a whole week), and the run and pain
    flags of the last `current_days` (7) days, persistent pain included.
    """
    flags = tables.flags
    if flags.empty:
        return []
    this_week = tables.today - pd.to_timedelta(tables.today.day_of_week, unit="D")
    last_week = flags["code"].isin(WEEK_CODES) & (flags["week_start"] == this_week
                                                  - pd.Timedelta(days=7))
    recent = ~flags["code"].isin(WEEK_CODES) & (
        flags["date"] > tables.today - pd.Timedelta(days=tables.thresholds.current_days))
    # Persistent pain is a state, not an event: only its latest flag applies.
    older_state = (flags["code"].isin(("persistent_pain", "persistent_low_pain"))
                   & flags["code"].duplicated(keep="last"))
    return flags_from(flags[(last_week | recent) & ~older_state])


def raised(flags: list[Flag]) -> list[Flag]:
    """The caution and high flags only: info notes (the week in progress) are not flags."""
    return [flag for flag in flags if flag.level in ("caution", "high")]


def pain_says_stop(tables: LoadTables) -> bool:
    """Does the pain rule say stop running now: a current severe-pain-in-a-run or persistent
    pain flag, or a day of the last `current_days` with pain above `pain_stop_above`
    (seed advice: above 3/10, stop running, cross-train and strengthen)?"""
    t = tables.thresholds
    if any(flag.code in STOP_CODES for flag in current_from(tables)):
        return True
    pain = tables.daily["pain_max"]
    recent = pain[pain.index > tables.today - pd.Timedelta(days=t.current_days)]
    return bool((recent > t.pain_stop_above).any())


def current_flags(activities: pd.DataFrame, pain: pd.DataFrame,
                  thresholds: Thresholds = Thresholds(),
                  today: date | str | pd.Timestamp | None = None, *,
                  tz: str | None = None) -> list[Flag]:
    """The flags that apply today (default: now in zone `tz`), most severe first."""
    return current_from(load_tables(activities, pain, thresholds, today, tz=tz))


def week_flags(activities: pd.DataFrame, pain: pd.DataFrame,
               thresholds: Thresholds = Thresholds(),
               today: date | str | pd.Timestamp | None = None, *,
               tz: str | None = None) -> dict[pd.Timestamp, list[Flag]]:
    """Every week's flags (key: the week's Monday), most severe first; weeks without flags are
    left out. The codes match weekly_table's `flags` column."""
    flags = load_tables(activities, pain, thresholds, today, tz=tz).flags
    by_week: dict[pd.Timestamp, list[Flag]] = {
        pd.Timestamp(week): [] for week in sorted(flags["week_start"].unique())}
    for flag in flags_from(flags):  # most severe first, so each week's list is ordered too
        by_week[flag.date - pd.Timedelta(days=flag.date.day_of_week)].append(flag)
    return by_week
