"""Fast path for GPX: the usual layout scanned with numpy instead of built into a tree.

Devices and services write GPX without a DTD, with <trkpt> unprefixed and with no comments,
CDATA or character references from the first <trkseg> on. In such files '<' and '>'
alternate strictly, so tag i spans lt[i]..gt[i]; the tags that matter are recognised by
comparing bytes at those positions, and the text of every <ele>, <time>, <hr> and <cad>
inside a <trkpt> is gathered into one buffer that pandas' C parser reads. Anything unusual
returns None and the file goes through the full XML parser (analysis.ingest.gpx); tests
check both paths give the same table on every sample.
"""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd

FIELDS = (b"ele", b"time", b"hr", b"cad")
_WHITESPACE = np.frombuffer(b" \t\r\n\x1f", dtype=np.uint8)  # \x1f: never in XML text
_TAG_END = np.frombuffer(b" \t\r\n/>", dtype=np.uint8)
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"'](?!utf-?8[\"']|us-ascii[\"'])",
                       re.I)
_ROOT = re.compile(rb"^\s*(?:<\?[^>]*>\s*)*<(?:[\w.-]+:)?gpx[\s>]")
_END = re.compile(rb"</(?:[\w.-]+:)?gpx\s*>\s*$")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.I)
_CREATOR = re.compile(rb"\screator\s*=\s*[\"']([^\"']*)[\"']")


