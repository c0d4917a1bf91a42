"""A real `kneeload ingest` killed half-way leaves a consistent database; the rerun completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from sqlalchemy import func, select

from analysis.store import Store
from analysis.store.codec import decode_samples
from analysis.store.models import activities, import_log, samples
from analysis.synth import gpx_bytes
from tests.conftest import ROOT
from tests.processes import alive, descendants, grandchildren
from tests.store.conftest import run_at

N_FILES = 300
KILL_AFTER = 30  # files committed before the kill
KNEELOAD = [sys.executable, "-c", "import sys; from analysis.cli import main; sys.exit(main())"]


def counts(store: Store) -> tuple[int, int, int]:
    """Logged files, activities and sample blobs."""
    with store.engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(table)).scalar()
                     for table in (import_log, activities, samples))


@pytest.mark.slow
def test_killed_import_is_consistent_and_the_rerun_completes(db_url: str, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    for day in range(N_FILES):  # one short run a day: every file a different outing
        start = pd.Timestamp("2023-01-01T07:00:00Z") + pd.Timedelta(days=day)
        (folder / f"run{day:03d}.gpx").write_bytes(gpx_bytes(run_at(start, seed=day,
                                                                    duration_s=120)))
    command = [*KNEELOAD, "ingest", str(folder), "--db", db_url, "--workers", "1", "--json"]
    with Store(db_url) as store:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while counts(store)[0] < KILL_AFTER and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.005)
        assert process.poll() is None, "the import finished before it could be killed"
        process.kill()  # SIGKILL: no cleanup, mid-file
        process.communicate()

        logged, stored, blobs = counts(store)
        # Each file is one transaction: its activity, samples and log row, or nothing.
        assert KILL_AFTER <= logged < N_FILES
        assert logged == stored == blobs
        with store.engine.connect() as conn:
            rows = conn.execute(select(activities.c.n_samples, samples.c.data).join(
                samples, samples.c.activity_pk == activities.c.id)).all()
            if store.engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert all(len(decode_samples(data)) == n == 121 for n, data in rows)

        rerun = subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        report = json.loads(rerun.stdout)
        assert {k: report[k] for k in ("imported", "duplicate", "failed")} == {
            "imported": N_FILES - logged, "duplicate": logged, "failed": 0}
        assert counts(store) == (N_FILES + logged, N_FILES, N_FILES)


@pytest.mark.slow
def test_no_worker_survives_a_killed_import(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    for day in range(200):
        start = pd.Timestamp("2023-01-01T07:00:00Z") + pd.Timedelta(days=day)
        (folder / f"run{day:03d}.gpx").write_bytes(gpx_bytes(run_at(start, seed=day,
                                                                    duration_s=1800)))
    db_url = f"sqlite:///{tmp_path / 'k.db'}"
    command = [*KNEELOAD, "ingest", str(folder), "--db", db_url, "--workers", "2"]
    # No pipes: an orphan holding one would make waiting for the killed process hang.
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(grandchildren(process.pid)) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before its workers were seen"
        time.sleep(0.01)
    family = descendants(process.pid)  # the forkserver, resource tracker and workers
    assert len(grandchildren(process.pid)) >= 2, "the workers never started"
    process.kill()  # SIGKILL: no cleanup, no atexit, no finally
    process.wait()
    deadline = time.monotonic() + 30
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = alive(family)
    for pid in survivors:  # leave nothing running, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert survivors == []  # 26 of 28 trials left 4 processes behind before issue 10
    with Store(db_url) as store:
        logged, stored, blobs = counts(store)
        assert logged == stored == blobs
