"""Cohort build on Dask and cohort-model memory (issue 14).

1. Build: `--runners` generated runners × `--weeks` weeks (GPX folders, FIT folders, Strava
   zips; analysis.synth.cohort) built on a LocalCluster of 1 and of 2 worker processes:
   files/s, CPU-seconds per file, peak memory per worker (max RSS), and the scaling ratio.
2. Models: what `kneeload cohort --input CSV` does (CSV to panel runner by runner, then
   every model) over `--panel-runners` simulated runners × 1 year, in a fresh process: time
   and peak memory of each step, at two sizes so the growth per runner shows.
3. From the database: what `kneeload cohort` does over `--stored-runners` simulated runners
   × 1 year stored in SQLite (at half and at all of them), in a fresh process with one
   worker: peak memory of reading the runners one at a time (Store.research_cohort, as the
   command does) and, for comparison, all at once (Store.research_data).

    python benchmarks/bench_cohort.py [--runners 200] [--weeks 52] [--step 1]
                                      [--panel-runners 2000] [--stored-runners N]

(--runners 0 or --panel-runners 0 skips that part; part 3 runs only with --stored-runners.)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from analysis.cohort.build import BuildSettings, build_cohort
from analysis.cohort.manifest import read_manifest
from analysis.ingest import FileResult, ParsedActivity
from analysis.pain import PainEntry
from analysis.stats.simulate import simulate_athlete, tidy_rows
from analysis.store import Store
from analysis.synth.cohort import write_cohort


def _max_rss_mb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss would carry the parent's over exec)."""
    with Path("/proc/self/status").open() as status:
        return next(int(line.split()[1]) for line in status
                    if line.startswith("VmHWM")) / 1024


def bench_build(runners: int, weeks: int, step_s: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        manifest = write_cohort(Path(folder) / "inputs", runners, weeks=weeks, step_s=step_s)
        size = sum(p.stat().st_size for p in (Path(folder) / "inputs").rglob("*"))
        print(f"generated {runners} runners × {weeks} weeks, one sample every {step_s:g} s "
              f"({size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
        people = read_manifest(manifest).runners
        rates = {}
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=":0") as cluster, Client(cluster) as client:
                started = time.perf_counter()
                cpu = sum(client.run(time.process_time).values())
                report = build_cohort(people, Path(folder) / f"out{workers}", client,
                                      BuildSettings(salt=b"bench"))
                wall = time.perf_counter() - started
                cpu = sum(client.run(time.process_time).values()) - cpu
                peaks = client.run(_max_rss_mb)
            files = sum(o.files for o in report.outcomes)
            rates[workers] = files / wall
            print(f"{workers} worker(s): {files} files in {wall:.1f} s = {files / wall:.0f} "
                  f"files/s; {1000 * cpu / files:.1f} CPU-ms per file (workers); peak RSS "
                  f"per worker {', '.join(f'{v:.0f}' for v in peaks.values())} MB")
        print(f"scaling 2 vs 1 worker: {rates[2] / rates[1]:.2f}×")


def _panel_and_models(imports: str, read: str) -> tuple[float, float, float, float, float]:
    """In a fresh process: `read` (code setting `panel` and `n`), then every model. Returns
    peak RSS after start-up, seconds and peak RSS after `read`, seconds of the models and
    the final peak RSS (VmHWM, not ru_maxrss: Linux carries ru_maxrss over through exec)."""
    code = ("import sys, time; from analysis.stats.cohort import analyze_cohort; " + imports
            + "peak = lambda: next(int(line.split()[1]) for line in "
            "open('/proc/self/status') if line.startswith('VmHWM')) / 1024; "
            "start = peak(); t = time.perf_counter(); " + read
            + "a_s, a_mb = time.perf_counter() - t, peak(); "
            "analyze_cohort(panel, n_athletes=n, workers=1); "
            "print(start, a_s, a_mb, time.perf_counter() - t - a_s, peak(), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    start_mb, read_s, read_mb, models_s, peak_mb = map(float, done.stderr.split()[-5:])
    return start_mb, read_s, read_mb, models_s, peak_mb


def bench_models(runners: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for n in (runners // 4, runners):
            csv = Path(folder) / f"cohort{n}.csv"
            tidy_rows([simulate_athlete(seed, days=365) for seed in range(n)]).to_csv(
                csv, index=False)
            _, panel_s, panel_mb, models_s, peak_mb = _panel_and_models(
                "import pandas as pd; from analysis.cohort.panel import csv_panel; ",
                f"panel, names = csv_panel(pd.read_csv({str(csv)!r})); ")
            print(f"kneeload cohort --input CSV, {n} runners × 1 year: CSV to panel "
                  f"{panel_s:.1f} s ({1000 * panel_s / n:.0f} ms per runner, peak RSS "
                  f"{panel_mb:.0f} MB), models {models_s:.1f} s; peak RSS {peak_mb:.0f} MB")


def _store_simulated(url: str, seeds: range) -> None:
    """Simulated runners × 1 year through the Store API: activities as one import, the
    diary as entries."""
    with Store(url) as store:
        for seed in seeds:
            runner = simulate_athlete(seed, days=365)
            athlete = store.athlete(runner.name)
            store.import_results(athlete.id, [FileResult(f"{runner.name}.csv", activities=[
                ParsedActivity(row) for row in runner.activities.to_dict("records")])])
            store.add_pain(athlete.id, [PainEntry(row.date.date(), int(row.score), row.side,
                                                  row.timing) for row in runner.pain.itertuples()])


_READ = {"one at a time": "c = store.research_cohort(); n = len(c.names); "
                          "panel = cohort_panel(c.athletes(), workers=1, total=n); ",
         "all at once": "a = store.research_data(); n = len(a); "
                        "panel = cohort_panel(a, workers=1); "}


def bench_stored(runners: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'cohort.db'}"
        stored = 0
        for n in (runners // 2, runners):
            started = time.perf_counter()
            _store_simulated(url, range(stored, n))
            stored = n
            print(f"stored {n} simulated runners × 1 year (+{time.perf_counter() - started:.0f}"
                  " s)")
            for how, read in _READ.items():
                start_mb, panel_s, panel_mb, _, peak_mb = _panel_and_models(
                    "from analysis.store import Store; "
                    f"from analysis.stats.cohort import cohort_panel; store = Store({url!r}); ",
                    read)
                print(f"kneeload cohort from the database, {n} runners read {how}: panel "
                      f"{panel_s:.1f} s, peak RSS {start_mb:.0f} MB after start-up, "
                      f"{panel_mb:.0f} MB after the panel, {peak_mb:.0f} MB with the models")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--step", type=float, default=1.0,
                        help="seconds between samples of the generated runs (default 1, as "
                        "watches record)")
    parser.add_argument("--panel-runners", type=int, default=2000)
    parser.add_argument("--stored-runners", type=int, default=0,
                        help="part 3 over this many stored runners (e.g. 400; default 0: "
                        "skipped)")
    args = parser.parse_args()
    if args.runners:
        bench_build(args.runners, args.weeks, args.step)
    if args.panel_runners:
        bench_models(args.panel_runners)
    if args.stored_runners:
        bench_stored(args.stored_runners)


if __name__ == "__main__":
    main()
