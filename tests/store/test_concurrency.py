"""Two processes writing at once (two dashboard sessions) lose nothing and double nothing."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from typing import Any

import pandas as pd
import pytest

from analysis.ingest import ReadOptions, read_sources
from analysis.pain import PainEntry
from analysis.store import Store
from analysis.synth import fit_bytes, gpx_bytes
from tests.store.conftest import run_at

SHARED = 10  # outings both sessions import (one as GPX, the other as FIT)
OWN = 10  # outings only one session imports
EXTRA_PAIN = 20  # entries each session adds in a burst at the end


def session(url: str, tag: str, files: list[tuple[str, bytes]], together: Any) -> None:
    """One writer: import file by file, a pain entry after each, then a burst of pain
    entries. The shared outings (first in `files`) start at the same moment in both."""
    results = list(read_sources(files, ReadOptions(workers=1)))
    together.wait()
    with Store(url) as store:
        athlete = store.athlete("runner")  # both create it at once: one wins, both use it
        for i, result in enumerate(results):
            if i < SHARED:
                together.wait()
            store.import_results(athlete.id, [result])
            store.add_pain(athlete.id, [PainEntry(dt.date(2024, 1, 1), i % 11,
                                                  note=f"{tag}-import-{i}")])
        for i in range(EXTRA_PAIN):
            store.add_pain(athlete.id, [PainEntry(dt.date(2024, 1, 2), 3, note=f"{tag}-{i}")])


def outings(first_day: int, count: int) -> list[Any]:
    return [run_at(pd.Timestamp("2023-06-01T07:00:00Z") + pd.Timedelta(days=first_day + i),
                   seed=first_day + i, duration_s=120) for i in range(count)]


@pytest.mark.slow
def test_two_writers_at_once_lose_nothing(db_url: str):
    shared, own_a, own_b = outings(0, SHARED), outings(100, OWN), outings(200, OWN)
    files = {
        "a": [(f"s{i}.gpx", gpx_bytes(run)) for i, run in enumerate(shared)]
        + [(f"a{i}.gpx", gpx_bytes(run)) for i, run in enumerate(own_a)],
        "b": [(f"s{i}.fit", fit_bytes(run)) for i, run in enumerate(shared)]
        + [(f"b{i}.fit", fit_bytes(run)) for i, run in enumerate(own_b)],
    }
    Store(db_url).close()  # migrate first: the sessions race on data, not on the schema
    context = multiprocessing.get_context("spawn")
    together = context.Barrier(2)
    workers = [context.Process(target=session, args=(db_url, tag, files[tag], together))
               for tag in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]

    with Store(db_url) as store:
        [runner] = store.athletes().itertuples()
        stored = store.activities(runner.id)
        pain = store.pain(runner.id)
        log = store.import_log(runner.id)
        version = store.data_version(runner.id)
    assert len(stored) == SHARED + 2 * OWN  # each shared outing once, whoever came first
    assert stored.start_time.is_unique
    expected_notes = {f"{tag}-import-{i}" for tag in "ab" for i in range(SHARED + OWN)} | {
        f"{tag}-{i}" for tag in "ab" for i in range(EXTRA_PAIN)}
    assert len(pain) == len(expected_notes) == 80
    assert set(pain.note) == expected_notes
    assert len(log) == 2 * (SHARED + OWN)
    assert log.status.value_counts().to_dict() == {"imported": 30, "duplicate": 10}
    assert version == 2 * (SHARED + OWN) + len(pain)  # one per import, one per entry
