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
_QUOTED = rb"\s*=\s*[\"']([^\"']*)[\"']"
_POSITION = re.compile(rb"<trkpt\s+(?:lat" + _QUOTED + rb"\s+lon" + _QUOTED + rb"|lon" + _QUOTED
                       + rb"\s+lat" + _QUOTED + rb")")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.I)
_CREATOR = re.compile(rb"\screator\s*=\s*[\"']([^\"']*)[\"']")


def _words(arr: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes starting at each position in `at`, as little-endian integers (bytes past
    either end read as 0)."""
    padded = np.concatenate([np.zeros(8, np.uint8), arr, np.zeros(8, np.uint8)])
    rows = np.lib.stride_tricks.sliding_window_view(padded, 8)[np.asarray(at) + 8]
    return np.ascontiguousarray(rows).view("<u8").ravel()


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


def scan_gpx(data: bytes) -> tuple[pd.DataFrame, dict[str, str | None]] | None:
    """The track table (columns seg, lat, lon, ele, time, hr, cad) and metadata (name, type,
    creator), or None when the file is not in the plain layout this path reads."""
    first_seg = data.find(b"<trkseg")
    if (first_seg < 0 or data.find(b"<!", first_seg) >= 0 or data.find(b"&", first_seg) >= 0
            or _DECLARATION.search(data, 0, first_seg) or b"\x00" in data
            or _ENCODING.match(data[:300].lstrip(b"\xef\xbb\xbf"))
            or not _ROOT.match(data[:4096].lstrip(b"\xef\xbb\xbf"))
            or not _END.search(data[-64:])):
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    lt = np.flatnonzero(arr == ord("<"))
    gt = np.flatnonzero(arr == ord(">"))
    if len(lt) != len(gt) or not (np.all(lt < gt) and np.all(gt[:-1] < lt[1:])):
        return None  # '<' and '>' do not alternate: leave it to the XML parser
    after_lt = _words(arr, lt + 1)  # each tag's first 8 bytes after '<'
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
    positions = _POSITION.findall(data, first_seg)
    if len(positions) != n:
        return None
    lat = _numbers(b"\n".join(p[0] or p[3] for p in positions) + b"\n")
    lon = _numbers(b"\n".join(p[1] or p[2] for p in positions) + b"\n")
    if lat is None or lon is None:
        return None
    table: dict[str, np.ndarray | pd.Series] = {"seg": seg, "lat": lat, "lon": lon}
    before_gt = _words(arr, gt - 8)  # each tag's last 8 bytes before '>'
    opening_value = ~closing & (_byte(before_gt, 7) != ord("/"))
    for field in FIELDS:
        width = len(field)
        prefix = _byte(before_gt, 7 - width)
        tags = np.flatnonzero(opening_value & _spells(before_gt, 8 - width, field)
                              & ((prefix == ord("<")) | (prefix == ord(":"))))
        owner = np.searchsorted(lt[opens], lt[tags], side="right") - 1
        inside = (owner >= 0) & (lt[tags] < lt[closes[np.maximum(owner, 0)]])
        owner, first = np.unique(owner[inside], return_index=True)  # first value per point
        tags = tags[inside][first]
        lines = _gather(arr, gt[tags] + 1, lt[tags + 1])
        if lines is None:
            return None
        if field == b"time":
            column = np.full(n, None, dtype=object)
            column[owner] = lines.decode("utf-8", "replace").split("\n")[:len(tags)]
            table["time"] = pd.Series(column, dtype="string").replace("", pd.NA)
            continue
        values = _numbers(lines)
        if values is None:
            return None
        column = np.full(n, np.nan)
        column[owner] = values
        table[field.decode()] = column
    return pd.DataFrame(table), _metadata(data[:first_seg])


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
