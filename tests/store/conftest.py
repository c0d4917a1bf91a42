"""Storage tests run on SQLite (a temporary file) and on PostgreSQL (KNEELOAD_TEST_PG_URL),
each test in its own schema there, so runs never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from analysis.store import Store
from analysis.synth import SynthRun, synth_run
from tests.conftest import need

PG_URL = os.environ.get("KNEELOAD_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty database URL on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kneeload.db'}"
        return
    need(PG_URL is not None, "no PostgreSQL server: set KNEELOAD_TEST_PG_URL "
                             "(see .ci/run)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store."""
    with Store(db_url) as opened:
        yield opened


def run_at(start: str, seed: int = 1, duration_s: float = 600.0, **options) -> SynthRun:
    """A synthetic run (1 s samples) starting at `start` (UTC)."""
    return synth_run(np.random.default_rng(seed), start, duration_s=duration_s, **options)
