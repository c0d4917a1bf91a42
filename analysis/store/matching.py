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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.schema import sport_family

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


def has_samples(row: Mapping[str, Any]) -> bool:
    """Whether an activity row (as the readers give it) came with samples."""
    return bool(row.get("n_samples"))


def same_outing(stored: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """The rule above for a stored record and a new one (both with sport_family)."""
    return ((row.get("sport_source") in LOOSE_SOURCES or stored["sport_source"] in LOOSE_SOURCES
             or stored["sport_family"] == row["sport_family"])
            and abs(stored["start_time"] - row["start_time"]) <= START_TOLERANCE
            and similar_distance(stored["distance_m"], row["distance_m"]))


def find_match(candidates: Iterable[Mapping[str, Any]], row: Mapping[str, Any]
               ) -> Mapping[str, Any] | None:
    """The stored record `row` is another record of: the one with its activity_id, else
    the same outing (same_outing) starting nearest to it; None when it is new."""
    candidates = list(candidates)
    return next((c for c in candidates if c["activity_id"] == row["activity_id"]), None) or min(
        (c for c in candidates if same_outing(c, row)),
        key=lambda c: abs(c["start_time"] - row["start_time"]), default=None)


@dataclass(frozen=True)
class Merge:
    """What a new record of a stored outing does to it: kind 'same', 'named' (the stored
    record takes the new one's activities.csv name and type) or 'replaced' (the richer new
    record's values, its samples too); `values` are the columns to write on the stored
    record, `replaced` describes the record a richer one replaced."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    replaced: str = ""


def describe(samples: bool, origin: str | None, source_format: str | None) -> str:
    """A record in a message: 'fit file', 'strava_csv csv without samples', …"""
    return f"{source_format} {origin}" + ("" if samples else " without samples")


def merge(stored: Mapping[str, Any], row: dict[str, Any]) -> Merge:
    """Which record of one outing to keep (the richer; see the module rule), and which
    name and sport it carries. `stored` needs has_samples; `row` is a new activity row with
    sport_family."""
    new_samples = has_samples(row)
    old = richness(bool(stored["has_samples"]), stored["origin"], stored["source_format"])
    if richness(new_samples, row["origin"], row["source_format"]) <= old:
        if row["origin"] in NAMED_ORIGINS and stored["origin"] not in NAMED_ORIGINS:
            return Merge("named", {"name": row["name"], "origin": "file+csv",
                                   "gear": row.get("gear") or stored["gear"],
                                   **sport_of(stored, row)})
        if stored["sport_source"] == "guessed" and row.get("sport_source") == "file":
            return Merge("same", sport_of(stored, row))
        return Merge("same")
    row = dict(row)
    if stored["origin"] in NAMED_ORIGINS and row["origin"] not in NAMED_ORIGINS:
        row.update(name=stored["name"], sport=stored["sport"], sport_raw=stored["sport_raw"],
                   gear=row.get("gear") or stored["gear"],
                   sport_source=stored["sport_source"], sport_reason=stored["sport_reason"],
                   sport_family=sport_family(stored["sport"]),
                   origin="file+csv" if new_samples else row["origin"])
    row.update(sport_of(stored, row))
    return Merge("replaced", {k: v for k, v in row.items() if k != "activity_id"},
                 describe(bool(stored["has_samples"]), stored["origin"],
                          stored["source_format"]))


def sport_of(stored: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """The sport columns a stored outing keeps when `row` (another record of it) arrives:
    the runner's own choice always stays; otherwise the new record's."""
    keep = stored if stored["sport_source"] == "user" else None
    sport = keep["sport"] if keep else row["sport"]
    return {"sport": sport, "sport_raw": keep["sport_raw"] if keep else row["sport_raw"],
            "sport_source": keep["sport_source"] if keep else row.get("sport_source"),
            "sport_reason": keep["sport_reason"] if keep else row.get("sport_reason"),
            "sport_family": sport_family(sport)}
