"""User-supplied text made safe for where it goes: spreadsheet cells, Markdown and file
names.

Names and notes come from people and from imported files. In a CSV a cell starting with
'=' can run as a formula when opened in a spreadsheet (OWASP: CSV injection); in the
dashboard a name like `![x](http://…)` would be rendered as an image and fetched.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

# OWASP, CSV injection: a cell starting with one of these may be read as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Characters that open inline Markdown (links, images, emphasis, code, HTML, maths, emoji
# and icon codes, tables, strikethrough); '(' and '.' are harmless once '[' is escaped.
_INLINE = re.compile(r"([\\`*_\[\]{}<>!~$:|])")
# What makes a line a heading, quote or list item when the text starts one.
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def spreadsheet_cell(value: Any) -> Any:
    """`value` with a leading ' when it is text a spreadsheet would read as a formula;
    numbers (also written as text, such as '-3.5') and everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(
            value):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are escaped with `spreadsheet_cell`."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out[name] = column.map(spreadsheet_cell, na_action="ignore")
    return out


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """`frame` as CSV text with formula-like cells escaped (every CSV kneeload writes)."""
    buffer = io.StringIO()
    spreadsheet_safe(frame).to_csv(buffer, index=False, **options)
    return buffer.getvalue()


def markdown_literal(text: object) -> str:
    """`text` for a Markdown renderer to show as it is (no link, image, emphasis or
    heading): markup characters backslash-escaped, line breaks as spaces."""
    flat = _INLINE.sub(r"\\\1", " ".join(str(text).splitlines()))
    return _BLOCK_START.sub(_escape_block, flat, count=1)


def _escape_block(match: re.Match[str]) -> str:
    space, marker = match.groups()
    if marker.isdigit():  # '1. ' or '1) ' starts a list: escape what follows the number
        return space + marker + "\\"
    return space + "\\" + marker


def file_stem(name: str) -> str:
    """A person's name as part of a download's file name: letters, digits, '.', '_' and
    '-' only ('Bea (demo)' -> 'Bea-demo'), never empty."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "athlete"
