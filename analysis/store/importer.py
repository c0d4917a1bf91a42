"""Storing what the reader returns, one file per transaction, without storing anything twice.

A file whose content hash was imported before is a duplicate without further work. Every
other activity is matched against the stored ones (analysis.store.matching); a richer
record of a stored outing replaces it in place, keeping its activity_id so pain entries
that point at it stay linked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, or_, select, update

from analysis.ingest import FileResult
from analysis.ingest.model import left_out
from analysis.schema import (
    ACTIVITY_COLUMN_NAMES,
    ACTIVITY_COLUMNS,
    conform_activities,
    sport_family,
)
from analysis.store.codec import FORMAT, encode_samples
from analysis.store.matching import START_TOLERANCE, find_match, has_samples, merge
from analysis.store.models import activities, import_log, samples


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: imported, duplicate, failed or empty, and why."""

    file: str
    sha256: str | None
    status: str
    message: str
    new_activities: int = 0
    partial: bool = False  # some of its rows or activities were skipped or refused
    # What storing did to each of its activities, in the file's order (Stored.kind; empty
    # when none was stored, e.g. a file imported before): a file can hold new and old runs.
    stored: tuple[str, ...] = ()


@dataclass
class ImportReport:
    """Per-file outcomes of one import and their counts."""

    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.files)

    @property
    def imported(self) -> int:
        """Files that added at least one activity."""
        return self.count("imported")

    @property
    def duplicate(self) -> int:
        """Files whose every activity was stored already."""
        return self.count("duplicate")

    @property
    def failed(self) -> int:
        """Files that could not be read."""
        return self.count("failed")

    @property
    def ignored(self) -> int:
        """Files not meant to be read (not activity files), named with the reason."""
        return self.count("ignored")

    def summary(self) -> str:
        """The counts in one line, as the command line says them (ignored files only when
        there are some)."""
        ignored = (f"{self.ignored} ignored (not activity files), " if self.ignored
                   else "")
        new = sum(o.new_activities for o in self.files)
        return (f"files: {self.imported} imported ({_activities(new, 'new')}), "
                f"{self.duplicate} duplicate, {ignored}{self.failed} failed")

    def to_mention(self) -> list[FileOutcome]:
        """Files someone should hear about: failed or ignored ones, and files some of whose
        rows or activities were skipped or refused."""
        return [o for o in self.files if o.status in ("failed", "ignored") or o.partial]

    def as_dict(self) -> dict[str, Any]:
        """Counts and per-file messages, as `kneeload ingest --json` prints them."""
        return {"imported": self.imported, "duplicate": self.duplicate,
                "ignored": self.ignored, "failed": self.failed,
                "files": [{"file": o.file, "status": o.status, "message": o.message}
                          for o in self.files]}


@dataclass(frozen=True)
class Stored:
    """What storing one activity did: kind is 'new', 'same', 'named' (the stored record took
    this one's activities.csv name and type) or 'replaced'."""

    kind: str
    activity_id: str
    replaced: str = ""  # description of the record a richer one replaced


def ignored_outcome(result: FileResult) -> FileOutcome:
    """The outcome of a file that was not read (nothing to store or log)."""
    return FileOutcome(result.file, None, "ignored", result.ignored)


def import_file(conn: Connection, athlete_id: int, result: FileResult,
                now: dt.datetime) -> FileOutcome:
    """Store one file's activities and log it, inside the caller's transaction."""
    earlier = _imported_before(conn, athlete_id, result.sha256)
    if earlier is not None:
        outcome = FileOutcome(result.file, result.sha256, "duplicate",
                              f"same content as {earlier}, imported before")
    else:
        stored = [_store_activity(conn, athlete_id, row, frame, now)
                  for row, frame in _rows(result)]
        outcome = _outcome(result, stored)
    conn.execute(insert(import_log).values(
        athlete_id=athlete_id, file=outcome.file, sha256=outcome.sha256,
        status=outcome.status, message=outcome.message,
        new_activities=outcome.new_activities, imported_at=now))
    return outcome


def _imported_before(conn: Connection, athlete_id: int, sha256: str | None) -> str | None:
    if not sha256:
        return None
    return conn.execute(
        select(import_log.c.file)
        .where(import_log.c.athlete_id == athlete_id, import_log.c.sha256 == sha256,
               import_log.c.status.in_(("imported", "duplicate")))
        .order_by(import_log.c.id).limit(1)).scalar()


def _rows(result: FileResult) -> list[tuple[dict[str, Any], pd.DataFrame | None]]:
    """Each activity as database values with its samples."""
    return [(_database_row(activity.summary), activity.samples)
            for activity in result.activities]


def _database_row(summary: dict[str, Any]) -> dict[str, Any]:
    """An activity row as database values (None for missing)."""
    return {col.name: _value(summary.get(col.name), col.dtype) for col in ACTIVITY_COLUMNS}


