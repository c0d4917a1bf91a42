"""Store speed: 1,000 one-hour runs at 1 s stored through the Store API, then how long one
activity's samples take to load (target: well under 50 ms).

    python benchmarks/bench_store.py [--n 1000] [--db URL] [--loads 200]

Without --db a temporary SQLite file is used (and removed).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ingest import FileResult, ParsedActivity
from analysis.store import Store
from analysis.synth import synth_run


def synthetic_result(index: int, rng: np.random.Generator) -> FileResult:
    """One run a day, an hour at 1 s (3,601 samples), as the reader would hand it over."""
    run = synth_run(rng, pd.Timestamp("2020-01-01T06:00:00Z") + pd.Timedelta(days=index))
    samples = pd.DataFrame({
        "time": pd.to_datetime(run.epoch_s, unit="s", utc=True), "lat": run.lat,
        "lon": run.lon, "elevation_m": run.elevation, "distance_m": run.distance,
        "cadence_spm": run.cadence_spm, "heart_rate_bpm": run.heart_rate})
    summary = {"activity_id": f"bench-{index:05d}", "source_file": f"run{index}.fit",
               "source_format": "fit", "origin": "file", "name": run.name, "sport": "run",
               "sport_raw": "running", "start_time": run.start,
               "local_date": run.start.tz_convert(None).normalize(),
               "distance_m": float(run.distance[-1]), "elapsed_time_s": float(run.t[-1]),
               "moving_time_s": float(run.t[-1]), "n_samples": len(run.t),
               "avg_heart_rate_bpm": float(run.heart_rate.mean())}
    return FileResult(f"run{index}.fit", sha256=f"{index:064x}",
                      activities=[ParsedActivity(summary, samples)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="activities to store")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--loads", type=int, default=200, help="sample loads to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        results = [synthetic_result(i, rng) for i in range(args.n)]
        generated = time.perf_counter() - t0

        with Store(url) as store:
            athlete = store.athlete("bench")
            t0 = time.perf_counter()
            report = store.import_results(athlete.id, results)
            stored = time.perf_counter() - t0
            assert report.imported == args.n, report.as_dict()
            del results

        with Store(url) as store:  # a fresh process-like start: new engine, cold pool
            ids = store.activities(athlete.id).activity_id.to_numpy()
            picks = np.random.default_rng(1).choice(ids, size=args.loads)
            first = time.perf_counter()
            frame = store.samples(picks[0], athlete.id)
            first = time.perf_counter() - first
            timings = []
            for activity_id in picks:
                t0 = time.perf_counter()
                frame = store.samples(activity_id, athlete.id)
                timings.append(time.perf_counter() - t0)
            assert len(frame) == 3601
            t0 = time.perf_counter()
            table = store.activities(athlete.id)
            listing = time.perf_counter() - t0
            assert len(table) == args.n
            size = (Path(folder) / "bench.db").stat().st_size if not args.db else None

    ms = sorted(t * 1000 for t in timings)
    print(f"database: {url.split('?')[0] if args.db else 'SQLite (temporary file, WAL)'}")
    print(f"generated {args.n} runs x 3601 samples in {generated:.1f} s")
    print(f"stored through Store.import_results in {stored:.1f} s "
          f"({stored / args.n * 1000:.1f} ms per activity, one transaction each)")
    if size is not None:
        print(f"database file: {size / 1e6:.1f} MB ({size / args.n / 1000:.0f} kB per "
              "activity with its samples)")
    print(f"load one activity's samples ({args.loads} random of {args.n}): "
          f"first {first * 1000:.1f} ms, median {statistics.median(ms):.2f} ms, "
          f"p95 {ms[int(0.95 * len(ms)) - 1]:.2f} ms, max {ms[-1]:.2f} ms")
    print(f"load the activity table ({args.n} rows): {listing * 1000:.0f} ms")


if __name__ == "__main__":
    main()
