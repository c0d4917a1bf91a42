"""The knee-pain diary: validating one entry, reading a diary kept as CSV, and the flare
rule (`flare_onsets`, the one definition every page, command and model uses).

Pure (no database): the CLI and the dashboard validate here, the store persists. A score
is the 0–10 numeric rating scale in whole points; a day without an entry is missing, not
zero, so rows without a score are left out rather than read as 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from calendar import month_name
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.csvtext import decode_text
from analysis.ingest.errors import IngestError
from analysis.schema import PAIN_PROVOKERS, PAIN_SIDES, PAIN_TIMINGS
from analysis.thresholds import Thresholds

SIDE_ALIASES = {
    "left": "left", "l": "left", "links": "left",
    "right": "right", "r": "right", "rechts": "right",
    "both": "both", "b": "both", "bilateral": "both", "lr": "both", "l+r": "both",
    "left+right": "both", "beide": "both",
}
TIMING_ALIASES = {
    "during_run": "during_run", "during": "during_run", "in_run": "during_run",
    "after_run": "after_run", "after": "after_run", "post_run": "after_run",
    "next_morning": "next_morning", "morning": "next_morning", "next_day": "next_morning",
    "daily_worst": "daily_worst", "worst": "daily_worst", "daily": "daily_worst",
    "day": "daily_worst", "worst_of_day": "daily_worst",
}
PROVOKER_ALIASES = {
    "stairs": "stairs", "stair": "stairs", "steps": "stairs", "treppe": "stairs",
    "treppen": "stairs",
    "downhill": "downhill", "downhills": "downhill", "descent": "downhill",
    "descending": "downhill", "bergab": "downhill",
    "squatting": "squatting", "squat": "squatting", "squats": "squatting",
    "sitting": "sitting", "sit": "sitting", "prolonged_sitting": "sitting",
    "sitzen": "sitting",
    "other": "other", "sonstiges": "other",
}
# CSV header (lower case, words joined by '_') -> entry field
HEADER_ALIASES = {
    "date": "date", "day": "date", "datum": "date",
    "pain": "score", "score": "score", "nrs": "score", "knee_pain": "score",
    "pain_score": "score", "pain_nrs": "score", "schmerz": "score",
    "side": "side", "knee": "side", "seite": "side",
    "timing": "timing", "when": "timing", "zeitpunkt": "timing",
    "provokers": "provokers", "provoker": "provokers", "provoked_by": "provokers",
    "triggers": "provokers", "trigger": "provokers",
    "note": "note", "notes": "note", "comment": "note", "comments": "note", "notiz": "note",
    "activity_id": "activity_id", "run": "activity_id", "run_id": "activity_id",
}
DATE_HELP = "use YYYY-MM-DD, DD.MM.YYYY or MM/DD/YYYY"
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][\d:.]*)?")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class PainError(ValueError):
    """An entry or a diary file that cannot be stored; `problems` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PainEntry:
    """One diary entry in canonical form; constructing an invalid one raises PainError.

    Provokers are kept in the vocabulary's order, each once.
    """

    date: dt.date
    score: int
    side: str | None = None
    timing: str | None = None
    provokers: tuple[str, ...] = ()
    activity_id: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        given = tuple(self.provokers)
        object.__setattr__(self, "provokers", tuple(p for p in PAIN_PROVOKERS if p in given))
        problems = []
        if not isinstance(self.date, dt.date) or isinstance(self.date, dt.datetime):
            problems.append(f"date {self.date!r} is not a calendar day")
        elif self.date > latest_day_on_earth():
            problems.append(f"date {self.date.isoformat()} lies in the future")
        if isinstance(self.score, bool) or not isinstance(self.score, int):
            problems.append(f"score {self.score!r} is not a whole number")
        elif not 0 <= self.score <= 10:
            problems.append(f"score {self.score} is outside 0–10")
        if self.side is not None and self.side not in PAIN_SIDES:
            problems.append(f"unknown side {self.side!r}")
        if self.timing is not None and self.timing not in PAIN_TIMINGS:
            problems.append(f"unknown timing {self.timing!r}")
        problems.extend(f"unknown provoker {p!r}" for p in given if p not in PAIN_PROVOKERS)
        if problems:
            raise PainError(problems)


