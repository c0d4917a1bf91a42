"""The exposure grid of one athlete: every exposure and the pain outcome per day and per
week, built from analysis.load (weekly change, spike ratio, ACWR are computed there only).

Daily grid (consecutive days): pain_max (the day's worst pain, NaN = no entry),
pain_entries, distance_m, runs, time_s; the run-level exposures on days with a run (NaN on
other days): spike_ratio (the day's largest), descent_m (the day's sum), descent_per_km
(the day's descent ÷ its km), cadence_dev_pct (mean over the day's runs); acwr_uncoupled and
acwr_ewma every day once defined; weekly_change_pct and long_run_share as known that day,
i.e. the value of the last complete week.

Weekly grid (Monday weeks with all 7 days in the series; a week in progress is left out):
the pain summaries pain_mean_daily_max (mean of the daily worst pain over the week's diary
days, NaN under MIN_ENTRIES_PER_WEEK of them), pain_max, pain_days, distance_m, and each
exposure summarised per week: weekly_change_pct = analysis.load.rolling_change_pct on the
week's Sunday (this week's distance vs last week's, the same number as weekly_table's
change_pct, without computing every flag as weekly_table does), acwr_uncoupled and
acwr_ewma on the week's last day, long_run_share = longest run ÷ week's distance,
and the run-level exposures summarised over the week's runs like the days' (NaN in a week
without runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analysis.load import acwr_table, daily_series, monday, rolling_change_pct, run_table
from analysis.stats.nof1 import (
    EXPOSURES,
    MIN_ENTRIES_PER_WEEK,
    RUN_EXPOSURES,
    WEEKLY_EXPOSURES,
    WEEKLY_OUTCOME,
)
from analysis.thresholds import Thresholds


@dataclass(frozen=True)
class ExposureGrid:
    """Daily and weekly exposure grids of one athlete (see the module docstring)."""

    daily: pd.DataFrame
    weekly: pd.DataFrame


def last_data_day(activities: pd.DataFrame, pain: pd.DataFrame) -> pd.Timestamp | None:
    """The last day with an activity or a pain entry (None when there is neither)."""
    days = pd.concat([pd.to_datetime(activities["local_date"]).dropna(),
                      pd.to_datetime(pain["date"]).dropna()])
    return None if days.empty else pd.Timestamp(days.max()).normalize()


def _run_summaries(runs: pd.DataFrame, key: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
    """Run-level exposures summarised per `key` (day or week) over its runs: the largest
    spike ratio, total descent, descent ÷ km of the runs with a descent, mean cadence
    deviation. Missing values are left out, never counted as zero."""
    km_with_descent = (runs["distance_m"] / 1000).where(runs["descent_m"].notna())
    by_key = runs.assign(km=km_with_descent).groupby(key)
    out = pd.DataFrame({
        "spike_ratio": by_key["spike_ratio"].max(),
        "descent_m": by_key["descent_m"].sum(min_count=1),
        "cadence_dev_pct": by_key["cadence_dev_pct"].mean(),
    })
    km = by_key["km"].sum(min_count=1)
    out["descent_per_km"] = out["descent_m"] / km.where(km > 0)
    return out[list(RUN_EXPOSURES)]


def _weekly(daily: pd.DataFrame, runs: pd.DataFrame, acwr: pd.DataFrame) -> pd.DataFrame:
    """Exposures and pain summaries per complete Monday week (7 days in `daily`)."""
    week_of_day = monday(daily.index)
    by_week = daily.groupby(week_of_day)
    weekly = pd.DataFrame({"distance_m": by_week["distance_m"].sum()})
    weekly.index.name = "week_start"
    weekly["long_run_share"] = (by_week["longest_run_m"].max()
                                / weekly["distance_m"].where(weekly["distance_m"] > 0))
    week_end = ~week_of_day.duplicated(keep="last")
    at_end = pd.DataFrame({"weekly_change_pct": rolling_change_pct(daily, "distance_m", 7),
                           "acwr_uncoupled": acwr["acwr_uncoupled"],
                           "acwr_ewma": acwr["acwr_ewma"]})[week_end]
    at_end.index = week_of_day[week_end]
    weekly = weekly.join(at_end)
    weekly = weekly.join(_run_summaries(runs, monday(pd.DatetimeIndex(runs["local_date"]))))

    pain_by_week = daily["pain_max"].groupby(week_of_day)
    diary_days = pain_by_week.count()
    weekly["pain_days"] = diary_days
    weekly["pain_max"] = pain_by_week.max()
    weekly[WEEKLY_OUTCOME] = pain_by_week.mean().where(diary_days >= MIN_ENTRIES_PER_WEEK)
    complete = by_week.size() == 7
    return weekly[complete.to_numpy()][[WEEKLY_OUTCOME, "pain_max", "pain_days", "distance_m",
                                       *EXPOSURES]]


def exposure_grid(activities: pd.DataFrame, pain: pd.DataFrame,
                  thresholds: Thresholds = Thresholds(),
                  today: date | str | pd.Timestamp | None = None) -> ExposureGrid:
    """Daily and weekly grids up to `today` (default: the last day with any data)."""
    if today is None:
        today = last_data_day(activities, pain) or pd.Timestamp.now().normalize()
    daily = daily_series(activities, pain, today)
    runs = run_table(activities, thresholds)
    runs = runs[runs["local_date"] <= daily.index.max()] if len(daily) else runs.iloc[:0]
    acwr = acwr_table(daily, "distance_m", thresholds)
    weekly = _weekly(daily, runs, acwr)

    grid = daily[["pain_max", "pain_entries", "distance_m", "runs", "time_s"]].copy()
    grid[list(RUN_EXPOSURES)] = _run_summaries(runs, runs["local_date"]).reindex(daily.index)
    grid["acwr_uncoupled"] = acwr["acwr_uncoupled"]
    grid["acwr_ewma"] = acwr["acwr_ewma"]
    known = weekly[list(WEEKLY_EXPOSURES)]
    known.index = known.index + pd.Timedelta(days=7)  # a week's value is known from Monday on
    grid[list(WEEKLY_EXPOSURES)] = known.reindex(monday(daily.index)).to_numpy()
    return ExposureGrid(grid, weekly)
