"""Generate a research cohort on disk: runners' exports (GPX, FIT, Strava zips), pain
diaries and the manifest naming them — for tests and benchmarks of `kneeload cohort build`.

Runner k's export is a folder of GPX files (k % 3 == 0), a folder of FIT files (k % 3 == 1)
or a Strava bulk-export zip (k % 3 == 2: activities.csv joined to GPX and FIT files). Every
`broken_every`-th runner has one damaged file; every `duplicate_every`-th (k % n == 3)
holds one run twice, as FIT and as GPX, and in a zip also an activities.csv row whose
Filename is empty beside that run's file (ingest counts each such outing once); with
`dead_runner` the last runner's export is a zip cut in half (it fails entirely). Pain
follows the previous week's load with noise, so the cohort models have something to find.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.synth.fitfile import fit_bytes
from analysis.synth.runs import SynthRun, synth_run
from analysis.synth.writers import gpx_bytes, strava_csv_bytes

FIRST_MONDAY = pd.Timestamp("2024-01-01")
STEP_S = 10.0  # default sample spacing: small files, same readers (devices record at 1 s)


def _runs(rng: np.random.Generator, weeks: int, step_s: float) -> list[SynthRun]:
    """About 3 runs a week for `weeks` weeks, with occasional big weeks."""
    runs = []
    for week in range(weeks):
        volume = rng.choice([1.0, 1.0, 1.0, 1.6])
        for day in sorted(rng.choice(7, size=int(rng.integers(2, 5)), replace=False)):
            start = FIRST_MONDAY + pd.Timedelta(days=7 * week + int(day),
                                                hours=int(rng.integers(6, 19)))
            duration = float(rng.uniform(1500, 3600)) * volume
            runs.append(synth_run(rng, start, duration_s=round(duration), step_s=step_s,
                                  hill_m=float(rng.uniform(5, 40)),
                                  speed_mps=float(rng.uniform(2.5, 3.4))))
    return runs


def _diary(rng: np.random.Generator, runs: list[SynthRun], weeks: int) -> bytes:
    """Daily worst pain on about 6 days in 7: higher after a bigger week."""
    by_day = pd.Series({run.start.normalize().tz_localize(None): run.distance[-1]
                        for run in runs}).groupby(level=0).sum()
    days = pd.date_range(FIRST_MONDAY, periods=7 * weeks, freq="D")
    load = by_day.reindex(days, fill_value=0.0).rolling(7, min_periods=1).sum() / 1000
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "pain"])
    for day, km in load.items():
        if rng.random() < 6 / 7:
            score = int(np.clip(round(km / 12 + rng.normal(0, 1.2)), 0, 10))
            writer.writerow([day.strftime("%Y-%m-%d"), score])
    return out.getvalue().encode()


def _damaged(data: bytes, fit: bool) -> bytes:
    """A file cut short: GPX a third of the way in (broken XML), FIT inside its header
    (a FIT cut later still yields the records before the cut)."""
    return data[:10] if fit else data[: len(data) // 3]


def _write_export(folder: Path, k: int, runs: list[SynthRun], broken: bool,
                  duplicates: bool) -> Path:
    """Runner k's export in their format; `broken`: the second file is cut short;
    `duplicates`: the first run also in the other format and, in a zip, the third run's
    activities.csv row not linked to its file."""
    files = {}
    for i, run in enumerate(runs):
        fit = (k % 3 == 1) or (k % 3 == 2 and i % 2)
        data = fit_bytes(run) if fit else gpx_bytes(run)
        files[f"activities/{1000 * k + i}.{'fit' if fit else 'gpx'}"] = (
            _damaged(data, fit) if broken and i == 1 else data)
    copy = {}
    if duplicates:
        fit = k % 3 != 1  # the other format than the first run's (FIT for k % 3 == 1)
        copy[f"activities/{1000 * k}-copy.{'fit' if fit else 'gpx'}"] = (
            fit_bytes(runs[0]) if fit else gpx_bytes(runs[0]))
    if k % 3 != 2:
        target = folder / f"export-{k:04d}"
        for name, data in {**files, **copy}.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return target
    rows = [{"activity_id": 1000 * k + i, "start": run.start, "name": "Morning Run",
             "type": "Run", "elapsed_s": run.t[-1], "moving_s": run.t[-1],
             "distance_m": run.distance[-1],
             "filename": "" if duplicates and i == 2 else name}
            for i, (run, name) in enumerate(zip(runs, files, strict=True))]
    target = folder / f"export-{k:04d}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities.csv", strava_csv_bytes(rows))
        for name, data in {**files, **copy}.items():
            archive.writestr(name, data)
    return target


def write_cohort(folder: str | Path, n_runners: int, *, weeks: int = 12, seed: int = 0,
                 broken_every: int = 7, duplicate_every: int = 5, dead_runner: bool = True,
                 step_s: float = STEP_S) -> Path:
    """Write `n_runners` runners' exports and diaries under `folder`; returns the manifest
    (runner ids R0000, R0001, …; paths relative to the manifest). `step_s`: seconds
    between samples (1 for files as large as a watch's)."""
    if duplicate_every < 4:  # runner k holds a run twice when k % duplicate_every == 3
        raise ValueError("duplicate_every must be at least 4")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["runner_id,export_path,pain_path,tz"]
    for k in range(n_runners):
        rng = np.random.default_rng([seed, k])
        runs = _runs(rng, weeks, step_s)
        if dead_runner and k == n_runners - 1:
            export = folder / f"export-{k:04d}-cut.zip"
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("activities/1.gpx", gpx_bytes(runs[0]))
            export.write_bytes(buffer.getvalue()[:200])
        else:
            export = _write_export(folder, k, runs, broken=k % broken_every == broken_every - 1,
                                   duplicates=k % duplicate_every == 3)
        diary = folder / f"pain-{k:04d}.csv"
        diary.write_bytes(_diary(rng, runs, weeks))
        lines.append(f"R{k:04d},{export.relative_to(folder)},{diary.name},Europe/Amsterdam")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest
