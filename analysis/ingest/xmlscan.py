"""Scanning plain XML with numpy: the fast paths for GPX (gpxscan) and TCX (tcxscan).

Devices and services write track files without a DTD and with no comments, CDATA or
character references among the track points. In such files '<' and '>' alternate
strictly, so tag i spans lt[i]..gt[i]; tags are recognised by comparing bytes at those
positions, and the text of every wanted element inside a point is gathered into one
buffer that pandas' C parser reads. Anything unusual makes the caller return None, and
the file goes through the full (hardened) XML parser instead; tests check both paths give
the same table.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.errors import reraise_out_of_memory
from analysis.ingest.xmltable import parse_times

WHITESPACE = np.frombuffer(b" \t\r\n\x1f", dtype=np.uint8)  # \x1f: never in XML text
_ENDS_NAME = np.zeros(256, dtype=bool)  # the bytes that can follow a tag's name
_ENDS_NAME[np.frombuffer(b" \t\r\n/>", dtype=np.uint8)] = True
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"'](?!utf-?8[\"']|us-ascii[\"'])",
                       re.I)
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.I)
Range = tuple[np.ndarray, np.ndarray, np.ndarray]  # (point index, text start, text end)
_UTC_LAYOUT = b"dddd-dd-ddTdd:dd:dd"  # d: a digit; then optionally a fraction, then 'Z'


def plain_from(data: bytes, at: int) -> bool:
    """True when `data` is UTF-8 without NULs or declarations, and has no comment, CDATA
    or character reference from byte `at` on."""
    head = data[:300].lstrip(b"\xef\xbb\xbf")
    return not (at < 0 or data.find(b"<!", at) >= 0 or data.find(b"&", at) >= 0
                or b"\x00" in data
                or _DECLARATION.search(data, 0, at) or _ENCODING.match(head))


def words(padded: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes starting at each position in `at`, as little-endian integers; `padded` is
    the file with 8 zero bytes on either side (positions count from the file's start)."""
    every = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    return every[at + 8]


def byte(packed: np.ndarray, offset: int) -> np.ndarray:
    """Byte `offset` of each word."""
    return (packed >> np.uint64(8 * offset)) & np.uint64(0xFF)


def spells(packed: np.ndarray, offset: int, name: bytes) -> np.ndarray:
    """Which words hold `name` (at most 8 bytes) from byte `offset` on."""
    mask = np.uint64((1 << (8 * len(name))) - 1)
    return ((packed >> np.uint64(8 * offset)) & mask) == np.uint64(
        int.from_bytes(name, "little"))


