"""The run list a runner reads: when, what, how long, how fast, how hard, in which shoes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analysis.schema import RUN_SPORTS
from analysis.units import Units


def clock(seconds: float) -> str:
    """'1:02:03' or '45:07' (empty when unknown)."""
    if seconds is None or not np.isfinite(seconds):
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace(seconds: float, metres: float, units: Units) -> str:
    """Minutes per km or mile, '5:12 /km' (empty without time or distance)."""
    if not (np.isfinite(seconds) and np.isfinite(metres)) or metres <= 0 or seconds <= 0:
        return ""
    return f"{clock(seconds / (metres / units.distance_m))} /{units.distance}"


def number(values: pd.Series, digits: int, signed: bool = False) -> list[str]:
    """Numbers as text with `digits` decimals; empty where unknown (never 'None' or 'nan')."""
    pattern = f"{{:{'+' if signed else ''}.{digits}f}}"
    return ["" if pd.isna(v) else pattern.format(v)
            for v in values.to_numpy(dtype=float, na_value=np.nan)]


def run_list(runs: pd.DataFrame, activities: pd.DataFrame, units: Units) -> pd.DataFrame:
    """One row per run of a run_table (oldest first), newest first: date, name, type,
    duration, distance, pace, heart rate, shoes, descent, spike ratio, cadence and cadence
    against the baseline, as text (unknown values empty); activity_id kept to look the run
    up."""
    extra = activities.drop_duplicates("activity_id").set_index("activity_id")
    ids = runs["activity_id"]

    def column(name: str) -> pd.Series:
        values = extra[name] if name in extra else pd.Series(pd.NA, index=extra.index)
        return values.reindex(ids).reset_index(drop=True)

    ordered = runs.reset_index(drop=True)
    table = pd.DataFrame({
        "activity_id": ordered["activity_id"],
        "date": ordered["local_date"].dt.date,
        "name": column("name").astype("string").fillna(""),
        "type": ordered["sport"].str.replace("_", " "),
        "duration": [clock(s) for s in ordered["time_s"]],
        f"distance ({units.distance})": number(ordered["distance_m"] / units.distance_m, 2),
        "pace": [pace(s, m, units) for s, m in zip(ordered["time_s"], ordered["distance_m"],
                                                  strict=True)],
        "heart rate (bpm)": number(column("avg_heart_rate_bpm"), 0),
        "shoes": column("gear").astype("string").fillna(""),
        f"descent ({units.height})": number(ordered["descent_m"] / units.height_m, 0),
        "spike ×": number(ordered["spike_ratio"], 2),
        "cadence (spm)": number(ordered["cadence_spm"], 0),
        "vs baseline (%)": number(ordered["cadence_dev_pct"], 1, signed=True),
    })
    return table.iloc[::-1].reset_index(drop=True)  # run_table runs oldest first


def recent_runs(activities: pd.DataFrame, today: date, days: int = 14) -> pd.Series:
    """Runs of the `days` days up to `today`, newest first, as activity_id -> 'Tue 3 Mar ·
    Easy run · 8.0 km' (for linking a diary entry to its run)."""
    runs = activities[activities["sport"].isin(RUN_SPORTS).to_numpy(dtype=bool, na_value=False)]
    day = pd.to_datetime(runs["local_date"])
    runs = runs[(day > pd.Timestamp(today) - pd.Timedelta(days=days))
                & (day <= pd.Timestamp(today))].sort_values("start_time", ascending=False)
    labels = [f"{pd.Timestamp(d):%a %-d %b} · {name or 'run'} · "
              + ("" if pd.isna(m) else f"{m / 1000:.1f} km")
              for d, name, m in zip(runs["local_date"], runs["name"].fillna(""),
                                    runs["distance_m"], strict=True)]
    return pd.Series(labels, index=runs["activity_id"].astype(object).to_numpy(), dtype=object)
