"""Writing tables for people and programs: CSV, JSON and a progress bar on stderr."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TextIO

import numpy as np
import pandas as pd
from tqdm import tqdm

from analysis.safetext import spreadsheet_safe

DATE_COLUMNS = ("local_date", "date", "week_start")


def _plain(value: Any) -> Any:
    """A JSON-safe version of one cell or structure (NaN, ±infinity and NA become null,
    times ISO strings, calendar days YYYY-MM-DD): strict JSON, never `NaN` or `Infinity`."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, pd.Timestamp) and value.tzinfo is None and value == value.normalize():
        return value.strftime("%Y-%m-%d")  # a naive midnight is a calendar day here
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def for_output(frame: pd.DataFrame) -> pd.DataFrame:
    """Calendar-day columns as YYYY-MM-DD strings (they hold naive midnights inside)."""
    out = frame.copy()
    for name in DATE_COLUMNS:
        if name in out and pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime("%Y-%m-%d")
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of `frame` as JSON-ready dictionaries."""
    shown = for_output(frame)
    return [{k: _plain(v) for k, v in row.items()} for row in shown.to_dict("records")]


def write_csv(frame: pd.DataFrame, stream: TextIO | None = None) -> None:
    """`frame` as CSV on `stream` (default stdout): ISO times, YYYY-MM-DD days, lists ';',
    formula-like text escaped for spreadsheets."""
    shown = for_output(frame)
    for name in shown.columns:
        if any(isinstance(v, list | tuple) for v in shown[name]):
            shown[name] = shown[name].map(lambda v: ";".join(map(str, v))
                                          if isinstance(v, list | tuple) else v)
    spreadsheet_safe(shown).to_csv(stream or sys.stdout, index=False)


def write_json(payload: Any, stream: TextIO | None = None) -> None:
    """`payload` as indented strict JSON with a trailing newline on `stream` (default
    stdout)."""
    stream = stream or sys.stdout
    json.dump(_plain(payload), stream, indent=2, ensure_ascii=False, default=_plain,
              allow_nan=False)
    stream.write("\n")


def write_table(frame: pd.DataFrame, fmt: str, key: str) -> None:
    """`frame` as CSV, or as JSON {key: [rows]} when fmt is 'json'."""
    if fmt == "json":
        write_json({key: records(frame)})
    else:
        write_csv(frame)


def progress_bar(label: str) -> tuple[Callable[[int, int, str], None], Callable[[], None]]:
    """A progress callback drawing on stderr when it is a terminal, and a closer."""
    bar: dict[str, tqdm] = {}

    def update(done: int, total: int, name: str) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, unit="file", file=sys.stderr,
                              disable=not sys.stderr.isatty(), leave=False)
        bar["bar"].total = total
        bar["bar"].n = done
        bar["bar"].set_postfix_str(name[-40:], refresh=False)
        bar["bar"].refresh()

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close