def latest_day_on_earth() -> dt.date:
    """Today in UTC+14, the last zone to start a day: no diary entry can be later than this,
    whatever clock the machine or the athlete keeps."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


def _missing(value: Any) -> bool:
    """Nothing given: None, NaN, pandas' NA/NaT or blank text (a data editor's empty cell)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _words(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def parse_score(value: Any) -> int:
    """A 0–10 whole-number score from an int, a whole float or text such as ' 3 '."""
    if _missing(value):
        raise ValueError("no pain score")
    if isinstance(value, bool):
        raise ValueError(f"score {value!r} is not a number")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"score {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"score {value!r} is not a number")
    if number != int(number):
        raise ValueError(f"score {value} is not a whole number (the 0–10 scale has whole "
                         "points)")
    if not 0 <= number <= 10:
        raise ValueError(f"score {int(number)} is outside 0–10")
    return int(number)


def slash_day_first(values: list[str]) -> bool | None:
    """How a column writes '03/04/2024': True (day first) or False (month first) when some
    value settles it (a first or second number above 12), None when none does.

    Raises ValueError when values contradict each other.
    """
    firsts, seconds = set(), set()
    for value in values:
        match = _SLASHED.fullmatch(str(value).strip())
        if match:
            firsts.add(int(match[1]))
            seconds.add(int(match[2]))
    day_first = any(n > 12 for n in firsts)
    month_first = any(n > 12 for n in seconds)
    if day_first and month_first:
        raise ValueError("slashed dates are written both day-first and month-first")
    return True if day_first else False if month_first else None


def parse_date(value: Any, today: dt.date | None = None, day_first: bool | None = None
               ) -> dt.date:
    """A calendar day from a date, 'YYYY-MM-DD', 'DD.MM.YYYY', 'MM/DD/YYYY' (or day first
    when `day_first`), 'today' or 'yesterday'; never after `today`."""
    today = today or dt.date.today()
    if _missing(value):
        raise ValueError("no date")
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        day = _date_from_text(str(value).strip(), today, day_first)
    if day > today:
        raise ValueError(f"date {day.isoformat()} lies in the future")
    return day


def _date_from_text(text: str, today: dt.date, day_first: bool | None) -> dt.date:
    words = {"today": today, "yesterday": today - dt.timedelta(days=1)}
    if text.lower() in words:
        return words[text.lower()]
    if match := _ISO.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _DOTTED.fullmatch(text):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    elif match := _SLASHED.fullmatch(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if day_first is None and first != second and first <= 12 and second <= 12:
            raise ValueError(f"date {text!r} is ambiguous ({first} {month_name[second]} or "
                             f"{second} {month_name[first]}); write YYYY-MM-DD")
        day, month = (first, second) if day_first or first > 12 else (second, first)
    else:
        raise ValueError(f"date {text!r} cannot be read ({DATE_HELP})")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"date {text!r} is not a day of the calendar") from None


def _vocabulary(value: Any, aliases: dict[str, str], what: str, allowed: tuple[str, ...]
                ) -> str | None:
    if _missing(value):
        return None
    found = aliases.get(_words(str(value)))
    if found is None:
        raise ValueError(f"unknown {what} {str(value).strip()!r} (use {', '.join(allowed)})")
    return found


def parse_provokers(value: Any) -> tuple[str, ...]:
    """Known provokers, in canonical order, from 'stairs, downhill', 'Stairs;squat' or a
    list; an unknown one raises ValueError naming it."""
    if _missing(value):
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[,;|/+]", str(value))
    found = {_vocabulary(item, PROVOKER_ALIASES, "provoker", PAIN_PROVOKERS)
             for item in items if not _missing(item)}
    return tuple(p for p in PAIN_PROVOKERS if p in found)


def parse_entry(date: Any, score: Any, side: Any = None, timing: Any = None,
                provokers: Any = None, activity_id: Any = None, note: Any = None, *,
                today: dt.date | None = None, day_first: bool | None = None) -> PainEntry:
    """An entry from raw values (text or typed); raises PainError listing every problem."""
    problems: list[str] = []

    def attempt(parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except ValueError as exc:
            problems.append(str(exc))
            return None

    values = {
        "date": attempt(parse_date, date, today, day_first),
        "score": attempt(parse_score, score),
        "side": attempt(_vocabulary, side, SIDE_ALIASES, "side", (*PAIN_SIDES, "L", "R")),
        "timing": attempt(_vocabulary, timing, TIMING_ALIASES, "timing", PAIN_TIMINGS),
        "provokers": attempt(parse_provokers, provokers),
        "activity_id": None if _missing(activity_id) else str(activity_id).strip(),
        "note": "" if _missing(note) else str(note).strip(),
    }
    if problems:
        raise PainError(problems)
    return PainEntry(**values)


@dataclass
class PainCSV:
    """A diary CSV read whole: its entries, and what was left out."""

    entries: list[PainEntry] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    lines_without_score: list[int] = field(default_factory=list)


def parse_pain_csv(data: bytes | str, today: dt.date | None = None) -> PainCSV:
    """Every entry of a diary CSV (columns date and pain at least; optional side, timing,
    provokers, note, activity_id; aliases in HEADER_ALIASES).

    The whole file is checked first: any bad row raises PainError listing every bad row
    by line number and reason. Rows without a score are days without an entry: left out.
    """
    if isinstance(data, bytes):
        try:
            data, _ = decode_text("pain CSV", data)
        except IngestError as exc:
            raise PainError([exc.reason]) from None
    header_line = data.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(data), delimiter=delimiter)
    headers = next(reader, None)
    if not headers:
        raise PainError(["line 1: the file is empty"])
    fields, ignored, problems = _map_headers(headers)
    if problems:
        raise PainError(problems)
    rows: list[tuple[int, list[str]]] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, row))
    date_at = fields.index("date")
    try:
        day_first = slash_day_first([row[date_at] for _, row in rows if len(row) > date_at])
    except ValueError as exc:
        raise PainError([f"date column: {exc}; write YYYY-MM-DD"]) from None
    result = PainCSV(ignored_columns=ignored)
    for line, row in rows:
        if len(row) > len(headers) and any(cell.strip() for cell in row[len(headers):]):
            problems.append(f"line {line}: {len(row)} fields, the header has {len(headers)}")
            continue
        values = {name: cell for name, cell in zip(fields, row, strict=False) if name}
        if _missing(values.get("score")):
            result.lines_without_score.append(line)
            continue
        try:
            result.entries.append(parse_entry(**values, today=today, day_first=day_first))
        except PainError as exc:
            problems.append(f"line {line}: {'; '.join(exc.problems)}")
    if problems:
        raise PainError(problems)
    return result


