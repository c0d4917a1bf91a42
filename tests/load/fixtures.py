"""Small canonical activity and pain tables for the load, risk and plan tests."""

from __future__ import annotations

import itertools

import pandas as pd

from analysis.schema import conform_activities, conform_pain

_ids = itertools.count(1)


def run(day: str, km: float, seconds: float | None = None, sport: str = "run",
        **columns: object) -> dict[str, object]:
    """One activity row: `km` kilometres on local day `day` (moving time 300 s/km by default)."""
    start = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=7, seconds=next(_ids))
    return {"activity_id": f"a{next(_ids)}", "local_date": day, "start_time": start,
            "sport": sport, "distance_m": km * 1000.0,
            "moving_time_s": km * 300.0 if seconds is None else seconds, **columns}


def activities(*rows: dict[str, object]) -> pd.DataFrame:
    """A canonical activity table (schema dtypes) from run() rows."""
    return conform_activities(pd.DataFrame(list(rows)))


def pain(*rows: tuple[str, int, str]) -> pd.DataFrame:
    """A canonical pain table from (date, score, timing) tuples."""
    frame = pd.DataFrame(rows, columns=["date", "score", "timing"])
    frame["entry_id"] = range(1, len(frame) + 1)
    return conform_pain(frame)


NO_PAIN = pain()
