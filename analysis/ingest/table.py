"""Collect parsed activities into the canonical activity table."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.ingest.model import FileResult
from analysis.schema import conform_activities


def activity_table(results: Iterable[FileResult]) -> pd.DataFrame:
    """Canonical activity table of every activity in `results`, ordered by start time."""
    rows = [activity.summary for result in results for activity in result.activities]
    table = conform_activities(pd.DataFrame(rows))
    return table.sort_values("start_time", kind="stable").reset_index(drop=True)
