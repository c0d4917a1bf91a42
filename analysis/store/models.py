"""The database tables: athletes, their activities (the canonical columns), samples, pain
entries and the import log; for squad deployments users, squads, invitations and the
audit log. Migrations under `migrations/` build exactly this schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)

from analysis.schema import ACTIVITY_COLUMNS, PAIN_SIDES, PAIN_TIMINGS

# Named constraints, so migrations (and SQLite's batch mode) can address them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

UNITS = ("km", "mi")
ROLES = ("athlete", "coach", "researcher", "admin")
IMPORT_STATUSES = ("imported", "duplicate", "failed", "empty")


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC: aware datetimes in, aware UTC datetimes out.

    SQLite keeps no offset, so a non-UTC value would silently shift; naive values are
    refused for the same reason.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value} given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Id(TypeDecorator):
    """An integer id that also accepts numpy integers (ids taken from a DataFrame)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


def _sql_type(dtype: str) -> Any:
    """SQL type of a canonical pandas dtype (naive datetimes there are calendar days)."""
    if dtype.startswith("datetime64") and "UTC" in dtype:
        return UTCDateTime()
    if dtype.startswith("datetime64"):
        return Date()
    return {"string": Text(), "Float64": Double(), "Int64": Integer()}[dtype]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


athletes = Table(
    "athletes", metadata,
    Column("id", Id, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("tz", Text),
    Column("units", Text, nullable=False, server_default="km"),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("data_version", Integer, nullable=False, server_default="0"),
    Column("research_consent", Boolean, nullable=False, server_default=false()),
    Column("consent_changed_at", UTCDateTime),
    CheckConstraint(_in("units", UNITS), name="units"),
)

activities = Table(
    "activities", metadata,
    Column("id", Id, primary_key=True),
    Column("athlete_id", Id, ForeignKey("athletes.id", ondelete="CASCADE"),
           nullable=False),
    *(Column(c.name, _sql_type(c.dtype), nullable=c.name not in ("activity_id", "start_time"))
      for c in ACTIVITY_COLUMNS),
    Column("sport_family", Text, nullable=False, server_default="other"),
    Column("imported_at", UTCDateTime, nullable=False),
    UniqueConstraint("athlete_id", "activity_id"),
    Index(None, "athlete_id", "start_time"),
    Index(None, "athlete_id", "sport_family", "start_time"),
)

samples = Table(
    "samples", metadata,
    Column("activity_pk", Id, ForeignKey("activities.id", ondelete="CASCADE"),
           primary_key=True),
    Column("format", Text, nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

pain_entries = Table(
    "pain_entries", metadata,
    Column("id", Id, primary_key=True),
    Column("athlete_id", Id, ForeignKey("athletes.id", ondelete="CASCADE"),
           nullable=False),
    Column("date", Date, nullable=False),
    Column("score", Integer, nullable=False),
    Column("side", Text),
    Column("timing", Text),
    Column("provokers", Text, nullable=False, server_default=""),
    Column("activity_id", Text),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("score BETWEEN 0 AND 10", name="score"),
    CheckConstraint(_in("side", PAIN_SIDES), name="side"),
    CheckConstraint(_in("timing", PAIN_TIMINGS), name="timing"),
    ForeignKeyConstraint(["athlete_id", "activity_id"],
                         ["activities.athlete_id", "activities.activity_id"]),
    Index(None, "athlete_id", "date"),
)

import_log = Table(
    "import_log", metadata,
    Column("id", Id, primary_key=True),
    Column("athlete_id", Id, ForeignKey("athletes.id", ondelete="CASCADE"),
           nullable=False),
    Column("file", Text, nullable=False),
    Column("sha256", Text),
    Column("status", Text, nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("new_activities", Integer, nullable=False, server_default="0"),
    Column("imported_at", UTCDateTime, nullable=False),
    CheckConstraint(_in("status", IMPORT_STATUSES), name="status"),
    Index(None, "athlete_id", "sha256"),
)

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True),
    Column("email", Text, nullable=False, unique=True),  # stored lower-case
    Column("role", Text, nullable=False),
    Column("athlete_id", Id, ForeignKey("athletes.id", ondelete="SET NULL"), unique=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint(_in("role", ROLES), name="role"),
)

squads = Table(
    "squads", metadata,
    Column("id", Id, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

squad_coaches = Table(
    "squad_coaches", metadata,
    Column("squad_id", Id, ForeignKey("squads.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

squad_athletes = Table(
    "squad_athletes", metadata,
    Column("squad_id", Id, ForeignKey("squads.id", ondelete="CASCADE"), primary_key=True),
    Column("athlete_id", Id, ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True),
    Column("joined_at", UTCDateTime, nullable=False),
)

invitations = Table(
    "invitations", metadata,
    Column("id", Id, primary_key=True),
    Column("token_sha256", Text, nullable=False, unique=True),  # the token itself is not kept
    Column("squad_id", Id, ForeignKey("squads.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_by", Text),
    Column("used_at", UTCDateTime),
)

audit_log = Table(  # no foreign keys: entries outlive the athletes and users they name
    "audit_log", metadata,
    Column("id", Id, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("athlete_id", Integer),
    Column("athlete", Text),
    Column("detail", Text, nullable=False, server_default=""),
    Index(None, "at"),
)