def _map_headers(headers: list[str]) -> tuple[list[str | None], list[str], list[str]]:
    """Field per column (None when ignored), the ignored headers, and header problems."""
    fields: list[str | None] = [HEADER_ALIASES.get(_words(h)) for h in headers]
    ignored = [h for h, f in zip(headers, fields, strict=True) if f is None and h.strip()]
    problems = []
    for name in sorted({f for f in fields if f}):
        given = [h for h, f in zip(headers, fields, strict=True) if f == name]
        if len(given) > 1:
            problems.append(f"line 1: columns {', '.join(map(repr, given))} all give the "
                            f"{name}; keep one")
    for name, label in (("date", "date"), ("score", "pain")):
        if name not in fields:
            aliases = sorted(k for k, v in HEADER_ALIASES.items() if v == name)
            problems.append(f"line 1: no {label} column (one of: {', '.join(aliases)})")
    return fields, ignored, problems


def flare_rule_words(t: Thresholds = Thresholds()) -> str:
    """The flare rule in one sentence, with the athlete's thresholds (README, flag texts)."""
    return (f"a flare begins on a day with pain of {t.flare_score:g}/10 or more after "
            f"{t.flare_quiet_days} days without such pain, at least {t.flare_recorded_days} "
            f"of them logged; the day is at least {t.flare_min_rise:g} points above those "
            f"days' mean (a real change: the smallest that matters is about 1.2), and "
            f"{t.flare_persist_days} of the first {t.flare_persist_window} logged days from "
            f"it on (within {t.flare_quiet_days} days) reach {t.flare_score:g} or stay "
            f"{t.flare_min_rise:g} points above that mean")


