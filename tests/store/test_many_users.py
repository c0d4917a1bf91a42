"""A squad at once: 50 signed-in users in two server processes (25 sessions each, sharing
that process's engine as the dashboard does) log pain, import their runs — some twice at
the same moment — and coaches read the roster, all together. Every entry is stored exactly
once and no error (no "database is locked", no deadlock) reaches anyone."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import traceback
from typing import Any

import pandas as pd
import pytest

from analysis.ingest import FileResult, ReadOptions, read_sources
from analysis.pain import PainEntry
from analysis.store import Store
from analysis.synth import gpx_bytes
from tests.store.conftest import run_at

USERS = 50
PROCESSES = 2
COACHES = 4
ENTRIES = 8  # taps per user
DAY = dt.date(2024, 6, 3)


def email(i: int) -> str:
    return f"runner{i}@club.test"


def runs_of(i: int) -> list[FileResult]:
    """Two outings of runner i, read before the rush (parsing is not what is tested)."""
    files = [(f"r{i}-{k}.gpx", gpx_bytes(run_at(pd.Timestamp("2024-06-01T07:00:00Z")
                                                + pd.Timedelta(days=k), seed=100 * i + k,
                                                duration_s=60)))
             for k in range(2)]
    return list(read_sources(files, ReadOptions(workers=1)))


def user_session(store: Store, i: int, results: list[FileResult], start: Any) -> None:
    """One runner: taps pain, imports both files, then the first file again, reads back."""
    me = store.acting_as(email(i))
    athlete = me.athlete()
    start.wait()
    for k in range(ENTRIES):
        me.add_pain(athlete.id, [PainEntry(DAY, k % 11, note=f"{i}-{k}")])
        if k == 2:
            me.import_results(athlete.id, results)
        if k == 5:
            me.import_results(athlete.id, results[:1])  # the same file again: nothing new
    me.pain(athlete.id)
    me.activities(athlete.id)


def coach_session(store: Store, c: int, start: Any) -> None:
    """A coach reading the whole roster a few times while the runners write."""
    me = store.acting_as(f"coach{c}@club.test")
    start.wait()
    for _ in range(3):
        for athlete_id in me.athletes()["id"]:
            me.pain(int(athlete_id))


def server_process(url: str, users: list[int], coaches: list[int], start: Any,
                   errors: Any) -> None:
    """One dashboard process: one engine, a thread per session."""
    results = {i: runs_of(i) for i in users}
    store = Store(url)

    def guarded(target: Any, *args: Any) -> None:
        try:
            target(*args)
        except Exception:  # everything a user would see, collected for the assertion
            errors.put(traceback.format_exc())

    threads = [threading.Thread(target=guarded, args=(user_session, store, i, results[i],
                                                      start)) for i in users]
    threads += [threading.Thread(target=guarded, args=(coach_session, store, c, start))
                for c in coaches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    store.close()


@pytest.mark.slow
def test_fifty_users_at_once_store_everything_exactly_once(db_url: str):
    with Store(db_url) as store:
        store.create_squad("Everyone")
        for i in range(USERS):
            store.add_user(email(i), "athlete", athlete=f"Runner {i}")
            store.add_to_squad("Everyone", f"Runner {i}")
        for c in range(COACHES):
            store.add_user(f"coach{c}@club.test", "coach")
            store.add_coach("Everyone", f"coach{c}@club.test")
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES * (USERS // PROCESSES + COACHES // PROCESSES))
    errors = context.Queue()
    workers = [context.Process(target=server_process, args=(
        db_url, list(range(p, USERS, PROCESSES)), list(range(p, COACHES, PROCESSES)), start,
        errors)) for p in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=900)
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []
    assert [w.exitcode for w in workers] == [0] * PROCESSES

    with Store(db_url) as store:
        people = store.athletes().set_index("name")
        for i in range(USERS):
            athlete_id = int(people.loc[f"Runner {i}", "id"])
            pain = store.pain(athlete_id)
            assert sorted(pain["note"]) == sorted(f"{i}-{k}" for k in range(ENTRIES)), i
            assert len(store.activities(athlete_id)) == 2, i
            log = store.import_log(athlete_id)
            assert log["status"].value_counts().to_dict() == {"imported": 2, "duplicate": 1}
            # one version step per entry and per import (each a single batch of files)
            assert store.data_version(athlete_id) == ENTRIES + 2
        views = store.audit_log().query("action == 'view'")
        # every coach read of a runner's diary is in the audit log, once; runners reading
        # their own data are not views of someone else's
        assert views.groupby("actor").size().to_dict() == {
            f"coach{c}@club.test": 3 * USERS for c in range(COACHES)}
