"""Time every dashboard page for an athlete with 1,000 runs over 5 years.

Targets (issue 6): each page's script run under 1 s once warm and under 3 s cold.
The athlete is built through the real path: synthetic one-hour runs written as FIT files,
read and stored by kneeload, plus a pain diary on most days. Cold = a page's first script
run in a new AppTest; warm = its next run. AppTest gives every run a fresh st.cache_data
store, so both figures are computed without cache hits: upper bounds for the real app. The
first page of the process also pays for importing the modules (reported separately).

    python benchmarks/bench_dashboard.py [--runs 1000] [--db PATH]
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ingest import ReadOptions, read_sources
from analysis.pain import PainEntry
from analysis.store import Store
from analysis.synth import fit_bytes, synth_run

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/overview.py", "pages/diary.py", "pages/risk.py", "pages/coach.py",
         "pages/research.py", "pages/import_data.py", "pages/settings.py", "pages/start.py"]


def build(db: Path, runs: int) -> None:
    """One athlete: `runs` runs spread over five years, a diary on ~80 % of days."""
    rng = np.random.default_rng(1)
    end = pd.Timestamp.now().normalize() - pd.Timedelta(days=1)
    days = pd.date_range(end - pd.Timedelta(days=5 * 365), end)
    run_days = np.sort(rng.choice(len(days), size=runs, replace=False))
    files = []
    for index in run_days:
        start = (days[index] + pd.Timedelta(hours=7)).tz_localize("UTC")
        run = synth_run(rng, start, duration_s=float(rng.uniform(30, 75)) * 60,
                        speed_mps=float(rng.uniform(2.6, 3.3)), hill_m=float(rng.uniform(5, 40)))
        files.append((f"{start:%Y%m%d}.fit", fit_bytes(run)))
    with Store(db) as store:
        athlete = store.athlete("Benchmark runner")
        store.import_results(athlete.id, read_sources(files, ReadOptions()))
        entries = [PainEntry(day.date(), int(rng.integers(0, 4)), timing="daily_worst")
                   for day in days if rng.random() < 0.8]
        store.add_pain(athlete.id, entries)


def time_pages() -> list[tuple[str, float, float]]:
    """(page, cold seconds, warm seconds) for every page."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # keep every run on app.py's navigation (see tests/ui)
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    started = time.perf_counter()
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    rows = [("first run of the process", time.perf_counter() - started, float("nan"))]
    for page in PAGES:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        app.run()
        app.switch_page(page)
        started = time.perf_counter()
        app.run()
        cold = time.perf_counter() - started
        assert not app.exception, [e.value for e in app.exception]
        started = time.perf_counter()
        app.run()
        warm = time.perf_counter() - started
        rows.append((page, cold, warm))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "out" / "dashboard.db")
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(args.db, args.runs)
        print(f"built {args.runs} runs in {time.perf_counter() - started:.0f} s: {args.db}")
    os.environ["KNEELOAD_DB"] = str(args.db)
    print(f"{'page':24s} {'cold s':>7s} {'warm s':>7s}  targets: cold < 3 s, warm < 1 s")
    for page, cold, warm in time_pages():
        verdict = "ok" if cold < 3 and not warm >= 1 else "MISSED"
        print(f"{page:24s} {cold:7.2f} {warm:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