def _previous_sum(values: np.ndarray, days: int) -> np.ndarray:
    """Per position: the sum over the `days` positions before it (NaN where fewer exist)."""
    total = np.r_[0.0, np.cumsum(values)]
    end = np.arange(len(values))
    out = total[end] - total[np.maximum(end - days, 0)]
    return np.where(end >= days, out, np.nan)


def quiet_week(pain: np.ndarray, t: Thresholds = Thresholds()) -> tuple[np.ndarray,
                                                                        np.ndarray]:
    """Per day of a daily worst-pain array (NaN = no entry): whether the flare_quiet_days
    before it were quiet (no entry ≥ flare_score, at least flare_recorded_days logged below
    it), and the mean of those entries."""
    logged = np.isfinite(pain)
    high = logged & (pain >= t.flare_score)
    below = logged & ~high
    quiet_high = _previous_sum(high.astype(float), t.flare_quiet_days)
    quiet_n = _previous_sum(below.astype(float), t.flare_quiet_days)
    quiet_sum = _previous_sum(np.where(below, pain, 0.0), t.flare_quiet_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (quiet_high == 0) & (quiet_n >= t.flare_recorded_days), quiet_sum / quiet_n


def flare_candidates(pain: np.ndarray, t: Thresholds = Thresholds()
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per day of a daily worst-pain array: whether it could begin a flare before
    persistence is asked (pain ≥ flare_score after a quiet week, flare_min_rise above its
    mean), and that quiet week's mean."""
    quiet, quiet_mean = quiet_week(pain, t)
    with np.errstate(invalid="ignore"):
        start = (np.isfinite(pain) & (pain >= t.flare_score) & quiet
                 & (pain >= quiet_mean + t.flare_min_rise))
    return start, quiet_mean


def flare_onsets(daily: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.Series:
    """Flare onset per day of a daily frame on consecutive days (pain_max: the day's worst
    pain, NaN = no entry), by flare_rule_words (DOMAIN.md §3).

    Quiet week: no entry ≥ flare_score in the flare_quiet_days (7) before, at least
    flare_recorded_days (4) entries below it (a day without an entry is unknown, not quiet).
    Rise: the day's pain ≥ the quiet entries' mean + flare_min_rise (2, the MCID ≈ 1.16
    in whole points). Persistence: of the first flare_persist_window (3) logged days from
    the onset on, within flare_quiet_days, at least flare_persist_days (2) reach
    flare_score or stay flare_min_rise above the quiet mean (the real change persists). A
    single noisy day at 4 is not a flare.
    """
    t = thresholds
    pain = daily["pain_max"].to_numpy(dtype=float)
    logged = np.isfinite(pain)
    start, quiet_mean = flare_candidates(pain, t)
    # Persistence, on the diary's logged days `at`: the level each onset needs again.
    at = np.flatnonzero(logged)
    level = np.fmin(t.flare_score, quiet_mean[at] + t.flare_min_rise)
    count = np.zeros(len(at), dtype=int)
    for ahead in range(t.flare_persist_window):
        later = np.minimum(np.arange(len(at)) + ahead, len(at) - 1)
        within = (np.arange(len(at)) + ahead < len(at)) & (
            at[later] - at < t.flare_quiet_days)
        count += np.where(within, pain[at[later]] >= level, 0)
    persists = np.zeros(len(pain), dtype=bool)
    persists[at] = count >= t.flare_persist_days
    return pd.Series(start & persists, index=daily.index, name="flare")