def _value(value: Any, dtype: str) -> Any:
    """One canonical cell as the driver takes it: UTC datetime, date, float, int, str or
    None (a few values per activity: cheaper than a DataFrame round trip)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if dtype.startswith("datetime64") and "UTC" in dtype:
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.to_pydatetime(warn=False)
    if dtype.startswith("datetime64"):
        return pd.Timestamp(value).date()
    return {"Float64": float, "Int64": int, "string": str}[dtype](value)


def _store_activity(conn: Connection, athlete_id: int, row: dict[str, Any],
                    frame: pd.DataFrame | None, now: dt.datetime) -> Stored:
    row = {**row, "sport_family": sport_family(row["sport"]), "imported_at": now}
    start = row["start_time"]
    candidates = conn.execute(
        select(activities.c.id, activities.c.activity_id, activities.c.origin,
               activities.c.source_format, activities.c.start_time, activities.c.distance_m,
               activities.c.name, activities.c.sport, activities.c.sport_raw,
               activities.c.sport_source, activities.c.sport_reason, activities.c.gear,
               activities.c.sport_family,
               samples.c.activity_pk.is_not(None).label("has_samples"))
        .select_from(activities.outerjoin(samples, samples.c.activity_pk == activities.c.id))
        .where(activities.c.athlete_id == athlete_id,
               or_(activities.c.activity_id == row["activity_id"],
                   activities.c.start_time.between(start - START_TOLERANCE,
                                                   start + START_TOLERANCE)))
    ).all()
    match = find_match((c._mapping for c in candidates), row)
    if match is None:
        pk = conn.execute(insert(activities).values(athlete_id=athlete_id, **row)
                          ).inserted_primary_key[0]
        if frame is not None and len(frame):
            _insert_samples(conn, pk, frame)
        return Stored("new", row["activity_id"])
    outcome = merge(match, row)
    if outcome.values:
        conn.execute(update(activities).where(activities.c.id == match["id"])
                     .values(outcome.values))
    if outcome.kind == "replaced":
        conn.execute(delete(samples).where(samples.c.activity_pk == match["id"]))
        if frame is not None and len(frame):
            _insert_samples(conn, match["id"], frame)
    return Stored(outcome.kind, match["activity_id"], outcome.replaced)


def merged_activities(summaries: Iterable[dict[str, Any]]) -> tuple[pd.DataFrame, list[str]]:
    """The activities table that importing `summaries` (activity rows as the readers give
    them, in import order) into an empty store leaves, without a database or samples: the
    same matching and merging as import_file, so another record of a stored outing (its
    FIT and its GPX, its activities.csv row and its file) counts once. Also each summary's
    Stored kind (new, same, named, replaced), from which a file's import status follows."""
    records: list[dict[str, Any]] = []
    kinds: list[str] = []
    near: dict[int, list[dict[str, Any]]] = {}  # START_TOLERANCE slot -> records in it
    by_id: dict[str, dict[str, Any]] = {}

    def slot(record: dict[str, Any]) -> int:
        return int(record["start_time"].timestamp() // START_TOLERANCE.total_seconds())

    for summary in summaries:
        row = _database_row(summary)
        row["sport_family"] = sport_family(row["sport"])
        at = slot(row)
        candidates = [*near.get(at - 1, []), *near.get(at, []), *near.get(at + 1, [])]
        if row["activity_id"] in by_id:
            candidates.append(by_id[row["activity_id"]])
        match = find_match(candidates, row)
        if match is None:
            kinds.append("new")
            record = {**row, "has_samples": has_samples(row)}
            records.append(record)
            by_id[record["activity_id"]] = record
            near.setdefault(at, []).append(record)
            continue
        outcome = merge(match, row)
        kinds.append(outcome.kind)
        near[slot(match)].remove(match)
        match.update(outcome.values)
        if outcome.kind == "replaced":
            match["has_samples"] = has_samples(row)
        near.setdefault(slot(match), []).append(match)
    table = conform_activities(pd.DataFrame(records, columns=list(ACTIVITY_COLUMN_NAMES)))
    return table.sort_values(["start_time", "activity_id"], kind="stable").reset_index(
        drop=True), kinds


def _insert_samples(conn: Connection, pk: int, frame: pd.DataFrame) -> None:
    conn.execute(insert(samples).values(activity_pk=pk, format=FORMAT, n_rows=len(frame),
                                        data=encode_samples(frame)))


def _activities(n: int, adjective: str = "") -> str:
    return f"{n} {adjective}{' ' if adjective else ''}activit{'y' if n == 1 else 'ies'}"


def file_status(failed: bool, kinds: Sequence[str]) -> str:
    """A read file's import status from its activities' Stored kinds: failed, empty,
    imported (something new) or duplicate (every activity was stored before)."""
    if failed:
        return "failed"
    if not kinds:
        return "empty"
    return "imported" if "new" in kinds else "duplicate"


def _outcome(result: FileResult, stored: list[Stored]) -> FileOutcome:
    new = sum(s.kind == "new" for s in stored)
    replaced = [s for s in stored if s.kind == "replaced"]
    status = file_status(bool(result.error), [s.kind for s in stored])
    if status == "failed":
        parts = [result.error]
        if new:
            parts.append(f"stored {_activities(new)} from its activities.csv row")
    elif status == "empty":
        parts = ["no activities of its own"]
    elif status == "imported":
        parts = [_activities(new, "new")]
        if len(stored) > new:
            parts.append(f"{len(stored) - new} already stored")
    else:
        parts = ([f"already stored as {stored[0].activity_id}"] if len(stored) == 1
                 else [f"all {len(stored)} activities already stored"])
    if any(s.kind == "named" for s in stored):
        parts.append("the stored record took its name and type from activities.csv")
    if replaced and len(stored) == 1:
        parts = [f"replaced the stored {replaced[0].replaced} record of "
                 f"{replaced[0].activity_id} with this richer one"]
    elif replaced:
        parts.append(f"{len(replaced)} stored records replaced by richer ones")
    return FileOutcome(result.file, result.sha256, status, "; ".join(parts + result.warnings),
                       new, partial=any(map(left_out, result.warnings)),
                       stored=tuple(s.kind for s in stored))
