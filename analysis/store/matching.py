"""When two imported activities are the same outing, and which record of it to keep.

Rule: same athlete, same sport family (runs; walks and hikes; rides; everything else; a
guessed or runner-set sport matches any family), start times at most 120 s apart, and
distances within 5 % of the larger one (or either distance missing). Of two records of one
outing the richer is kept: one with samples beats one without; then FIT > TCX > GPX; then
origin file+csv > file > csv. Whichever streams are kept, the name and type of a record
joined to its Strava activities.csv row win (the issue's rule: the file's streams and the
row's name and type), and a sport the runner set wins over everything.
"""

from __future__ import annotations

import datetime as dt
import math

START_TOLERANCE = dt.timedelta(seconds=120)
DISTANCE_TOLERANCE = 0.05
ORIGIN_RANK = {"csv": 0, "file": 1, "file+csv": 2}
NAMED_ORIGINS = frozenset({"csv", "file+csv"})  # name and type come from activities.csv
# Sports that do not keep another sport family's record of the same time apart: a guess,
# and the runner's own correction of one.
LOOSE_SOURCES = ("guessed", "user")
FORMAT_RANK = {"gpx": 1, "tcx": 2, "fit": 3}


def similar_distance(a: float | None, b: float | None) -> bool:
    """True when the distances differ by at most 5 % of the larger, or one is missing."""
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return True
    return abs(a - b) <= DISTANCE_TOLERANCE * max(a, b)


def richness(has_samples: bool, origin: str | None, source_format: str | None
             ) -> tuple[int, int, int]:
    """Sort key of a record: higher is richer (samples, then file format, then origin)."""
    return (int(has_samples), FORMAT_RANK.get(source_format or "", 0),
            ORIGIN_RANK.get(origin or "", -1))
