"""The exposure grid of one athlete: every exposure and the pain outcome per day and per
week, built from analysis.load (weekly change, spike ratio, ACWR are computed there only).

Daily grid (consecutive days): pain_max (the day's worst pain, NaN = no entry),
pain_entries, distance_m, runs, time_s; the run-level exposures on days with a run (NaN on
other days): spike_ratio (the day's largest), descent_m (the day's sum), descent_per_km
(the day's descent ÷ its km), cadence_dev_pct (mean over the day's runs); acwr_uncoupled and
acwr_ewma every day once defined; weekly_change_pct and long_run_share as known that day,
i.e. the value of the last complete week; the product's flags as 0/1 events: spike_flag
(a run with a spike ratio above Thresholds.spike_small, 0 on other run days with a ratio),
descent_spike_flag (a descent spike as analysis.flags raises it, 0 on other run days with a
descent ratio), weekly_jump_flag (1 on the Sunday ending a complete week whose change is above
weekly_change_high_pct, 0 on every other day from the first known weekly change on, so
that the days after a jump are compared with all other days)); time-based load and shoes
(LOAD_EXPOSURES): minutes (running minutes of the day) and trimp (Banister heart-rate load
of the day's runs), both 0 on rest days and NaN on a day with a run lacking a duration or
heart rate and before the first run that has one (analysis.effort.daily_loads, [weak]), and
new_shoes (1 in the first days in a new pair, 0 otherwise, NaN before any run names its
shoes; analysis.shoes, [heuristic]).

Weekly grid (Monday weeks with all 7 days in the series; a week in progress is left out):
the pain summaries pain_mean_daily_max (mean of the daily worst pain over the week's diary
days, NaN under MIN_ENTRIES_PER_WEEK of them), pain_max, pain_days, distance_m, and each
exposure summarised per week: weekly_change_pct = analysis.load.rolling_change_pct on the
week's Sunday (this week's distance vs last week's, the same number as weekly_table's
change_pct, without computing every flag as weekly_table does), acwr_uncoupled and
acwr_ewma on the week's last day, long_run_share = longest run ÷ week's distance,
the run-level exposures summarised over the week's runs like the days' (NaN in a week
without runs), minutes and trimp summed over the week (NaN when a day of it is unknown),
and new_shoes as the share of the week's known days in a new pair (NaN when none is known).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analysis import effort, shoes
from analysis.load import acwr_table, daily_and_runs, monday, rolling_change_pct
from analysis.stats.nof1 import (
    EXPOSURES,
    FLAG_EXPOSURES,
    LOAD_EXPOSURES,
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


def _segments(keys: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal consecutive values in sorted `keys`."""
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array(
        [], dtype=np.intp)


