"""Where the database lives, how connections behave, and bringing its schema up to date.

SQLite is the default: one file, WAL journal (readers never block the writer), foreign
keys on, deleted data overwritten, and write transactions that take the write lock at
BEGIN so two writers queue (busy timeout) instead of failing half-way. PostgreSQL works
through the same code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

import analysis

ENV_VAR = "KNEELOAD_DB"
DEFAULT_PATH = Path(analysis.__file__).resolve().parents[1] / "data" / "kneeload.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 60.0
WRITE = "kneeload_write"  # execution option: this transaction will write
MIGRATION_LOCK = 4_242_001  # PostgreSQL advisory lock key held while migrating


def database_url(url: str | os.PathLike | None = None) -> str:
    """The URL to use: `url`, else $KNEELOAD_DB, else the SQLite file under data/.

    A value without '://' is taken as the path of a SQLite file.
    """
    chosen = str(url or os.environ.get(ENV_VAR) or DEFAULT_PATH)
    if "://" not in chosen:
        chosen = f"sqlite:///{Path(chosen).expanduser().resolve()}"
    return chosen


def make_engine(url: str | os.PathLike | None = None) -> Engine:
    """An engine for `url` (see database_url), with kneeload's connection settings."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode = WAL", "foreign_keys = ON", "secure_delete = ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def migrating(engine: Engine) -> Iterator[Config]:
    """Alembic configuration bound to one write transaction on `engine`, for
    `alembic.command.upgrade`/`downgrade`; safe when several processes start at once.

    On SQLite, foreign keys are off meanwhile (SQLite's own procedure for schema changes):
    a batch migration rebuilds a table, and dropping the old one must not cascade to its
    children. Rows left pointing nowhere abort the migration.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        if sqlite:  # on the driver: a pragma inside a transaction is ignored
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": MIGRATION_LOCK})
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = connection
                yield config
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("migration left rows whose foreign keys point nowhere")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to `revision` (normally the newest)."""
    with migrating(engine) as config:
        command.upgrade(config, revision)
