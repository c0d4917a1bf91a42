"""The coach's roster: every athlete's load and pain in one row, ranked for triage.

Triage score = mean pain of the last 7 days + its rise over the 7 days before (if rising)
+ 2 per high flag + 1 per caution flag now. It orders attention; it is not a diagnosis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.flags import RULES
from analysis.load import LoadTables
from analysis.risk import current_from

ROSTER_COLUMNS = ("athlete_id", "name", "last_week_start", "last_week_m", "last_week_change_pct",
                  "this_week_m", "latest_pain", "latest_pain_date", "pain_7d", "pain_trend",
                  "high_flags", "caution_flags", "flags", "flag_titles", "triage")


def roster_row(athlete_id: int, name: str, tables: LoadTables) -> dict:
    """One athlete's roster row from their load tables (as of `tables.today`)."""
    weekly, daily = tables.weekly, tables.daily
    complete = weekly[~weekly["partial"]]
    last = complete.iloc[-1] if len(complete) else None
    pain = daily["pain_max"]
    recent = pain[pain.index > tables.today - pd.Timedelta(days=7)]
    before = pain[(pain.index <= tables.today - pd.Timedelta(days=7))
                  & (pain.index > tables.today - pd.Timedelta(days=14))]
    trend = recent.mean() - before.mean()
    logged = pain.dropna()
    flags = current_from(tables)
    high = sum(f.level == "high" for f in flags)
    caution = sum(f.level == "caution" for f in flags)
    codes = list(dict.fromkeys(f.code for f in flags))
    pain_now = recent.mean()
    triage = (np.nan_to_num(pain_now) + max(np.nan_to_num(trend), 0.0) + 2 * high + caution)
    return {
        "athlete_id": athlete_id, "name": name,
        "last_week_start": last["week_start"] if last is not None else pd.NaT,
        "last_week_m": last["distance_m"] if last is not None else np.nan,
        "last_week_change_pct": last["change_pct"] if last is not None else np.nan,
        "this_week_m": weekly["distance_m"].iloc[-1] if len(weekly) else np.nan,
        "latest_pain": logged.iloc[-1] if len(logged) else np.nan,
        "latest_pain_date": logged.index[-1] if len(logged) else pd.NaT,
        "pain_7d": pain_now, "pain_trend": trend,
        "high_flags": high, "caution_flags": caution,
        "flags": ", ".join(codes),
        "flag_titles": ", ".join(RULES[code].title for code in codes  # info flags are noise
                                 if RULES[code].level != "info"),
        "triage": round(float(triage), 2),
    }


def roster(rows: list[dict]) -> pd.DataFrame:
    """Roster rows ranked by triage score, highest first."""
    table = pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))
    return table.sort_values(["triage", "name"], ascending=[False, True]).reset_index(drop=True)
