"""Reading activity-list CSVs: encodings, delimiters, repeated headers, localised numbers,
and the activity row every CSV line becomes."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest import headers as H
from analysis.ingest.errors import IngestError, reraise_out_of_memory
from analysis.ingest.model import ParsedActivity
from analysis.ingest.sniff import strip_bom

MISSING = {"", "--", "--:--:--", "nan", "NaN", "null", "None"}


def decode_text(name: str, data: bytes) -> tuple[str, list[str]]:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    `data` may be cut anywhere (a prefix, a broken download): a character cut at the end is
    dropped rather than making UTF-8 text look like Windows-1252 or UTF-16 undecodable.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), ["read as UTF-16"]
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(strip_bom(data)), []
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise IngestError(name, "binary data, not a CSV text file")
    return data.decode("cp1252", errors="replace"), ["not UTF-8; read as Windows-1252"]


def read_table(name: str, text: str) -> tuple[list[str], pd.DataFrame, list[str]]:
    """Header names as written (repeats kept), all rows as strings with columns numbered,
    and a note for each line that could not be split (those lines are skipped)."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:  # a stray carriage return (or an old Mac's CR-only line ends) makes csv refuse
        headers = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    except csv.Error as exc:
        raise IngestError(name, f"CSV header line could not be read ({exc})") from None
    if not headers:
        raise IngestError(name, "empty CSV file")
    # pandas reports a skipped line only as a ParserWarning: caught here, it becomes a
    # note of this file's result instead of stray text on stderr.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            rows = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, skiprows=1,
                               names=range(len(headers)), dtype="string",
                               keep_default_na=False, index_col=False, on_bad_lines="warn",
                               engine="python")
        except (ValueError, pd.errors.ParserError, csv.Error) as exc:
            reraise_out_of_memory(exc)
            raise IngestError(name, f"CSV could not be read ({exc})") from None
    skipped = [str(w.message).strip() for w in caught
               if issubclass(w.category, pd.errors.ParserWarning)]
    return headers, rows, skipped


def numbers(values: pd.Series, decimal: str = "auto") -> pd.Series:
    """Localised number strings as floats: '1.234,5', '1,234.5', '3,40', '2.932' …

    With decimal='auto' a value with one separator followed by exactly three digits is
    ambiguous; those are read with a '.' decimal point. Pass ',' or '.' when known.
    """
    text = values.astype("string").str.strip()
    text = text.mask(text.isin(MISSING))
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    elif decimal == ".":
        text = text.str.replace(",", "", regex=False)
    else:
        both = text.str.contains(",", regex=False) & text.str.contains(".", regex=False)
        comma_last = text.str.rfind(",") > text.str.rfind(".")
        european = (both & comma_last) | (~both & text.str.fullmatch(r"-?\d+,\d{1,2}|-?\d+,\d{4,}"))
        text = text.where(~european.fillna(False),
                          text.str.replace(".", "", regex=False).str.replace(",", ".",
                                                                             regex=False))
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype(float)


def decimal_comma(values: pd.Series) -> bool:
    """Whether a column of decimal numbers is written with a decimal comma ('3,40')."""
    text = values.astype("string").str.strip()
    comma = text.str.fullmatch(r"-?\d+,\d+").fillna(False).sum()
    point = text.str.fullmatch(r"-?\d+\.\d+").fillna(False).sum()
    return bool(comma > point)


def durations(values: pd.Series) -> pd.Series:
    """'hh:mm:ss', 'mm:ss' or plain seconds as float seconds (missing as NaN)."""
    text = values.astype("string").str.strip()
    text = text.mask(text.isin(MISSING)).str.replace(",", ".", regex=False)
    # float64 throughout: a column mixing '1234' and '12:34.5' must not infer integers.
    plain = pd.to_numeric(text, errors="coerce").astype(float)
    clock = text.where(text.str.count(":") == 2, "00:" + text)
    parsed = pd.to_timedelta(clock, errors="coerce").dt.total_seconds().astype(float)
    return plain.where(plain.notna(), parsed)


_MONTHS_DE = {"Jan.": "Jan", "Januar": "Jan", "Feb.": "Feb", "Februar": "Feb", "März": "Mar",
              "Apr.": "Apr", "April": "Apr", "Mai": "May", "Juni": "Jun", "Juli": "Jul",
              "Aug.": "Aug", "August": "Aug", "Sept.": "Sep", "Sep.": "Sep",
              "September": "Sep", "Okt.": "Oct", "Oktober": "Oct", "Nov.": "Nov",
              "November": "Nov", "Dez.": "Dec", "Dezember": "Dec"}
_MONTH_RE = re.compile("|".join(re.escape(k) for k in sorted(_MONTHS_DE, key=len,
                                                             reverse=True)))
DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%d.%m.%Y, %H:%M:%S", "%d. %b %Y, %H:%M:%S",
                "%d %b %Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S",
                "%m/%d/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def dates(name: str, values: pd.Series) -> pd.Series:
    """Naive timestamps from Strava/Garmin date strings (English or German), one format
    for the whole column: the one that reads most values, if it reads more than half
    (the others become NaT, and callers skip and name those rows); otherwise an error
    names a value it cannot read."""
    text = values.astype("string").str.strip()
    text = text.str.replace(_MONTH_RE, lambda m: _MONTHS_DE[m.group(0)], regex=True)
    present = text.notna() & (text != "")
    readable = text.mask(text.str.lower().isin(["now", "today"]))  # pandas: the time now
    best = pd.Series(pd.NaT, index=text.index)
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(readable, format=fmt, errors="coerce")
        if parsed[present].notna().all():
            return parsed
        if parsed.notna().sum() > best.notna().sum():
            best = parsed
    if 2 * best.notna().sum() > present.sum():  # a damaged row must not refuse the list
        return best
    unread = text[present & best.isna()]
    example = unread.iloc[0] if len(unread) else ""
    raise IngestError(name, f"dates such as {example!r} are in a format kneeload does not "
                            "know")


def csv_activity(**values: Any) -> ParsedActivity:
    """An activity built from a CSV row's own summary values (no samples)."""
    summary = {"origin": "csv", "sport_source": "file", "sport_reason": "",
               "n_samples": 0, "elevation_method": "",
               "elevation_source": "summary", "downhill_5pct_m": np.nan,
               "downhill_10pct_m": np.nan, **values}
    return ParsedActivity(summary, None)


@dataclass
class ActivityList:
    """A CSV list read by header names: its rows, field -> column index, notes on the file."""

    rows: pd.DataFrame
    at: dict[str, int]
    notes: list[str]

    def column(self, field: str) -> pd.Series:
        """The column of `field` as strings (all missing when the file lacks it)."""
        if field in self.at:
            return self.rows[self.at[field]]
        return pd.Series(pd.NA, index=self.rows.index, dtype="string")


def read_activity_list(name: str, data: bytes, table: dict[str, dict[str, H.Header]],
                       required: tuple[str, ...], what: str) -> ActivityList:
    """Decode, split and find the columns of an activity list; an error names every header
    that no language of `table` knows when the required fields are not all there."""
    text, notes = decode_text(name, data)
    headers, rows, skipped = read_table(name, text)
    found = H.locate(headers, table, required)
    if found is None:
        unknown = H.unknown_headers(headers, table)
        raise IngestError(name, f"not a {what} kneeload can read: headers not recognised: "
                                + H.excerpt(unknown)
                                + " (add the language to analysis/ingest/headers.py)")
    return ActivityList(rows, found[1], [*notes, *skipped])
