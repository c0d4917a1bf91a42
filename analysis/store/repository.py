"""The Store: every read and write of athletes, activities, samples, pain and imports.

Reads return the canonical tables (analysis.schema). Every write runs in one transaction
that first bumps the athlete's data version: on PostgreSQL that row lock queues writers
of the same athlete, on SQLite the write lock taken at BEGIN queues all writers, so two
sessions importing and writing pain at once lose nothing and store nothing twice.

Every method acts for the store's `actor` (analysis.store.access): the local owner in
personal mode, or a signed-in user bound with `acting_as`. Each read and write checks the
actor's scope here, whichever page or command asked, and raises AccessDenied when it is
someone else's data they may not touch; views of others' data and every export go to the
audit log (analysis.store.accounts).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from analysis.ingest import FileResult
from analysis.ingest.runner import Progress
from analysis.pain import PainEntry, parse_entry
from analysis.schema import (
    ACTIVITY_COLUMN_NAMES,
    RUN_SPORTS,
    SPORTS,
    conform_activities,
    conform_pain,
    conform_samples,
    sport_family,
)
from analysis.store.access import LOCAL_OWNER, AccessDenied, User, normal_email
from analysis.store.accounts import Accounts
from analysis.store.codec import decode_samples
from analysis.store.engine import WRITE, database_url, make_engine, upgrade
from analysis.store.export import write_export
from analysis.store.importer import ImportReport, ignored_outcome, import_file
from analysis.store.models import (
    UNITS,
    activities,
    athletes,
    import_log,
    pain_entries,
    samples,
    users,
)

DEFAULT_ATHLETE = "me"
PAIN_FIELDS = ("date", "score", "side", "timing", "provokers", "activity_id", "note")
# One import transaction holds at most this many files or samples (100,000 tiny files are
# 2,000 commits, not 100,000; a batch of long runs stays a few tens of MB in memory).
BATCH_FILES = 50
BATCH_SAMPLES = 500_000


class UnknownAthlete(LookupError):
    """No such athlete (or no single default one)."""


@dataclass(frozen=True)
class Athlete:
    """One athlete: name, time zone, unit preference and settings (thresholds etc.)."""

    id: int
    name: str
    tz: str | None
    units: str
    settings: dict[str, Any] = field(default_factory=dict, hash=False)


def _samples(results: list[FileResult]) -> int:
    """Sample rows the parsed `results` hold, waiting to be written."""
    return sum(len(a.samples) for r in results for a in r.activities if a.samples is not None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _athlete(row: Any) -> Athlete:
    return Athlete(row.id, row.name, row.tz, row.units, dict(row.settings))


class Store(Accounts):
    """kneeload's database. `url`: any SQLAlchemy URL or SQLite file path; None means
    $KNEELOAD_DB, else data/kneeload.db in the repository (created on first use).
    `actor`: who acts (default: the local owner, who may do everything)."""

    def __init__(self, url: str | os.PathLike | None = None, actor: User | None = None
                 ) -> None:
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        self.actor = actor or LOCAL_OWNER
        upgrade(self.engine)

    def acting_as(self, who: User | str) -> Store:
        """This store (same engine and pool) acting for `who`: a User, or an email looked
        up among the accounts (an email without one acts as a guest, who may only accept
        an invitation). Only the local owner hands out other actors."""
        if not self.actor.is_owner:
            raise AccessDenied(f"{self.actor.email} may not act as someone else")
        if isinstance(who, str):
            email = normal_email(who)
            with self._read() as conn:
                row = conn.execute(select(users).where(users.c.email == email)).first()
            if row is not None and not row.active:
                raise AccessDenied(f"{email}: this account is disabled or was removed")
            who = User(email, "guest") if row is None else User(
                row.email, row.role, int(row.id),
                None if row.athlete_id is None else int(row.athlete_id))
        scoped = copy.copy(self)
        scoped.actor = who
        return scoped

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self, athlete_id: int | None, check: bool = True) -> Iterator[Connection]:
        """One write transaction; with an athlete, first check the actor may change their
        data (unless `check` is off: the caller checked), then bump (and lock) their
        version."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if athlete_id is not None and check and not self.actor.is_owner:
                    self._scope(conn).require_write(athlete_id)
                if athlete_id is not None:
                    bumped = conn.execute(
                        update(athletes).where(athletes.c.id == athlete_id)
                        .values(data_version=athletes.c.data_version + 1))
                    if bumped.rowcount == 0:
                        raise UnknownAthlete(f"no athlete with id {athlete_id}")
                yield conn

    # -- athletes -----------------------------------------------------------------------

    def athlete(self, name: str | None = None, create: bool = True) -> Athlete:
        """The athlete called `name`, created if missing (when `create`).

        Without a name: the athlete called 'me', else the only athlete there is, else a
        new 'me' when there is none; with several and no 'me' it raises UnknownAthlete.
        """
        wanted = name.strip() if name else None
        if name is not None and not wanted:
            raise ValueError("an athlete's name cannot be empty")
        with self._read() as conn:
            rows = conn.execute(select(athletes).order_by(athletes.c.id)).all()
            if not self.actor.is_owner:
                return self._visible_athlete(self._scope(conn), rows, wanted)
        by_name = {row.name: row for row in rows}
        if wanted in by_name or (wanted is None and DEFAULT_ATHLETE in by_name):
            return _athlete(by_name[wanted or DEFAULT_ATHLETE])
        if wanted is None and len(rows) == 1:
            return _athlete(rows[0])
        if wanted is None and rows:
            raise UnknownAthlete("several athletes are stored (" + ", ".join(by_name)
                                 + "); choose one with --athlete NAME")
        if not create:
            raise UnknownAthlete(f"no athlete named {wanted or DEFAULT_ATHLETE!r}"
                                 + (f" (stored: {', '.join(by_name)})" if by_name else ""))
        try:
            with self._write(None) as conn:
                conn.execute(insert(athletes).values(
                    name=wanted or DEFAULT_ATHLETE, units="km", settings={},
                    created_at=_now()))
        except IntegrityError:
            pass  # another session created them meanwhile
        return self.athlete(wanted or DEFAULT_ATHLETE, create=False)

    def _visible_athlete(self, scope: Any, rows: list[Any], wanted: str | None) -> Athlete:
        """athlete() for a signed-in user: only athletes they may see, never creating one;
        without a name their own. Unknown and forbidden names get the same refusal, so
        names of other people's athletes cannot be probed."""
        me = scope.user
        if wanted is None:
            own = [row for row in rows if scope.is_self(row.id)]
            if own:
                return _athlete(own[0])
            raise UnknownAthlete(f"{me.email} has no athlete of their own; choose one "
                                 "with --athlete NAME")
        found = next((row for row in rows if row.name == wanted), None)
        if found is None and scope.readable is None:
            raise UnknownAthlete(f"no athlete named {wanted!r}")
        if found is None or not scope.may_read(found.id):
            raise AccessDenied(f"{me.email} ({me.role}) may not see an athlete named "
                               f"{wanted!r}")
        return _athlete(found)

    def athletes(self) -> pd.DataFrame:
        """Every athlete the actor may see, with counts: id, name, tz, units, activities,
        runs, pain_entries, first_date, last_date (first and last day with an activity or
        a pain entry)."""
        per_athlete = activities.c.athlete_id == athletes.c.id
        pain_of = pain_entries.c.athlete_id == athletes.c.id

        def scalar(column: Any, *where: Any) -> Any:
            return select(column).where(*where).scalar_subquery()

        stmt = select(
            athletes.c.id, athletes.c.name, athletes.c.tz, athletes.c.units,
            scalar(func.count(), per_athlete).label("activities"),
            scalar(func.count(), per_athlete, activities.c.sport.in_(RUN_SPORTS)).label("runs"),
            scalar(func.count(), pain_of).label("pain_entries"),
            scalar(func.min(activities.c.local_date), per_athlete).label("first_activity"),
            scalar(func.max(activities.c.local_date), per_athlete).label("last_activity"),
            scalar(func.min(pain_entries.c.date), pain_of).label("first_pain"),
            scalar(func.max(pain_entries.c.date), pain_of).label("last_pain"),
        ).order_by(athletes.c.id)
        with self._read() as conn:
            readable = self._scope(conn).readable
            if readable is not None:
                stmt = stmt.where(athletes.c.id.in_(sorted(readable)))
            frame = pd.DataFrame(conn.execute(stmt).all(), columns=list(stmt.selected_columns
                                                                         .keys()))
        days = {c: pd.to_datetime(frame[c]) for c in
                ("first_activity", "last_activity", "first_pain", "last_pain")}
        out = frame[["id", "name", "tz", "units", "activities", "runs", "pain_entries"]].astype(
            {"id": "Int64", "name": "string", "tz": "string", "units": "string",
             "activities": "Int64", "runs": "Int64", "pain_entries": "Int64"})
        out["first_date"] = pd.concat([days["first_activity"], days["first_pain"]],
                                      axis=1).min(axis=1).astype("datetime64[ns]")
        out["last_date"] = pd.concat([days["last_activity"], days["last_pain"]],
                                     axis=1).max(axis=1).astype("datetime64[ns]")
        return out

    def update_athlete(self, athlete_id: int, *, name: str | None = None,
                       tz: str | None = None, units: str | None = None,
                       settings: dict[str, Any] | None = None) -> Athlete:
        """Change what is given (tz='' clears the time zone); returns the athlete."""
        values: dict[str, Any] = {}
        if name is not None:
            if not name.strip():
                raise ValueError("an athlete's name cannot be empty")
            values["name"] = name.strip()
        if tz is not None:
            if tz:
                try:
                    ZoneInfo(tz)
                except (ZoneInfoNotFoundError, ValueError):
                    raise ValueError(f"unknown time zone {tz!r} (use an IANA name such as "
                                     "Europe/Berlin)") from None
            values["tz"] = tz or None
        if units is not None:
            if units not in UNITS:
                raise ValueError(f"units must be one of {', '.join(UNITS)}, not {units!r}")
            values["units"] = units
        if settings is not None:
            values["settings"] = json.loads(json.dumps(settings))  # refuses what JSON cannot
        try:
            with self._write(athlete_id) as conn:
                if values:
                    conn.execute(update(athletes).where(athletes.c.id == athlete_id)
                                 .values(**values))
                row = conn.execute(select(athletes).where(athletes.c.id == athlete_id)).one()
        except IntegrityError:
            raise ValueError(f"an athlete named {values.get('name')!r} exists") from None
        return _athlete(row)

    def data_version(self, athlete_id: int) -> int:
        """A number that grows with every write touching the athlete (a cache key)."""
        with self._read() as conn:
            if not self.actor.is_owner:
                self._scope(conn).require_read(athlete_id)
            version = conn.execute(select(athletes.c.data_version)
                                   .where(athletes.c.id == athlete_id)).scalar()
        if version is None:
            raise UnknownAthlete(f"no athlete with id {athlete_id}")
        return int(version)

    def delete_athlete(self, athlete_id: int) -> None:
        """Delete the athlete and everything that belongs to them (the local owner, an
        admin, or the athlete themselves)."""
        with self._read() as conn:
            scope = self._scope(conn)
        if not (scope.manages or scope.is_self(athlete_id)):
            raise AccessDenied(f"{scope.user.email} ({scope.user.role}) may not delete "
                               f"athlete {athlete_id}: admins and the athlete only")
        with self._write(athlete_id, check=False) as conn:
            self._audit(conn, "athlete deleted", athlete_id)
            owned = select(activities.c.id).where(activities.c.athlete_id == athlete_id)
            conn.execute(delete(pain_entries).where(pain_entries.c.athlete_id == athlete_id))
            conn.execute(delete(samples).where(samples.c.activity_pk.in_(owned)))
            conn.execute(delete(activities).where(activities.c.athlete_id == athlete_id))
            conn.execute(delete(import_log).where(import_log.c.athlete_id == athlete_id))
            conn.execute(delete(athletes).where(athletes.c.id == athlete_id))
        if self.engine.dialect.name == "sqlite":  # deleted pages are zeroed (secure_delete);
            with self.engine.connect() as conn:  # move them out of the journal too
                conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- activities and imports ---------------------------------------------------------

    def activities(self, athlete_id: int) -> pd.DataFrame:
        """The athlete's activities: exactly the canonical columns, by start time."""
        with self._reading(athlete_id, "activities") as conn:
            return _activities(conn, athlete_id)

    def samples(self, activity_id: str, athlete_id: int) -> pd.DataFrame:
        """One activity's samples (canonical columns); an empty table when it has none."""
        stmt = (select(samples.c.data)
                .join(activities, activities.c.id == samples.c.activity_pk)
                .where(activities.c.athlete_id == athlete_id,
                       activities.c.activity_id == activity_id))
        with self._reading(athlete_id, f"samples of {activity_id}") as conn:
            blob = conn.execute(stmt).scalar()
        return conform_samples(pd.DataFrame()) if blob is None else decode_samples(blob)

    def set_sport(self, athlete_id: int, activity_id: str, sport: str) -> None:
        """The runner sets (or confirms) an activity's sport; re-importing the same outing
        later keeps this choice (analysis.store.importer)."""
        if sport not in SPORTS:
            raise ValueError(f"unknown sport {sport!r} (use one of {', '.join(SPORTS)})")
        with self._write(athlete_id) as conn:
            done = conn.execute(update(activities).where(
                activities.c.athlete_id == athlete_id, activities.c.activity_id == activity_id
            ).values(sport=sport, sport_source="user", sport_reason="",
                     sport_family=sport_family(sport)))
            if done.rowcount == 0:
                raise LookupError(f"no stored activity {activity_id!r} for this athlete "
                                  "(see `kneeload activities`)")

    def import_results(self, athlete_id: int, results: Iterable[FileResult],
                       progress: Progress | None = None) -> ImportReport:
        """Store what the reader returned (see importer), in transactions of up to
        BATCH_FILES files or BATCH_SAMPLES samples: a kill loses at most the batch being
        written, which the next run imports. Ignored files are reported, not logged.

        `progress(done, total, file)` after each file; total is 0 for a generator.
        """
        if not self.actor.is_owner:  # refuse before a single file is read
            with self._read() as conn:
                self._scope(conn).require_write(athlete_id)
        total = len(results) if hasattr(results, "__len__") else 0
        report = ImportReport()
        batch: list[FileResult] = []

        def flush() -> None:
            with self._write(athlete_id) as conn:
                now = _now()
                report.files.extend(ignored_outcome(r) if r.status == "ignored"
                                    else import_file(conn, athlete_id, r, now) for r in batch)
            batch.clear()

        for done, result in enumerate(results, 1):
            batch.append(result)
            if len(batch) >= BATCH_FILES or _samples(batch) >= BATCH_SAMPLES:
                flush()
            if progress:
                progress(done, total, result.file)
        if batch:
            flush()
        return report

    def imported_hashes(self, athlete_id: int) -> frozenset[str]:
        """Content hashes of the athlete's files already stored (for ReadOptions.known_sha256,
        so a repeated import hashes those files instead of parsing them). Only for those
        who may import for the athlete."""
        with self._read() as conn:
            if not self.actor.is_owner:
                self._scope(conn).require_write(athlete_id)
            found = conn.execute(select(import_log.c.sha256).where(
                import_log.c.athlete_id == athlete_id, import_log.c.sha256.is_not(None),
                import_log.c.status.in_(("imported", "duplicate")))).scalars()
            return frozenset(found)

    def import_log(self, athlete_id: int) -> pd.DataFrame:
        """Every file ever imported for the athlete: file, sha256, status, message,
        new_activities, imported_at."""
        with self._reading(athlete_id, "import log") as conn:
            return _import_log(conn, athlete_id)

    # -- pain -----------------------------------------------------------------------------

    def pain(self, athlete_id: int) -> pd.DataFrame:
        """The athlete's pain entries (canonical columns), by date then entry id."""
        with self._reading(athlete_id, "pain diary") as conn:
            return _pain(conn, athlete_id)

    def add_pain(self, athlete_id: int, entries: list[PainEntry],
                 skip_duplicates: bool = False) -> list[int]:
        """Store `entries` in one transaction; returns their ids.

        With `skip_duplicates`, entries identical to stored ones are left out (counting
        multiplicity), so importing the same diary twice adds nothing.
        """
        with self._write(athlete_id) as conn:
            self._check_runs(conn, athlete_id, entries)
            if skip_duplicates:
                entries = self._new_entries(conn, athlete_id, entries)
            if not entries:
                return []
            now = _now()
            rows = [{"athlete_id": athlete_id, "created_at": now, "updated_at": now,
                     **self._pain_values(entry)} for entry in entries]
            ids = conn.execute(insert(pain_entries).returning(pain_entries.c.id,
                                                              sort_by_parameter_order=True),
                               rows).scalars().all()
        return list(ids)

    def update_pain(self, athlete_id: int, entry_id: int, **fields: Any) -> PainEntry:
        """Change fields of one entry (validated like a new one); returns the entry."""
        unknown = set(fields) - set(PAIN_FIELDS)
        if unknown:
            raise TypeError(f"unknown pain entry field(s): {', '.join(sorted(unknown))}")
        with self._write(athlete_id) as conn:
            row = conn.execute(select(*(pain_entries.c[name] for name in PAIN_FIELDS))
                               .where(pain_entries.c.athlete_id == athlete_id,
                                      pain_entries.c.id == entry_id)).first()
            if row is None:
                raise LookupError(f"no pain entry {entry_id} for this athlete")
            entry = parse_entry(**{**_stored_entry(row), **fields})
            self._check_runs(conn, athlete_id, [entry])
            conn.execute(update(pain_entries).where(pain_entries.c.id == entry_id)
                         .values(updated_at=_now(), **self._pain_values(entry)))
        return entry

    def delete_pain(self, athlete_id: int, entry_id: int) -> None:
        """Delete one entry of the athlete."""
        with self._write(athlete_id) as conn:
            gone = conn.execute(delete(pain_entries).where(
                pain_entries.c.athlete_id == athlete_id, pain_entries.c.id == entry_id))
            if gone.rowcount == 0:
                raise LookupError(f"no pain entry {entry_id} for this athlete")

    @staticmethod
    def _pain_values(entry: PainEntry) -> dict[str, Any]:
        return {"date": entry.date, "score": entry.score, "side": entry.side,
                "timing": entry.timing, "provokers": ",".join(entry.provokers),
                "activity_id": entry.activity_id, "note": entry.note}

    @staticmethod
    def _check_runs(conn: Connection, athlete_id: int, entries: list[PainEntry]) -> None:
        wanted = {e.activity_id for e in entries if e.activity_id}
        if not wanted:
            return
        found = set(conn.execute(select(activities.c.activity_id).where(
            activities.c.athlete_id == athlete_id,
            activities.c.activity_id.in_(wanted))).scalars())
        if wanted - found:
            raise ValueError("no stored activity " + ", ".join(sorted(wanted - found))
                             + " for this athlete (see `kneeload activities`)")

    def _new_entries(self, conn: Connection, athlete_id: int, entries: list[PainEntry]
                     ) -> list[PainEntry]:
        days = {e.date for e in entries}
        stored = conn.execute(select(*(pain_entries.c[name] for name in PAIN_FIELDS)).where(
            pain_entries.c.athlete_id == athlete_id, pain_entries.c.date.in_(days))).all()
        have = Counter(_key(_stored_entry(row)) for row in stored)
        fresh = []
        for entry in entries:
            key = _key(asdict(entry))
            if have[key]:
                have[key] -= 1
            else:
                fresh.append(entry)
        return fresh

    # -- export -------------------------------------------------------------------------

    def write_export(self, athlete_id: int, stream: IO[bytes]) -> None:
        """The athlete's whole record, read as one snapshot, as a zip written to `stream`
        (contents: analysis.store.export)."""
        stmt = (select(activities.c.activity_id, samples.c.data)
                .join(samples, samples.c.activity_pk == activities.c.id)
                .where(activities.c.athlete_id == athlete_id)
                .order_by(activities.c.start_time, activities.c.activity_id))
        with self._reading(athlete_id, "whole record", action="export") as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            athlete = _athlete_by_id(conn, athlete_id)
            tables = {"activities": _activities(conn, athlete_id),
                      "pain": _pain(conn, athlete_id),
                      "import_log": _import_log(conn, athlete_id)}
            blobs = ((row.activity_id, decode_samples(row.data)) for row in
                     conn.execution_options(yield_per=20).execute(stmt))
            write_export(stream, athlete, tables, blobs)

    def export_athlete(self, athlete_id: int) -> bytes:
        """The athlete's whole record as zip bytes (see write_export)."""
        buffer = io.BytesIO()
        self.write_export(athlete_id, buffer)
        return buffer.getvalue()


