"""A squad logging pain at once: N signed-in athletes (one thread each, sharing one engine
as dashboard sessions do) each tap T pain entries while coaches read the roster. Prints the
wall time, the entries per second and the latency of one tap (p50, p95, max), and checks
every entry was stored exactly once.

    python benchmarks/bench_squad.py [--users 50] [--taps 20] [--coaches 4] [--db URL]

--db defaults to $KNEELOAD_TEST_PG_URL (a fresh schema, dropped afterwards), else a
temporary SQLite file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from analysis.pain import PainEntry
from analysis.store import Store


def fresh_database(url: str | None, folder: Path) -> tuple[str, object]:
    """A URL to an empty database and a function that removes it."""
    if not url:
        return f"sqlite:///{folder / 'squad.db'}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--taps", type=int, default=20)
    parser.add_argument("--coaches", type=int, default=4)
    parser.add_argument("--db", default=os.environ.get("KNEELOAD_TEST_PG_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, drop = fresh_database(args.db, Path(folder))
        try:
            run(url, args)
        finally:
            drop()


def run(url: str, args: argparse.Namespace) -> None:
    store = Store(url)
    store.create_squad("All")
    for i in range(args.users):
        store.add_user(f"u{i}@club.test", "athlete", athlete=f"U{i}")
        store.add_to_squad("All", f"U{i}")
    for c in range(args.coaches):
        store.add_user(f"c{c}@club.test", "coach")
        store.add_coach("All", f"c{c}@club.test")
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(args.users + args.coaches)
    stop = threading.Event()

    def athlete(i: int) -> None:
        me = store.acting_as(f"u{i}@club.test")
        own = me.athlete().id
        start.wait()
        for k in range(args.taps):
            began = time.perf_counter()
            try:
                me.add_pain(own, [PainEntry(dt.date(2024, 6, 1), k % 11, note=f"{i}-{k}")])
            except Exception as exc:  # what a user would see
                errors.append(repr(exc))
            latencies.append(time.perf_counter() - began)

    def coach(c: int) -> None:
        me = store.acting_as(f"c{c}@club.test")
        start.wait()
        while not stop.is_set():
            for athlete_id in me.athletes()["id"]:
                me.pain(int(athlete_id))

    threads = [threading.Thread(target=athlete, args=(i,)) for i in range(args.users)]
    readers = [threading.Thread(target=coach, args=(c,)) for c in range(args.coaches)]
    began = time.perf_counter()
    for thread in threads + readers:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    stop.set()
    for thread in readers:
        thread.join()
    stored = sum(len(store.pain(int(a))) for a in store.athletes()["id"])
    views = int((store.audit_log()["action"] == "view").sum())
    store.close()
    total = args.users * args.taps
    ms = sorted(x * 1000 for x in latencies)
    print(f"{store.engine.dialect.name}: {args.users} athletes × {args.taps} taps with "
          f"{args.coaches} coaches reading ({views} audited views)")
    print(f"  {total} entries in {wall:.1f} s = {total / wall:.0f} entries/s; stored "
          f"{stored} (expected {total}); errors {len(errors)}")
    print(f"  one tap: p50 {statistics.median(ms):.0f} ms, p95 "
          f"{ms[int(0.95 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms")
    if errors:
        print("  first error:", errors[0])


if __name__ == "__main__":
    main()