@dataclass
class Tags:
    """Every tag of a file whose '<' and '>' alternate: tag i spans lt[i]..gt[i]."""

    arr: np.ndarray
    lt: np.ndarray
    gt: np.ndarray
    padded: np.ndarray = field(init=False)
    after_lt: np.ndarray = field(init=False)  # each tag's first 8 bytes after '<'
    before_gt: np.ndarray = field(init=False)  # each tag's last 8 bytes before '>'

    def __post_init__(self) -> None:
        self.padded = np.concatenate([np.zeros(8, np.uint8), self.arr, np.zeros(8, np.uint8)])
        self.after_lt = words(self.padded, self.lt + 1)
        self.before_gt = words(self.padded, self.gt - 8)

    @classmethod
    def of(cls, data: bytes) -> Tags | None:
        """The tags of `data`, or None when '<' and '>' do not alternate."""
        arr = np.frombuffer(data, dtype=np.uint8)
        lt = np.flatnonzero(arr == ord("<"))
        gt = np.flatnonzero(arr == ord(">"))
        if len(lt) != len(gt) or not (np.all(lt < gt) and np.all(gt[:-1] < lt[1:])):
            return None
        return cls(arr, lt, gt)

    @property
    def closing(self) -> np.ndarray:
        """Which tags are end tags (</…>)."""
        return byte(self.after_lt, 0) == ord("/")

    def starting(self, name: bytes) -> np.ndarray:
        """Indices of the start tags with the unprefixed name `name` (up to 16 bytes), with
        or without attributes."""
        found = np.flatnonzero(spells(self.after_lt, 0, name[:8]))
        at = self.lt[found] + 1
        if len(name) > 8:
            keep = spells(words(self.padded, at + 8), 0, name[8:])
            found, at = found[keep], at[keep]
        return found[_ENDS_NAME[self.padded[at + len(name) + 8]]]

    def ending(self, name: bytes) -> np.ndarray:
        """Indices of the end tags </name> (unprefixed, up to 16 bytes)."""
        found = self._named(name, self.closing)
        return found[self.padded[self.gt[found] - len(name) - 1 + 8] == ord("/")]

    def _named(self, name: bytes, among: np.ndarray) -> np.ndarray:
        """Indices of the tags among `among` (a mask) whose text ends with `name` at '>'."""
        width = len(name)
        last = min(width, 8)
        found = np.flatnonzero(among & spells(self.before_gt, 8 - last, name[-last:]))
        if width > 8:
            found = found[spells(words(self.padded, self.gt[found] - width), 0, name[:-8])]
        return found

    def value_tags(self, name: bytes, prefixed: bool = True) -> np.ndarray:
        """Indices of the start tags <name> (or <prefix:name> when `prefixed`) with no
        attributes (up to 16 bytes)."""
        found = self._named(name, ~self.closing)
        before = self.padded[self.gt[found] - len(name) - 1 + 8]
        return found[(before == ord("<")) | (prefixed & (before == ord(":")))]

    def first_in(self, tags: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> Range:
        """For the value tags `tags`, the first one inside each point (tags opens[i] ..
        closes[i]): the point's index and where its text starts and ends."""
        lt = self.lt
        owner = np.searchsorted(lt[opens], lt[tags], side="right") - 1
        inside = (owner >= 0) & (lt[tags] < lt[closes[np.maximum(owner, 0)]])
        owner, tags = owner[inside], tags[inside]
        first = np.ones(len(owner), dtype=bool)
        first[1:] = owner[1:] != owner[:-1]
        return owner[first], self.gt[tags[first]] + 1, lt[tags[first] + 1]

    def texts(self, where: Range, n: int) -> pd.Series | None:
        """The texts at `where` for n points (None where a point has none), or None when a
        text holds whitespace or a line break."""
        owner, starts, ends = where
        lines = gather(self.arr, starts, ends)
        if lines is None:
            return None
        out = np.full(n, None, dtype=object)
        out[owner] = [text or None for text in
                      lines.decode("utf-8", "replace").split("\n")[:len(owner)]]
        return pd.Series(out, dtype=object)

    def utc_seconds(self, where: Range, n: int) -> np.ndarray | None:
        """Seconds since the epoch of the times at `where` for n points (NaN where a point
        has none), when every one is written alike as UTC ('2024-05-01T06:00:00Z', with or
        without a fraction); else None (then read them as texts)."""
        owner, starts, ends = where
        width = ends - starts
        if len(owner) == 0 or (width != width[0]).any() or width[0] < 20:
            return None
        chars = self.arr[starts[:, None] + np.arange(width[0])]
        layout = _UTC_LAYOUT[:19] + (b"." + b"d" * (width[0] - 21) if width[0] > 20 else b"")
        wanted = np.frombuffer(layout + b"Z", dtype=np.uint8)
        digits = wanted == ord("d")
        if not ((chars[:, ~digits] == wanted[~digits]).all()
                and ((chars[:, digits] >= ord("0")) & (chars[:, digits] <= ord("9"))).all()):
            return None
        micro = _utc_microseconds(chars.astype(np.int64) - ord("0"))
        if micro is None:  # a date no calendar has, or outside pandas' range: the general
            return None    # parser reads the rest and counts the bad ones
        out = np.full(n, np.nan)
        out[owner] = (micro * 1000).astype(float) / 1e9  # as parse_times computes it
        return out

    def numbers(self, ranges: dict[str, Range], n: int) -> dict[str, np.ndarray] | None:
        """One float column of n points per entry of `ranges`, read in one parse (NaN where
        a point has none), or None when a value is not a plain number."""
        lines = gather(self.arr, np.concatenate([r[1] for r in ranges.values()]),
                       np.concatenate([r[2] for r in ranges.values()]))
        values = _numbers(lines) if lines is not None else None
        if values is None:
            return None
        columns, done = {}, 0
        for name, (owner, _, _) in ranges.items():
            columns[name] = np.full(n, np.nan)
            columns[name][owner] = values[done:done + len(owner)]
            done += len(owner)
        return columns


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
# Years whose nanoseconds fit int64, as parse_times (pandas) holds them.
_YEARS = (1678, 2261)


def _utc_microseconds(d: np.ndarray) -> np.ndarray | None:
    """Microseconds since the epoch from digit values laid out as 'YYYY-MM-DDTHH:MM:SS[.f]Z'
    (a fraction truncated to microseconds); None when a field is out of range.

    Computed from the digits (days from the civil date, Hinnant's algorithm) rather than by
    numpy's string-to-datetime cast, which crashes the process on an invalid date in a long
    array (numpy 2.4).
    """
    def number(first: int, last: int) -> np.ndarray:
        return d[:, first:last] @ 10 ** np.arange(last - first - 1, -1, -1)

    year, month, day = number(0, 4), number(5, 7), number(8, 10)
    hour, minute, second = number(11, 13), number(14, 16), number(17, 19)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days_in_month = _MONTH_DAYS[np.where(month_ok, month, 0)] + (leap & (month == 2))
    if not (month_ok.all() and (day >= 1).all() and (day <= days_in_month).all()
            and (hour <= 23).all() and (minute <= 59).all() and (second <= 59).all()
            and (year >= _YEARS[0]).all() and (year <= _YEARS[1]).all()):
        return None
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    fraction = d[:, 20:-1][:, :6]  # digits after the '.', up to microseconds
    micro = fraction @ 10 ** np.arange(5, 5 - fraction.shape[1], -1)
    return ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micro


def gather(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> bytes | None:
    """The byte ranges [start, end) one per line, or None if a range holds a line break or
    whitespace that would need stripping."""
    lengths = ends - starts
    total = int(lengths.sum())
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    chars = arr[np.repeat(starts, lengths) + within]
    if np.isin(chars, WHITESPACE).any():
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
    except (ValueError, pd.errors.ParserError) as exc:
        reraise_out_of_memory(exc)
        return None


def time_column(tags: Tags, where: Range, n: int) -> dict[str, np.ndarray | pd.Series] | None:
    """{'t': UTC seconds} when every time is plain UTC, else {'time': the texts} (for
    analysis.ingest.xmltable.parse_times); None when a text needs stripping."""
    seconds = tags.utc_seconds(where, n)
    if seconds is not None:
        return {"t": seconds}
    texts = tags.texts(where, n)
    return None if texts is None else {"time": texts}


def track_times(table: Any) -> tuple[np.ndarray, float | None, list[str]]:
    """Seconds, the offset the file states and notes, from a track table of either path:
    the fast path's UTC seconds ('t') as they are, texts ('time') through parse_times."""
    if "t" in table:
        return np.asarray(table["t"], dtype=float), None, []
    return parse_times(pd.Series(table["time"]).reset_index(drop=True))