def _athlete_by_id(conn: Connection, athlete_id: int) -> Athlete:
    row = conn.execute(select(athletes).where(athletes.c.id == athlete_id)).first()
    if row is None:
        raise UnknownAthlete(f"no athlete with id {athlete_id}")
    return _athlete(row)


def _frame(conn: Connection, stmt: Any) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))


def _activities(conn: Connection, athlete_id: int) -> pd.DataFrame:
    return conform_activities(_frame(conn, select(
        *(activities.c[name] for name in ACTIVITY_COLUMN_NAMES))
        .where(activities.c.athlete_id == athlete_id)
        .order_by(activities.c.start_time, activities.c.activity_id)))


def _pain(conn: Connection, athlete_id: int) -> pd.DataFrame:
    return conform_pain(_frame(conn, select(
        pain_entries.c.id.label("entry_id"), *(pain_entries.c[name] for name in PAIN_FIELDS))
        .where(pain_entries.c.athlete_id == athlete_id)
        .order_by(pain_entries.c.date, pain_entries.c.id)))


def _import_log(conn: Connection, athlete_id: int) -> pd.DataFrame:
    frame = _frame(conn, select(
        import_log.c.file, import_log.c.sha256, import_log.c.status, import_log.c.message,
        import_log.c.new_activities, import_log.c.imported_at)
        .where(import_log.c.athlete_id == athlete_id).order_by(import_log.c.id))
    return frame.astype({"file": "string", "sha256": "string", "status": "string",
                         "message": "string", "new_activities": "Int64"}).assign(
        imported_at=pd.to_datetime(frame["imported_at"], utc=True))


def _key(entry: dict[str, Any]) -> tuple[Any, ...]:
    """Every field of an entry: equal keys say the same thing."""
    return tuple(entry[name] for name in PAIN_FIELDS)


def _stored_entry(row: Any) -> dict[str, Any]:
    """A stored pain row's fields as PainEntry holds them."""
    return {**row._asdict(), "provokers": tuple(p for p in row.provokers.split(",") if p)}
