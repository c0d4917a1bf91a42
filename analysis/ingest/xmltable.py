"""Shared by the GPX and TCX readers: flatten track points to a table in C, parse times.

An XSLT stylesheet (libxslt, run inside lxml) writes one CSV line per track point, which
pandas' C parser reads; no Python code runs per point.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
from lxml import etree

from analysis.ingest.errors import IngestError, reraise_out_of_memory
from analysis.ingest.safexml import compile_xslt, thread_cached

_STYLESHEET = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
 {namespaces}><xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/">{body}</xsl:template></xsl:stylesheet>"""
_ZONE = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)$")
# Inside a value, the characters that would split or quote a CSV field; each becomes ';'
# (so "52,1" is one unreadable number, skipped with its point, not a shifted line).
_FIELD_BREAKERS, _REPLACEMENTS = ",&quot;&#10;&#13;", ";;;;"


def row_xslt(namespaces: dict[str, str], body: str) -> etree.XSLT:
    """Compiled (and per-thread cached) stylesheet with the given prefixes and template body."""
    decl = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in sorted(namespaces.items()))
    source = _STYLESHEET.format(namespaces=decl, body=body)
    return thread_cached(source, lambda: compile_xslt(source.encode()))


def concat_row(fields: list[str]) -> str:
    """XSLT `value-of` writing `fields` (XPath expressions) as one comma-separated line;
    commas, quotes and line breaks inside a value cannot split or shift it."""
    joined = ",',',".join(f"translate(string({field}),'{_FIELD_BREAKERS}','{_REPLACEMENTS}')"
                          for field in fields)
    return f"<xsl:value-of select=\"concat({joined},'&#10;')\"/>"


def run_table(name: str, root: etree._Element, stylesheet: etree.XSLT, columns: list[str],
              text_columns: tuple[str, ...]) -> pd.DataFrame:
    """Apply `stylesheet` to `root` and read its CSV output into a frame with `columns`."""
    out = bytes(stylesheet(root))
    if not out:
        return pd.DataFrame(columns=columns)
    names = columns
    dtypes = {c: ("string" if c in text_columns else "float64") for c in columns}
    try:
        table = pd.read_csv(io.BytesIO(out), header=None, names=names, dtype=dtypes,
                            engine="c", na_filter=True, keep_default_na=False,
                            na_values=[""])
    except (ValueError, pd.errors.ParserError) as exc:
        reraise_out_of_memory(exc)
        table = _read_coercing(name, out, names, text_columns)
    return table


def _read_coercing(name: str, out: bytes, names: list[str], text_columns: tuple[str, ...]
                   ) -> pd.DataFrame:
    """Slow path for files with non-numeric values: those become missing, and which cells
    they were is kept in `table.attrs["unreadable"]` (column -> mask) for the reader."""
    try:
        table = pd.read_csv(io.BytesIO(out), header=None, names=names, dtype="string",
                            keep_default_na=False, na_values=[""])
    except (ValueError, pd.errors.ParserError) as exc:
        reraise_out_of_memory(exc)
        raise IngestError(name, f"track points could not be read ({exc})") from None
    unreadable = {}
    for col in names:
        if col not in text_columns:
            numbers = pd.to_numeric(table[col], errors="coerce")
            unreadable[col] = (table[col].notna() & numbers.isna()).to_numpy()
            table[col] = numbers
    table.attrs["unreadable"] = unreadable
    return table


def iso_times(values: pd.Series) -> pd.Series:
    """ISO 8601 texts as UTC timestamps; NaT for what is unreadable, and for years outside
    1900–2199 (year 0001 or -24 would overflow pandas' range and fail the whole column)."""
    text = values.astype("string").str.strip()
    year = pd.to_numeric(text.str.extract(r"^(\d{4})-", expand=False), errors="coerce")
    text = text.where(year.between(1900, 2199))
    try:
        return pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    except (ValueError, OverflowError):  # a value pandas cannot coerce: read one by one
        return pd.Series([_one_time(v) for v in text], index=values.index,
                         dtype="datetime64[ns, UTC]")


def _one_time(text: object) -> pd.Timestamp:
    try:
        return pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, OverflowError, TypeError):
        return pd.NaT


def parse_times(values: pd.Series) -> tuple[np.ndarray, float | None, list[str]]:
    """Epoch seconds for ISO 8601 strings, the offset the file states, and notes.

    Times without a zone are read as UTC (what GPX and TCX require) and flagged.
    """
    notes: list[str] = []
    present = values.notna()
    if not present.any():
        return np.full(len(values), np.nan), None, notes
    first = str(values[present].iloc[0]).strip()
    parsed = iso_times(values)
    bad = int((present & parsed.isna()).sum())
    if bad:
        notes.append(f"{bad} timestamp(s) could not be read and were ignored")
    offset = None
    if not _ZONE.search(first):
        notes.append("times carry no time zone; read as UTC")
    else:
        found = _OFFSET.search(first)
        if found:
            sign = -1 if found.group(1) == "-" else 1
            offset = sign * (int(found.group(2)) * 60 + int(found.group(3)))
    seconds = parsed.astype("datetime64[ns, UTC]").to_numpy(dtype="datetime64[ns]")
    t = seconds.astype("int64").astype(float) / 1e9
    t[np.isnat(seconds)] = np.nan
    return t, offset, notes