def _words(padded: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes starting at each position in `at`, as little-endian integers; `padded` is
    the file with 8 zero bytes on either side (positions count from the file's start)."""
    words = np.zeros(len(at), dtype=np.uint64)
    for k in range(8):
        words |= padded[at + 8 + k].astype(np.uint64) << np.uint64(8 * k)
    return words


def _coordinates(arr: np.ndarray, padded: np.ndarray, starts: np.ndarray, ends: np.ndarray
                 ) -> dict[bytes, tuple[np.ndarray, np.ndarray]] | None:
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
    names = [_words(padded, q[:, i] - 4) for i in (0, 2)]  # 'lat="' / 'lon="'
    spaced = [np.isin(arr[q[:, i] - 5], _WHITESPACE) for i in (0, 2)]
    lat_first = _spells(names[0], 0, b'lat="') & _spells(names[1], 0, b'lon="')
    lon_first = _spells(names[0], 0, b'lon="') & _spells(names[1], 0, b'lat="')
    if not ((lat_first | lon_first) & spaced[0] & spaced[1]).all():
        return None
    return {b"lat": (np.where(lat_first, q[:, 0], q[:, 2]) + 1,
                     np.where(lat_first, q[:, 1], q[:, 3])),
            b"lon": (np.where(lat_first, q[:, 2], q[:, 0]) + 1,
                     np.where(lat_first, q[:, 3], q[:, 1]))}


def _byte(words: np.ndarray, offset: int) -> np.ndarray:
    """Byte `offset` of each word."""
    return (words >> np.uint64(8 * offset)) & np.uint64(0xFF)


def _spells(words: np.ndarray, offset: int, name: bytes) -> np.ndarray:
    """Which words hold `name` from byte `offset` on."""
    mask = np.uint64((1 << (8 * len(name))) - 1)
    return ((words >> np.uint64(8 * offset)) & mask) == np.uint64(
        int.from_bytes(name, "little"))


def _gather(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> bytes | None:
    """The byte ranges [start, end) one per line, or None if a range holds a line break or
    whitespace that would need stripping."""
    lengths = ends - starts
    total = int(lengths.sum())
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    chars = arr[np.repeat(starts, lengths) + within]
    if np.isin(chars, _WHITESPACE).any():
        return None
    out = np.full(total + len(lengths), ord("\n"), dtype=np.uint8)
    out[np.repeat(np.arange(len(lengths)) + np.cumsum(lengths) - lengths, lengths) + within] = (
        chars)
    return out.tobytes()


def _numbers(lines: bytes) -> np.ndarray | None:
    """One float per line (an empty line is NaN); None if a line is not a number."""
    try:
        return pd.read_csv(io.BytesIO(lines), header=None, names=["v"], dtype="float64",
                           engine="c", skip_blank_lines=False, quoting=3)["v"].to_numpy()
    except (ValueError, pd.errors.ParserError):
        return None


def scan_gpx(data: bytes) -> tuple[dict[str, np.ndarray | pd.Series], dict[str, str | None]] | None:
    """The track's columns (seg, lat, lon, ele, time, hr, cad) and metadata (name, type,
    creator), or None when the file is not in the plain layout this path reads."""
    first_seg = data.find(b"<trkseg")
    if (first_seg < 0 or data.find(b"<!", first_seg) >= 0 or data.find(b"&", first_seg) >= 0
            or b"\x00" in data or _DECLARATION.search(data, 0, first_seg)
            or _ENCODING.match(data[:300].lstrip(b"\xef\xbb\xbf"))
            or not _ROOT.match(data[:4096].lstrip(b"\xef\xbb\xbf"))
            or not _END.search(data[-64:])):
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    lt = np.flatnonzero(arr == ord("<"))
    gt = np.flatnonzero(arr == ord(">"))
    if len(lt) != len(gt) or not (np.all(lt < gt) and np.all(gt[:-1] < lt[1:])):
        return None  # '<' and '>' do not alternate: leave it to the XML parser
    padded = np.concatenate([np.zeros(8, np.uint8), arr, np.zeros(8, np.uint8)])
    after_lt = _words(padded, lt + 1)  # each tag's first 8 bytes after '<'
    closing = _byte(after_lt, 0) == ord("/")
    point = _spells(after_lt, 0, b"trkpt") & np.isin(_byte(after_lt, 5), _TAG_END)
    opens = np.flatnonzero(point)
    closes = np.flatnonzero(closing & _spells(after_lt, 1, b"trkpt"))
    closes = np.sort(np.r_[closes, opens[arr[gt[opens] - 1] == ord("/")]])  # <trkpt …/>
    n = len(opens)
    if n == 0 or n != len(closes) or not (np.all(opens <= closes)
                                          and np.all(closes[:-1] < opens[1:])):
        return None
    seg = np.searchsorted(np.flatnonzero(_spells(after_lt, 0, b"trkseg")), opens,
                          side="right").astype(float)
    if seg[0] == 0:
        return None
    coordinates = _coordinates(arr, padded, lt[opens], gt[opens])
    if coordinates is None:
        return None
    ranges = {name.decode(): (np.arange(n), *where) for name, where in coordinates.items()}
    before_gt = _words(padded, gt - 8)  # each tag's last 8 bytes before '>'
    opening_value = ~closing & (_byte(before_gt, 7) != ord("/"))
    for field in FIELDS:
        width = len(field)
        prefix = _byte(before_gt, 7 - width)
        tags = np.flatnonzero(opening_value & _spells(before_gt, 8 - width, field)
                              & ((prefix == ord("<")) | (prefix == ord(":"))))
        owner = np.searchsorted(lt[opens], lt[tags], side="right") - 1
        inside = (owner >= 0) & (lt[tags] < lt[closes[np.maximum(owner, 0)]])
        owner, tags = owner[inside], tags[inside]
        first = np.ones(len(owner), dtype=bool)  # the first value in each point
        first[1:] = owner[1:] != owner[:-1]
        ranges[field.decode()] = (owner[first], gt[tags[first]] + 1, lt[tags[first] + 1])
    table: dict[str, np.ndarray | pd.Series] = {"seg": seg}
    owner, starts, ends = ranges.pop("time")
    lines = _gather(arr, starts, ends)
    if lines is None:
        return None
    times = np.full(n, None, dtype=object)
    times[owner] = [text or None for text in
                    lines.decode("utf-8", "replace").split("\n")[:len(owner)]]
    table["time"] = pd.Series(times, dtype=object)  # parse_times reads a Series
    lines = _gather(arr, np.concatenate([r[1] for r in ranges.values()]),
                    np.concatenate([r[2] for r in ranges.values()]))
    values = _numbers(lines) if lines is not None else None
    if values is None:
        return None
    done = 0
    for name, (owner, _, _) in ranges.items():  # one parse for every numeric column
        table[name] = np.full(n, np.nan)
        table[name][owner] = values[done:done + len(owner)]
        done += len(owner)
    return table, _metadata(data[:first_seg])


def _metadata(head: bytes) -> dict[str, str | None]:
    """Name, type and creator from the part before the first segment."""
    def text(tag: bytes, within: bytes | None = None) -> str | None:
        region = head
        if within is not None:
            start = re.search(rb"<(?:[\w.-]+:)?" + within + rb"[\s>]", head)
            region = head[start.end():] if start else b""
        found = re.search(rb"<(?:[\w.-]+:)?" + tag + rb">\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))<",
                          region, re.S)
        if not found:
            return None
        raw = found.group(1) if found.group(1) is not None else html.unescape(
            found.group(2).decode("utf-8", "replace")).encode()
        return raw.decode("utf-8", "replace").strip() or None

    creator = _CREATOR.search(head)
    return {"name": text(b"name", b"trk") or text(b"name", b"metadata") or text(b"name"),
            "type": text(b"type", b"trk"),
            "creator": html.unescape(creator.group(1).decode("utf-8", "replace")).strip()
            if creator else None}