def _sum_count(values: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per segment: sum of the defined values and how many there are."""
    defined = np.isfinite(values)
    return (np.add.reduceat(np.where(defined, values, 0.0), starts),
            np.add.reduceat(defined.astype(np.int64), starts))


def _mean(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _run_summaries(runs: pd.DataFrame, keys: np.ndarray) -> pd.DataFrame:
    """Run-level exposures per value of sorted `keys` (the runs' day or week): the largest
    spike ratio, total descent, descent ÷ km of the runs with a descent, mean cadence
    deviation. Missing values are left out, never counted as zero."""
    starts = _segments(keys)
    if len(starts) == 0:
        return pd.DataFrame(columns=list(RUN_EXPOSURES), dtype=float)
    descent = runs["descent_m"].to_numpy(dtype=float)
    km = np.where(np.isfinite(descent), runs["distance_m"].to_numpy(dtype=float) / 1000,
                  np.nan)
    descent_sum, descent_n = _sum_count(descent, starts)
    km_sum, _ = _sum_count(km, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_km = np.where(km_sum > 0, descent_sum / km_sum, np.nan)
    return pd.DataFrame({
        "spike_ratio": np.fmax.reduceat(runs["spike_ratio"].to_numpy(dtype=float), starts),
        "descent_m": np.where(descent_n > 0, descent_sum, np.nan),
        "descent_per_km": np.where(descent_n > 0, per_km, np.nan),
        "cadence_dev_pct": _mean(*_sum_count(runs["cadence_dev_pct"].to_numpy(dtype=float),
                                             starts)),
    }, index=pd.DatetimeIndex(keys[starts]))


def _weekly(daily: pd.DataFrame, runs: pd.DataFrame, acwr: pd.DataFrame,
            loads: dict[str, np.ndarray]) -> pd.DataFrame:
    """Exposures and pain summaries per complete Monday week (7 days in `daily`); `loads`:
    the LOAD_EXPOSURES per day of `daily`."""
    columns = [WEEKLY_OUTCOME, "pain_max", "pain_days", "distance_m", *EXPOSURES]
    if daily.empty:
        return pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], name="week_start"),
                            dtype=float)
    week_of_day = monday(daily.index).to_numpy()
    starts = _segments(week_of_day)
    ends = np.r_[starts[1:], len(daily)] - 1
    weeks = pd.DatetimeIndex(week_of_day[starts], name="week_start")
    distance = np.add.reduceat(daily["distance_m"].to_numpy(dtype=float), starts)
    longest = np.fmax.reduceat(daily["longest_run_m"].to_numpy(dtype=float), starts)
    pain = daily["pain_max"].to_numpy(dtype=float)
    pain_sum, pain_days = _sum_count(pain, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(distance > 0, longest / distance, np.nan)
    weekly = pd.DataFrame({
        WEEKLY_OUTCOME: np.where(pain_days >= MIN_ENTRIES_PER_WEEK, _mean(pain_sum, pain_days),
                                 np.nan),
        "pain_max": np.fmax.reduceat(pain, starts),
        "pain_days": pain_days,
        "distance_m": distance,
        "weekly_change_pct": rolling_change_pct(daily, "distance_m", 7).to_numpy()[ends],
        "acwr_uncoupled": acwr["acwr_uncoupled"].to_numpy()[ends],
        "acwr_ewma": acwr["acwr_ewma"].to_numpy()[ends],
        "long_run_share": share,
        "minutes": np.add.reduceat(loads["minutes"], starts),
        "trimp": np.add.reduceat(loads["trimp"], starts),
        "new_shoes": _mean(*_sum_count(loads["new_shoes"], starts)),
    }, index=weeks)
    run_weeks = monday(pd.DatetimeIndex(runs["local_date"])).to_numpy()
    weekly = weekly.join(_run_summaries(runs, run_weeks))
    return weekly[(ends - starts + 1) == 7][columns]


def _flag_events(days: pd.DatetimeIndex, runs: pd.DataFrame, spike: np.ndarray,
                 weekly: pd.DataFrame, t: Thresholds) -> dict[str, np.ndarray]:
    """The product's flags as 0/1 events on the daily calendar (module docstring)."""
    with np.errstate(invalid="ignore"):
        spike_flag = np.where(np.isfinite(spike), (spike > t.spike_small).astype(float), np.nan)
    ratio = runs["descent_spike_ratio"]
    raised = ((ratio > t.descent_spike_ratio) & (runs["descent_m"] >= t.descent_spike_min_m))
    by_day = raised[ratio.notna()].groupby(runs.loc[ratio.notna(), "local_date"]).max()
    descent_flag = by_day.astype(float).reindex(days).to_numpy()
    change = weekly["weekly_change_pct"].dropna()
    jumps = (change > t.weekly_change_high_pct).astype(float)
    jumps.index = jumps.index + pd.Timedelta(days=6)
    jump_flag = jumps.reindex(days)
    if len(jumps):  # 0 on every other day once weekly changes are known
        jump_flag = jump_flag.where(days < jumps.index[0], jump_flag.fillna(0.0))
    jump_flag = jump_flag.to_numpy()
    return dict(zip(FLAG_EXPOSURES, (spike_flag, descent_flag, jump_flag), strict=True))


def exposure_grid(activities: pd.DataFrame, pain: pd.DataFrame,
                  thresholds: Thresholds = Thresholds(),
                  today: date | str | pd.Timestamp | None = None) -> ExposureGrid:
    """Daily and weekly grids up to `today` (default: the last day with any data)."""
    if today is None:
        today = last_data_day(activities, pain) or pd.Timestamp.now().normalize()
    daily, runs = daily_and_runs(activities, pain, thresholds, today)
    runs = runs[runs["local_date"] <= daily.index.max()] if len(daily) else runs.iloc[:0]
    acwr = acwr_table(daily, "distance_m", thresholds)
    time_load = effort.daily_loads(effort.run_loads(runs, activities), daily.index)
    loads = {"minutes": time_load["minutes"].to_numpy(), "trimp": time_load["trimp"].to_numpy(),
             "new_shoes": shoes.new_shoes_exposure(activities, daily.index).to_numpy()}
    weekly = _weekly(daily, runs, acwr, loads)

    columns = {name: daily[name].to_numpy() for name in
               ("pain_max", "pain_entries", "distance_m", "runs", "time_s")}
    per_run_day = _run_summaries(runs, runs["local_date"].to_numpy())
    on_day = daily.index.get_indexer(per_run_day.index)
    for name in RUN_EXPOSURES:
        columns[name] = np.full(len(daily), np.nan)
        columns[name][on_day] = per_run_day[name].to_numpy()
    columns.update({name: loads[name] for name in LOAD_EXPOSURES})
    columns["acwr_uncoupled"] = acwr["acwr_uncoupled"].to_numpy()
    columns["acwr_ewma"] = acwr["acwr_ewma"].to_numpy()
    columns.update(_flag_events(daily.index, runs, columns["spike_ratio"], weekly,
                                thresholds))
    # A week's value is known from the next Monday on.
    known = weekly.index.get_indexer(monday(daily.index) - pd.Timedelta(days=7))
    for name in WEEKLY_EXPOSURES:  # no complete week yet (a single day): all unknown
        values = weekly[name].to_numpy() if len(weekly) else np.full(1, np.nan)
        columns[name] = np.where(known >= 0, values[np.maximum(known, 0)], np.nan)
    return ExposureGrid(pd.DataFrame(columns, index=daily.index), weekly)
