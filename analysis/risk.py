"""Knee-risk flags as records: what applies now, and what was raised week by week.

Each `Flag` carries its rule in words, the measured value, the threshold, and the evidence line
with its strength tag ([solid], [weak], [heuristic]) from DOMAIN.md; the rules themselves are
in analysis.flags. Decision support, not medical advice (analysis.thresholds.DISCLAIMER).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analysis.flags import PERSISTENT_CODES, Flag, flags_from
from analysis.load import LoadTables, load_tables
from analysis.thresholds import Thresholds

__all__ = ["Flag", "RecentData", "current_flags", "current_from", "no_flags_words",
           "pain_says_stop", "raised", "recent_data", "week_flags"]

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
    older_state = (flags["code"].isin(PERSISTENT_CODES)
                   & flags["code"].duplicated(keep="last"))
    return flags_from(flags[(last_week | recent) & ~older_state])


@dataclass(frozen=True)
class RecentData:
    """What the flag window (the last `days` days up to today) holds: without runs or diary
    entries there is nothing to flag, which is no all-clear."""

    days: int
    runs: int  # runs in the window
    diary_days: int  # days of the window with a pain entry
    latest_run: pd.Timestamp | None  # the latest run up to today (None: no runs at all)
    latest_pain: pd.Timestamp | None  # the latest day with a pain entry up to today

    @property
    def empty(self) -> bool:
        """No runs and no diary entries in the window: "no flags" would mean nothing."""
        return self.runs == 0 and self.diary_days == 0

    @property
    def latest_run_words(self) -> str:
        """'latest run 4 Jan 2026', or 'no runs stored'."""
        return ("no runs stored" if self.latest_run is None
                else f"latest run {self.latest_run:%-d %b %Y}")

    @property
    def latest_pain_words(self) -> str:
        """'latest pain entry 4 Jan 2026', or 'no diary entries stored'."""
        return ("no diary entries stored" if self.latest_pain is None
                else f"latest pain entry {self.latest_pain:%-d %b %Y}")


def recent_data(tables: LoadTables) -> RecentData:
    """How many runs and diary days the last `current_days` days up to `tables.today` hold,
    and when the latest of each was."""
    days = tables.thresholds.current_days
    daily = tables.daily
    window = daily[daily.index > tables.today - pd.Timedelta(days=days)]
    ran = daily.index[daily["runs"].to_numpy() > 0]
    logged = daily.index[daily["pain_entries"].to_numpy() > 0]
    return RecentData(days=days, runs=int(window["runs"].sum()),
                      diary_days=int((window["pain_entries"] > 0).sum()),
                      latest_run=pd.Timestamp(ran[-1]) if len(ran) else None,
                      latest_pain=pd.Timestamp(logged[-1]) if len(logged) else None)


def no_flags_words(recent: RecentData) -> str:
    """What 'no flags' means for this window: an all-clear only for what it could check
    (no runs: no spike or cadence to check; no diary entries: no pain rule to check)."""
    n = recent.days
    if recent.empty:
        return (f"No runs or diary entries in the last {n} days ({recent.latest_run_words}, "
                f"{recent.latest_pain_words}): nothing to flag.")
    if recent.runs == 0:
        return (f"No flags in the last {n} days, but no runs in them to check "
                f"({recent.latest_run_words}): "
                "the diary breaks no pain rule.")
    if recent.diary_days == 0:
        return (f"No flags in the last {n} days: no single-run spike, weekly jump or cadence "
                "drop; no diary entries in them to check the pain rule against.")
    return (f"No flags in the last {n} days: no single-run spike, weekly jump, cadence drop "
            "or pain-rule breach.")


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
