"""Storing what the reader returns, one file per transaction, without storing anything twice.

A file whose content hash was imported before is a duplicate without further work. Every
other activity is matched against the stored ones (analysis.store.matching); a richer
record of a stored outing replaces it in place, keeping its activity_id so pain entries
that point at it stay linked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, insert, or_, select, true, update

from analysis.ingest import FileResult
from analysis.ingest.model import left_out
from analysis.schema import ACTIVITY_COLUMNS, sport_family
from analysis.store.codec import FORMAT, encode_samples
from analysis.store.matching import (
    LOOSE_SOURCES,
    NAMED_ORIGINS,
    START_TOLERANCE,
    richness,
    similar_distance,
)
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
        return f"{self.imported} imported, {self.duplicate} duplicate, {ignored}" \
               f"{self.failed} failed"

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
    """Each activity as database values (None for missing) with its samples."""
    return [({col.name: _value(activity.summary.get(col.name), col.dtype)
              for col in ACTIVITY_COLUMNS}, activity.samples)
            for activity in result.activities]


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


def _describe(has_samples: bool, origin: str | None, source_format: str | None) -> str:
    return f"{source_format} {origin}" + ("" if has_samples else " without samples")


def _store_activity(conn: Connection, athlete_id: int, row: dict[str, Any],
                    frame: pd.DataFrame | None, now: dt.datetime) -> Stored:
    has_samples = frame is not None and len(frame) > 0
    row = {**row, "sport_family": sport_family(row["sport"]), "imported_at": now}
    start = row["start_time"]
    # A guessed or runner-set sport does not keep two records of one outing apart.
    family = (true() if row.get("sport_source") in LOOSE_SOURCES else or_(
        activities.c.sport_family == row["sport_family"],
        activities.c.sport_source.in_(LOOSE_SOURCES)))
    candidates = conn.execute(
        select(activities.c.id, activities.c.activity_id, activities.c.origin,
               activities.c.source_format, activities.c.start_time, activities.c.distance_m,
               activities.c.name, activities.c.sport, activities.c.sport_raw,
               activities.c.sport_source, activities.c.sport_reason, activities.c.gear,
               samples.c.activity_pk.is_not(None).label("has_samples"))
        .select_from(activities.outerjoin(samples, samples.c.activity_pk == activities.c.id))
        .where(activities.c.athlete_id == athlete_id,
               or_(activities.c.activity_id == row["activity_id"],
                   and_(family, activities.c.start_time.between(start - START_TOLERANCE,
                                                                start + START_TOLERANCE))))
    ).all()
    match = next((c for c in candidates if c.activity_id == row["activity_id"]), None) or min(
        (c for c in candidates if similar_distance(c.distance_m, row["distance_m"])),
        key=lambda c: abs(c.start_time - start), default=None)
    if match is None:
        pk = conn.execute(insert(activities).values(athlete_id=athlete_id, **row)
                          ).inserted_primary_key[0]
        if has_samples:
            _insert_samples(conn, pk, frame)
        return Stored("new", row["activity_id"])
    old = richness(bool(match.has_samples), match.origin, match.source_format)
    if richness(has_samples, row["origin"], row["source_format"]) <= old:
        if row["origin"] in NAMED_ORIGINS and match.origin not in NAMED_ORIGINS:
            conn.execute(update(activities).where(activities.c.id == match.id).values(
                name=row["name"], origin="file+csv", gear=row.get("gear") or match.gear,
                **_sport_of(match, row)))
            return Stored("named", match.activity_id)
        if match.sport_source == "guessed" and row.get("sport_source") == "file":
            conn.execute(update(activities).where(activities.c.id == match.id)
                         .values(**_sport_of(match, row)))
        return Stored("same", match.activity_id)
    if match.origin in NAMED_ORIGINS and row["origin"] not in NAMED_ORIGINS:
        row.update(name=match.name, sport=match.sport, sport_raw=match.sport_raw,
                   gear=row.get("gear") or match.gear,
                   sport_source=match.sport_source, sport_reason=match.sport_reason,
                   sport_family=sport_family(match.sport),
                   origin="file+csv" if has_samples else row["origin"])
    row.update(_sport_of(match, row))
    conn.execute(update(activities).where(activities.c.id == match.id)
                 .values({k: v for k, v in row.items() if k != "activity_id"}))
    conn.execute(delete(samples).where(samples.c.activity_pk == match.id))
    if has_samples:
        _insert_samples(conn, match.id, frame)
    return Stored("replaced", match.activity_id,
                  _describe(bool(match.has_samples), match.origin, match.source_format))


def _sport_of(stored: Any, row: dict[str, Any]) -> dict[str, Any]:
    """The sport columns a stored outing keeps when `row` (another record of it) arrives:
    the runner's own choice always stays; otherwise the new record's."""
    keep = stored if stored.sport_source == "user" else None
    sport = keep.sport if keep else row["sport"]
    return {"sport": sport, "sport_raw": keep.sport_raw if keep else row["sport_raw"],
            "sport_source": keep.sport_source if keep else row.get("sport_source"),
            "sport_reason": keep.sport_reason if keep else row.get("sport_reason"),
            "sport_family": sport_family(sport)}


def _insert_samples(conn: Connection, pk: int, frame: pd.DataFrame) -> None:
    conn.execute(insert(samples).values(activity_pk=pk, format=FORMAT, n_rows=len(frame),
                                        data=encode_samples(frame)))


def _activities(n: int, adjective: str = "") -> str:
    return f"{n} {adjective}{' ' if adjective else ''}activit{'y' if n == 1 else 'ies'}"


def _outcome(result: FileResult, stored: list[Stored]) -> FileOutcome:
    new = sum(s.kind == "new" for s in stored)
    replaced = [s for s in stored if s.kind == "replaced"]
    if result.error:
        status = "failed"
        parts = [result.error]
        if new:
            parts.append(f"stored {_activities(new)} from its activities.csv row")
    elif not stored:
        status, parts = "empty", ["no activities of its own"]
    elif new:
        status = "imported"
        parts = [_activities(new, "new")]
        if len(stored) > new:
            parts.append(f"{len(stored) - new} already stored")
    else:
        status = "duplicate"
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
