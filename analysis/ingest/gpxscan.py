"""Fast path for GPX: the usual layout scanned with numpy instead of built into a tree.

Devices and services write GPX without a DTD, with <trkpt> unprefixed and with no comments,
CDATA or character references from the first <trkseg> on; such files are read with
analysis.ingest.xmlscan, the text of every <ele>, <time>, <hr> and <cad> inside a <trkpt>
in one parse. Anything unusual returns None and the file goes through the full XML parser
(analysis.ingest.gpx); tests check both paths give the same table on every sample.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.xmlscan import WHITESPACE, Tags, plain_from, spells, time_column, words

FIELDS = (b"ele", b"time", b"hr", b"cad")
_ROOT = re.compile(rb"^\s*(?:<\?[^>]*>\s*)*<(?:[\w.-]+:)?gpx[\s>]")
_END = re.compile(rb"</(?:[\w.-]+:)?gpx\s*>\s*$")
_CREATOR = re.compile(rb"\screator\s*=\s*[\"']([^\"']*)[\"']")
_FIRST_DATA = re.compile(rb"<(?:[\w.-]+:)?(?:wpt|rte|trk)[\s>/]")  # after metadata / time


def _coordinates(arr: np.ndarray, padded: np.ndarray, starts: np.ndarray, ends: np.ndarray
                 ) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """Where lat and lon values lie in each <trkpt lat="…" lon="…"> tag [start, end), in
    either order; None unless every tag holds exactly those two double-quoted attributes."""
    quotes = np.flatnonzero(arr == ord('"'))
    first = np.searchsorted(quotes, starts)
    if len(quotes) == 0 or first.max() + 3 >= len(quotes):
        return None
    q = quotes[first[:, None] + np.arange(4)]
    following = quotes[np.minimum(first + 4, len(quotes) - 1)]
    if not (np.all(q[:, 3] < ends) & np.all((first + 4 >= len(quotes)) | (following > ends))):
        return None
    names = [words(padded, q[:, i] - 4) for i in (0, 2)]  # 'lat="' / 'lon="'
    spaced = [np.isin(arr[q[:, i] - 5], WHITESPACE) for i in (0, 2)]
    lat_first = spells(names[0], 0, b'lat="') & spells(names[1], 0, b'lon="')
    lon_first = spells(names[0], 0, b'lon="') & spells(names[1], 0, b'lat="')
    if not ((lat_first | lon_first) & spaced[0] & spaced[1]).all():
        return None
    return {"lat": (np.where(lat_first, q[:, 0], q[:, 2]) + 1,
                    np.where(lat_first, q[:, 1], q[:, 3])),
            "lon": (np.where(lat_first, q[:, 2], q[:, 0]) + 1,
                    np.where(lat_first, q[:, 3], q[:, 1]))}


def scan_gpx(data: bytes) -> tuple[dict[str, np.ndarray | pd.Series], dict[str, Any]] | None:
    """The track's columns (seg, lat, lon, ele, hr, cad, and t: UTC seconds, or time: the
    texts when they are not all plain UTC) and metadata (name, type,
    creator, time, and each segment's track name and type), or None when the file is not
    in the plain layout this path reads."""
    first_seg = data.find(b"<trkseg")
    if (not plain_from(data, first_seg) or not _ROOT.match(data[:4096].lstrip(b"\xef\xbb\xbf"))
            or not _END.search(data[-64:])):
        return None
    tags = Tags.of(data)
    if tags is None:
        return None  # '<' and '>' do not alternate: leave it to the XML parser
    lt, gt = tags.lt, tags.gt
    opens = tags.starting(b"trkpt")
    closes = np.flatnonzero(tags.closing & spells(tags.after_lt, 1, b"trkpt"))
    closes = np.sort(np.r_[closes, opens[tags.arr[gt[opens] - 1] == ord("/")]])  # <trkpt …/>
    n = len(opens)
    if n == 0 or n != len(closes) or not (np.all(opens <= closes)
                                          and np.all(closes[:-1] < opens[1:])):
        return None
    segments = np.flatnonzero(spells(tags.after_lt, 0, b"trkseg"))
    seg = np.searchsorted(segments, opens, side="right").astype(float)
    if seg[0] == 0:
        return None
    tracks = tags.starting(b"trk")
    coordinates = _coordinates(tags.arr, tags.padded, lt[opens], gt[opens])
    if coordinates is None:
        return None
    ranges = {name: (np.arange(n), *where) for name, where in coordinates.items()}
    for name in FIELDS:
        ranges[name.decode()] = tags.first_in(tags.value_tags(name), opens, closes)
    times = time_column(tags, ranges.pop("time"), n)
    numbers = tags.numbers(ranges, n)
    if times is None or numbers is None:
        return None
    table: dict[str, np.ndarray | pd.Series] = {"seg": seg, **times, **numbers}
    meta = _metadata(data[:first_seg])
    meta["tracks"] = _track_labels(data, lt, gt, tracks, segments)
    return table, meta


def _track_labels(data: bytes, lt: np.ndarray, gt: np.ndarray, tracks: np.ndarray,
                  segments: np.ndarray) -> tuple[tuple[str | None, str | None], ...]:
    """(name, type) of the track each segment belongs to (tag indices `tracks` and
    `segments`), read between the track's start tag and its first segment."""
    labels: dict[int, tuple[str | None, str | None]] = {}
    found = []
    for segment in segments:
        owner = int(tracks[np.searchsorted(tracks, segment) - 1]) if len(tracks) and (
            tracks[0] < segment) else -1
        if owner not in labels:
            first = segments[segments > owner][0]
            region = data[gt[owner] + 1:lt[first]] if owner >= 0 else b""
            labels[owner] = (_text(region, b"name"), _text(region, b"type"))
        found.append(labels[owner])
    return tuple(found)


def _text(region: bytes, tag: bytes, within: bytes | None = None) -> str | None:
    """Text of the first <tag> in `region` (after its first <within>, if given)."""
    if within is not None:
        start = re.search(rb"<(?:[\w.-]+:)?" + within + rb"[\s>]", region)
        region = region[start.end():] if start else b""
    found = re.search(rb"<(?:[\w.-]+:)?" + tag + rb">\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))<",
                      region, re.S)
    if not found:
        return None
    raw = found.group(1) if found.group(1) is not None else html.unescape(
        found.group(2).decode("utf-8", "replace")).encode()
    return raw.decode("utf-8", "replace").strip() or None


def _metadata(head: bytes) -> dict:
    """Name, type, creator and the file's own time from the part before the first segment."""
    creator = _CREATOR.search(head)
    before_data = _FIRST_DATA.search(head)
    return {"name": (_text(head, b"name", b"trk") or _text(head, b"name", b"metadata")
                     or _text(head, b"name")),
            "type": _text(head, b"type", b"trk"),
            "creator": html.unescape(creator.group(1).decode("utf-8", "replace")).strip()
            if creator else None,
            "time": _text(head[:before_data.start()] if before_data else head, b"time")}
