"""Fast path for TCX: the usual layout scanned with numpy instead of parsed and transformed.

Garmin Connect, Strava and devices write TCX with the TrainingCenterDatabase v2 namespace
as the default one, unprefixed elements and no comments, CDATA or character references
from the first <Trackpoint> on; such files are read with analysis.ingest.xmlscan (every
<Trackpoint>'s Time, position, altitude, distance, heart rate and cadence in one parse).
Anything else (courses, multisport sessions, prefixed elements) returns None and the file
goes through the full XML parser and XSLT (analysis.ingest.tcx); tests check both paths
give the same table and activities.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from analysis.ingest.xmlscan import Tags, plain_from, time_column

NAMESPACE = b"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
FIELDS = {"lat": b"LatitudeDegrees", "lon": b"LongitudeDegrees", "ele": b"AltitudeMeters",
          "dist": b"DistanceMeters", "hr": b"Value", "cad": b"Cadence"}
_ROOT = re.compile(rb"^\s*(?:<\?[^>]*>\s*)*<TrainingCenterDatabase\s[^>]*\bxmlns\s*=\s*[\"']"
                   + re.escape(NAMESPACE) + rb"[\"']")
_END = re.compile(rb"</TrainingCenterDatabase\s*>\s*$")
_SPORT = re.compile(rb"\sSport\s*=\s*[\"']([^\"']*)[\"']")
_CREATOR = re.compile(rb"<Creator\b[^>]*>.*?<Name>([^<]*)</Name>", re.S)


def scan_tcx(data: bytes) -> tuple[pd.DataFrame, list[dict]] | None:
    """The track point table (act, seg, lat, lon, ele, dist, hr, cad, runcad, and t: UTC
    seconds, or time: the texts when they are not all plain UTC; act and seg counted from 1
    within the file and the activity) and one dict per <Activity>
    (sport, notes, creator, lap_distance_m, lap_time_s), or None when the file is not in
    the plain layout this path reads."""
    first_point = data.find(b"<Trackpoint")
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if (not plain_from(data, first_point) or not _ROOT.match(head)
            or not _END.search(data[-64:]) or b"Course" in data or b"MultiSport" in data):
        return None
    tags = Tags.of(data)
    if tags is None:
        return None
    opens = tags.starting(b"Trackpoint")
    empty = opens[tags.arr[tags.gt[opens] - 1] == ord("/")]  # <Trackpoint/>
    closes = np.sort(np.r_[tags.ending(b"Trackpoint"), empty])
    activities = tags.starting(b"Activity")
    tracks = tags.starting(b"Track")
    n = len(opens)
    if n == 0 or n != len(closes) or not (np.all(opens <= closes)
                                          and np.all(closes[:-1] < opens[1:])):
        return None
    if len(activities) == 0 or len(tracks) == 0:
        return None  # points outside any activity or track
    act = np.searchsorted(activities, opens)
    seg = np.searchsorted(tracks, opens) - np.searchsorted(tracks, activities[
        np.maximum(act - 1, 0)])
    if act.min() == 0 or seg.min() <= 0:
        return None  # a point outside any activity or track
    ranges = {"time": tags.first_in(tags.value_tags(b"Time"), opens, closes)}
    for column, name in FIELDS.items():
        ranges[column] = tags.first_in(tags.value_tags(name, prefixed=False), opens, closes)
    ranges["runcad"] = tags.first_in(tags.value_tags(b"RunCadence"), opens, closes)
    times = time_column(tags, ranges.pop("time"), n)
    numbers = tags.numbers(ranges, n)
    if times is None or numbers is None:
        return None
    table = pd.DataFrame({"act": act.astype(float), "seg": seg.astype(float), **times,
                          **numbers})
    return table, _activities(data, tags, activities, opens, closes)


def _activities(data: bytes, tags: Tags, activities: np.ndarray, opens: np.ndarray,
                closes: np.ndarray) -> list[dict]:
    """Sport, notes, creator and lap totals of each <Activity> (tag indices `activities`)."""
    lt, gt = tags.lt, tags.gt
    laps, lap_ends = tags.starting(b"Lap"), tags.ending(b"Lap")
    if len(laps) != len(lap_ends):
        lap_ends = laps  # unbalanced laps: no tag counts as inside one (totals stay unknown)
    texts: dict[str, list[list[str]]] = {}
    for key, name, in_lap in (("notes", b"Notes", False), ("dist", b"DistanceMeters", True),
                              ("time", b"TotalTimeSeconds", True)):
        found = tags.value_tags(name, prefixed=False)
        found = found[(_within(found, laps, lap_ends) == in_lap)
                      & ~_within(found, opens, closes)]
        owner = np.searchsorted(activities, found, side="right") - 1
        texts[key] = [[] for _ in activities]
        for k, who in zip(found[owner >= 0], owner[owner >= 0], strict=True):
            texts[key][who].append(_text(data[gt[k] + 1:lt[k + 1]]))
    out = []
    for number, start in enumerate(activities):
        end = lt[activities[number + 1]] if number + 1 < len(activities) else len(data)
        sport = _SPORT.search(data[lt[start]:gt[start] + 1])
        creator = _CREATOR.search(data, lt[start], end)
        notes = texts["notes"][number]
        out.append({"sport": _text(sport.group(1)) if sport else None,
                    "notes": notes[0] or None if notes else None,
                    "creator": _text(creator.group(1)) or None if creator else None,
                    "lap_distance_m": lap_total(texts["dist"][number]),
                    "lap_time_s": lap_total(texts["time"][number])})
    return out


def _within(found: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which tag indices in `found` lie between a start tag and its end tag."""
    if len(starts) == 0:
        return np.zeros(len(found), dtype=bool)
    k = np.searchsorted(starts, found, side="right") - 1
    return (k >= 0) & (found < ends[np.maximum(k, 0)])


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace")).strip()


def lap_total(texts: list[str]) -> float | None:
    """Sum of the laps' stated values (texts that are no number are left out), None when
    no lap states one."""
    numbers = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").dropna()
    return float(numbers.sum()) if len(numbers) else None
