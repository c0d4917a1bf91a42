"""Periods of the overview: which days a page shows, the block before it, and both summed
side by side.

By default a period ends at the athlete's latest data (a run or a diary entry), not at
today: someone whose runs stopped in 2022 still sees their last months, never empty charts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.load import LoadTables, monday
from analysis.units import Units, number_text

PRESETS: dict[str, int | None] = {"4 weeks": 28, "12 weeks": 84, "6 months": 182,
                                  "1 year": 365, "All": None}
# What summarise() reports, in order: (key, words shown next to it).
SUMMARY_ROWS = (("distance_m", "running distance"), ("time_s", "running time"),
                ("runs", "runs"), ("longest_run_m", "longest run"),
                ("descent_m", "descent"), ("pain_days", "days with a diary entry"),
                ("pain_mean", "mean of the days' worst pain"),
                ("pain_max", "worst pain"))
WHOLE_ROWS = ("runs", "pain_days", "pain_max")  # whole numbers by nature


@dataclass(frozen=True)
class Period:
    """Calendar days `start` to `end`, both included (naive midnights)."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> int:
        """How many calendar days the period holds."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The block of the same length that ends the day before this one starts."""
        end = self.start - pd.Timedelta(days=1)
        return Period(end - pd.Timedelta(days=self.days - 1), end)

    def label(self) -> str:
        """'3 Jan 2022 – 27 Mar 2022'."""
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"

    def holds(self, days: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """Which of `days` fall in the period."""
        values = pd.DatetimeIndex(days)
        return np.asarray((values >= self.start) & (values <= self.end))


def latest_data_day(tables: LoadTables) -> pd.Timestamp | None:
    """The last day (up to today) with a run or a pain entry; None when there is none."""
    daily = tables.daily
    active = daily.index[(daily["runs"].to_numpy() > 0) | (daily["pain_entries"].to_numpy() > 0)]
    return None if active.empty else pd.Timestamp(active[-1])


def first_data_day(tables: LoadTables) -> pd.Timestamp:
    """The first day of the athlete's series (today when there is no data at all)."""
    return pd.Timestamp(tables.daily.index[0]) if len(tables.daily) else tables.today


def period_for(tables: LoadTables, preset: str, end_at_today: bool = False) -> Period:
    """The period of a preset length ending at the latest data (or today, when asked),
    starting no earlier than the athlete's first day (nothing to show before it)."""
    latest = latest_data_day(tables)
    end = tables.today if end_at_today or latest is None else latest
    days = PRESETS[preset]
    first = first_data_day(tables)
    start = first if days is None else max(end - pd.Timedelta(days=days - 1), first)
    return Period(min(start, end), end)


def free_period(tables: LoadTables, start: pd.Timestamp, end: pd.Timestamp) -> Period:
    """A period the runner chose, its ends put in order and ending no later than today."""
    first, last = sorted((pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()))
    last = min(last, tables.today)
    return Period(min(first, last), last)


def weeks_in(weekly: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The weeks (Monday starts) overlapping the period."""
    starts = weekly["week_start"]
    return weekly[(starts >= monday(period.start)) & (starts <= period.end)]


def no_runs_words(tables: LoadTables, period: Period) -> str:
    """Why a period's run charts are empty: it holds no runs, and when the nearest were
    ('No runs in this period (latest run 4 Jan 2026)')."""
    days = tables.runs["local_date"]
    before, after = days[days < period.start].max(), days[days > period.end].min()
    near = [f"{words} {day:%-d %b %Y}" for words, day in
            (("latest run" if pd.isna(after) else "the run before it", before),
             ("first run" if pd.isna(before) else "the next one", after)) if pd.notna(day)]
    return f"No runs in this period ({', '.join(near) or 'none stored'})"


def summarise(tables: LoadTables, period: Period) -> dict[str, float]:
    """Totals of a period: running distance (m) and time (s), runs, the longest run (m),
    descent (m), diary days, the mean of the days' worst pain and the worst pain."""
    days = tables.daily[tables.daily.index.to_series().between(period.start, period.end)]
    worst = days["pain_max"]
    return {
        "distance_m": float(days["distance_m"].sum()), "time_s": float(days["time_s"].sum()),
        "runs": float(days["runs"].sum()),
        "longest_run_m": float(days["longest_run_m"].max()) if len(days) else np.nan,
        "descent_m": float(days["descent_m"].sum()),
        "pain_days": float((days["pain_entries"] > 0).sum()),
        "pain_mean": float(worst.mean()) if worst.notna().any() else np.nan,
        "pain_max": float(worst.max()) if worst.notna().any() else np.nan,
    }


def compare(tables: LoadTables, period: Period) -> pd.DataFrame:
    """This period against the block before it: one row per SUMMARY_ROWS key with both
    values and the change in % (NaN where the earlier value is 0 or unknown)."""
    now, before = summarise(tables, period), summarise(tables, period.previous())
    keys = [key for key, _ in SUMMARY_ROWS]
    table = pd.DataFrame({"measure": [words for _, words in SUMMARY_ROWS],
                          "this": [now[k] for k in keys], "before": [before[k] for k in keys]},
                         index=keys)
    earlier = table["before"].where(table["before"] > 0)
    table["change_pct"] = (table["this"] - earlier) * 100 / earlier
    return table


def comparison_table(tables: LoadTables, period: Period, units: Units) -> pd.DataFrame:
    """compare() for people: each measure with its unit, both values and the change as text
    (distances in `units`, time in hours; unknown values empty)."""
    table = compare(tables, period)
    scale = {"distance_m": (units.distance_m, units.distance),
             "longest_run_m": (units.distance_m, units.distance),
             "descent_m": (units.height_m, units.height), "time_s": (3600.0, "h")}
    divisor = np.array([scale.get(key, (1.0, ""))[0] for key in table.index])
    # Counts and the 0–10 pain in whole points read as whole numbers, never "13.0".
    digits = [0 if key in WHOLE_ROWS else 1 for key in table.index]

    def shown(values: pd.Series) -> list[str]:
        return [number_text(pd.Series([value]), places)[0]
                for value, places in zip(values / divisor, digits, strict=True)]

    return pd.DataFrame({
        "measure": [f"{words} ({scale[key][1]})" if key in scale else words
                    for key, words in SUMMARY_ROWS],
        "this period": shown(table["this"]), "the block before": shown(table["before"]),
        "change (%)": number_text(table["change_pct"], 0, signed=True)})
