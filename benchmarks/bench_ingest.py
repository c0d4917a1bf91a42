"""Time reading a runner's export: kneeload against gpxpy and fitdecode, the whole export in
parallel, and peak memory as the export doubles.

Targets (issues 2 and 13): GPX at least 10× gpxpy's throughput, FIT at least 2× fitdecode's,
a 1,000-run export in under 90 s on 2 cores (`kneeload parse` of it: 10 s), peak memory under
600 MB whatever the export's size. The script

1. generates a synthetic Strava export of N runs (about an hour each at 1 s, mixed `.gpx`,
   `.gpx.gz`, `.tcx.gz`, `.fit.gz`, joined by activities.csv's Filename) as a folder and a
   zip under benchmarks/out/ (git-ignored; reused when already there), and one of 2N runs;
2. times kneeload and gpxpy (parse, length_2d, get_uphill_downhill, get_moving_data) on the
   same GPX files, kneeload on TCX files (no reference reader installed), and kneeload and
   fitdecode (every message, every field) on the same FIT files, in this one process;
3. reads the whole export through read_sources (folder and zip, samples kept as a store
   needs them) and `kneeload parse` on the zip (summaries only), each in a fresh process,
   sampling the memory and CPU time of its process tree from /proc;
4. prints one table (and, with --profile, where kneeload's GPX time goes).

    python benchmarks/bench_ingest.py [--runs 1000] [--workers 2] [--sample 10] [--no-double]
                                      [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gzip
import io
import json
import multiprocessing
import os
import pstats
import resource
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ingest import ReadOptions, read_sources
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.fit import read_fit
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes

OUT = Path(__file__).resolve().parent / "out"
FORMATS = (".gpx", ".gpx.gz", ".tcx.gz", ".fit.gz")
# Where the runs happen (the local time zone is looked up from the start position).
PLACES = ((52.37, 4.89), (48.14, 11.58), (39.74, -104.99), (-33.87, 151.21), (35.68, 139.69))
MB = 1e6
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


# --- 1. the export ------------------------------------------------------------------------

def _run_file(index: int) -> tuple[dict, str, bytes]:
    """Run `index` of the export: its activities.csv row, file name and bytes."""
    rng = np.random.default_rng(1000 + index)
    start = pd.Timestamp("2019-01-01 05:30", tz="UTC") + pd.Timedelta(
        days=index, minutes=int(rng.integers(0, 360)))
    lat, lon = PLACES[index % len(PLACES)]
    run = synth_run(rng, start, duration_s=float(rng.uniform(45, 75) * 60),
                    speed_mps=float(rng.uniform(2.5, 3.6)), hill_m=float(rng.uniform(5, 60)),
                    lat0=lat, lon0=lon, cadence_spm=float(rng.uniform(158, 182)))
    kind = FORMATS[index % len(FORMATS)]
    writer = {".gpx": gpx_bytes, ".tcx": tcx_bytes, ".fit": fit_bytes}[kind.removesuffix(".gz")]
    data = writer(run)
    if kind.endswith(".gz"):
        data = gzip.compress(data, 6)
    activity_id = 9_000_000_000 + index
    name = f"activities/{activity_id}{kind}"
    row = {"activity_id": activity_id, "start": run.start, "name": f"Run {index}",
           "type": "Run", "elapsed_s": int(run.t[-1]), "moving_s": int(run.t[-1]),
           "distance_m": round(float(run.distance[-1]), 1), "filename": name}
    return row, name, data


def make_export(runs: int) -> tuple[Path, Path]:
    """Folder and zip of a `runs`-run export (generated once, then reused)."""
    folder, archive = OUT / f"export-{runs}", OUT / f"export-{runs}.zip"
    marker = folder / ".complete"
    if marker.exists() and archive.exists():
        return folder, archive
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "activities").mkdir(parents=True)
    started = time.perf_counter()
    rows = []
    with multiprocessing.get_context("fork").Pool() as pool:
        for row, name, data in pool.imap(_run_file, range(runs), chunksize=8):
            (folder / name).write_bytes(data)
            rows.append(row)
    (folder / "activities.csv").write_bytes(strava_csv_bytes(rows))
    with zipfile.ZipFile(archive, "w") as out:  # as Strava does: gzipped files stored
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path != marker:
                method = zipfile.ZIP_STORED if path.suffix == ".gz" else zipfile.ZIP_DEFLATED
                out.write(path, path.relative_to(folder).as_posix(), compress_type=method)
    marker.touch()
    print(f"generated {runs} runs in {time.perf_counter() - started:.0f} s: {folder}, {archive}",
          file=sys.stderr)
    return folder, archive


def contents(folder: Path, suffixes: tuple[str, ...], count: int) -> list[bytes]:
    """The first `count` files with one of `suffixes`, decompressed."""
    paths = sorted(p for p in (folder / "activities").iterdir() if p.name.endswith(suffixes))
    return [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
            for p in paths[:count]]


# --- 2. kneeload against gpxpy and fitdecode ----------------------------------------------

def best_time(step: Callable[[bytes], object], files: list[bytes], repeat: int) -> float:
    """Fastest of `repeat` passes over `files`, in seconds."""
    step(files[0])  # warm-up: imports, compiled stylesheets, time-zone tables
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for data in files:
            step(data)
        times.append(time.perf_counter() - started)
    return min(times)


def gpxpy_summary(data: bytes) -> None:
    """What gpxpy users compute for the same summary kneeload gives."""
    import gpxpy

    track = gpxpy.parse(data.decode())
    track.length_2d()
    track.get_uphill_downhill()
    track.get_moving_data()


def fitdecode_all(data: bytes) -> None:
    """Every message and every field value, as fitdecode users read a file."""
    import fitdecode

    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                for item in frame.fields:
                    _ = item.value


def compare(folder: Path, sample: int, repeat: int) -> list[dict]:
    """Per format: kneeload's parse + summary (and FIT decode alone) against the others,
    as MB/s and ms per file (one file ≈ an hour's run at 1 s)."""
    options = ReadOptions(workers=1)  # samples built too, as a store needs them
    rows = []
    for label, files, theirs, other in (
        ("GPX", contents(folder, (".gpx", ".gpx.gz"), sample), gpxpy_summary, "gpxpy"),
        ("TCX", contents(folder, (".tcx.gz",), sample), None, ""),
        ("FIT", contents(folder, (".fit.gz",), 2 * sample), fitdecode_all, "fitdecode"),
    ):
        size, count = sum(map(len, files)), len(files)
        ours = best_time(lambda d, label=label: read_bytes(f"x.{label}", d, options), files,
                         repeat)
        them = best_time(theirs, files, repeat) if theirs else np.nan
        rows.append({"what": label, "files": count, "mb": size / MB, "kneeload": size / MB / ours,
                     "ms": 1000 * ours / count, "other": other, "theirs": size / MB / them,
                     "their_ms": 1000 * them / count})
        if label == "FIT":
            decode = best_time(lambda d: read_fit("x.fit", d), files, repeat)
            rows.append({**rows[-1], "what": "FIT decode only", "kneeload": size / MB / decode,
                         "ms": 1000 * decode / count})
    return rows


def profile_gpx(folder: Path, sample: int) -> None:
    """cProfile of kneeload reading the GPX sample: the functions taking the most time."""
    files = contents(folder, (".gpx", ".gpx.gz"), sample)
    options = ReadOptions(workers=1)
    read_bytes("warm.gpx", files[0], options)
    profiler = cProfile.Profile()
    profiler.enable()
    for data in files:
        read_bytes("x.gpx", data, options)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


# --- 3. the whole export, in fresh processes ----------------------------------------------

def tree_memory(root: int) -> dict[int, tuple[int, int, int, float]]:
    """RSS, PSS and peak RSS (VmHWM, what ru_maxrss reports) of `root` and each of its
    descendants, in bytes, and the CPU seconds each has used so far (from /proc).

    RSS counts pages shared by the forked workers once per process; PSS splits them
    among the sharers, so its sum is the memory the tree really holds.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # processes come and go while we look
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        with contextlib.suppress(OSError, StopIteration, ValueError):
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            pss = _kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
            ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]
            found[pid] = (rss, pss, _kib(Path(f"/proc/{pid}/status"), "VmHWM:"),
                          sum(map(int, ticks)) / TICKS)
    return found


def _kib(path: Path, key: str) -> int:
    """A 'key: N kB' line of a /proc file, in bytes."""
    line = next(line for line in path.read_text().splitlines() if line.startswith(key))
    return int(line.split()[1]) * 1024


def measured(command: list[str], stdout: Path | None = None) -> dict:
    """Run `command` (its JSON report on stdout, or stdout to a file), sampling the summed
    RSS of its process tree every 20 ms: wall time, tree peak and the report."""
    sink = stdout.open("wb") if stdout else subprocess.PIPE
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
    output: dict[str, bytes] = {}
    reader = threading.Thread(target=lambda: output.update(
        zip(("out", "err"), process.communicate(), strict=True)))
    reader.start()
    peak_rss = peak_pss = main_hwm = child_hwm = 0
    cpu: dict[int, float] = {}  # the last CPU seconds seen of every process of the tree
    while reader.is_alive():
        found = tree_memory(process.pid)
        peak_rss = max(peak_rss, sum(rss for rss, _, _, _ in found.values()))
        peak_pss = max(peak_pss, sum(pss for _, pss, _, _ in found.values()))
        main_hwm = max(main_hwm, found.get(process.pid, (0, 0, 0, 0))[2])
        child_hwm = max([child_hwm, *(hwm for pid, (_, _, hwm, _) in found.items()
                                      if pid != process.pid)])
        cpu.update({pid: used for pid, (_, _, _, used) in found.items()})
        time.sleep(0.02)
    wall = time.perf_counter() - started
    if stdout:
        sink.close()
    if process.returncode != 0:
        raise SystemExit(f"{command} failed:\n{output['err'].decode()[-2000:]}")
    report = json.loads(output["out"]) if not stdout else {}
    main_hwm = max(main_hwm, report.pop("maxrss_mb", 0) * MB)  # its last word, if it spoke
    return {"wall": wall, "cpu_s": sum(cpu.values()), "main_cpu_s": cpu.get(process.pid, 0.0),
            "rss_peak_mb": peak_rss / MB, "pss_peak_mb": peak_pss / MB,
            "main_maxrss_mb": main_hwm / MB, "child_maxrss_mb": child_hwm / MB, **report,
            "stderr_lines": len(output["err"].splitlines())}


def measure_child(path: str, workers: int) -> None:
    """(In the child) read the whole export keeping only the summaries, as a store would."""
    started = time.perf_counter()
    summaries, errors, files = [], 0, 0
    for result in read_sources([path], ReadOptions(workers=workers)):
        files += 1
        errors += bool(result.error)
        summaries.extend(activity.summary for activity in result.activities)
    print(json.dumps({
        "read_s": time.perf_counter() - started, "files": files, "errors": errors,
        "activities": len(summaries),
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB,
    }))


def whole(path: Path, workers: int) -> dict:
    return measured([sys.executable, __file__, "_child", str(path), "--workers", str(workers)])


def cli(path: Path, workers: int) -> dict:
    command = shutil.which("kneeload")
    base = [command] if command else [sys.executable, "-c",
                                      "from analysis.cli import main; raise SystemExit(main())"]
    return measured([*base, "parse", str(path), "--workers", str(workers)],
                    stdout=OUT / f"parse-{path.stem}.csv")


# --- 4. the table ---------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=10,
                        help="GPX files for the gpxpy comparison (twice as many FIT files)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-double", action="store_true",
                        help="skip the 2×-sized export (memory flatness)")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of kneeload's GPX path")
    args = parser.parse_args()

    folder, archive = make_export(args.runs)
    throughput = compare(folder, args.sample, args.repeat)
    if args.profile:
        profile_gpx(folder, args.sample)
    exports = {"folder": whole(folder, args.workers), "zip": whole(archive, args.workers),
               "cli zip": cli(archive, args.workers)}
    doubled = {}
    if not args.no_double:
        _, double_zip = make_export(2 * args.runs)
        doubled = {"zip": whole(double_zip, args.workers),
                   "cli zip": cli(double_zip, args.workers)}

    targets = {"GPX": 10.0, "FIT": 2.0}
    print(f"\nkneeload ingest benchmark: {args.runs} runs, {args.workers} workers, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'':17}{'files':>6}{'MB':>7}{'kneeload MB/s':>14}{'ms/file':>8}"
          f"{'other MB/s':>15}{'ms/file':>8}{'ratio':>7}  target")
    for row in throughput:
        ratio = row["kneeload"] / row["theirs"]
        target = targets.get(row["what"])
        other = (f"{row['theirs']:>8.2f} {row['other'][:6]:<6}{row['their_ms']:>8.0f}"
                 f"{ratio:>6.1f}×" if row["other"] else f"{'(none)':>15}{'':>15}")
        print(f"{row['what']:<17}{row['files']:>6}{row['mb']:>7.1f}{row['kneeload']:>14.1f}"
              f"{row['ms']:>8.1f}{other}  "
              + (f"≥ {target:g}× {verdict(ratio >= target)}" if target else "(no target)"))
    print(f"\n{'whole export (peaks in MB)':<28}{'wall s':>8}{'CPU s':>7}{'main':>6}{'files':>7}"
          f"{'failed':>7}{'tree PSS':>10}{'tree RSS':>10}{'main':>6}{'child':>7}  target")
    for size, results in ((args.runs, exports), (2 * args.runs, doubled)):
        for label, m in results.items():
            print(f"{size:>5} runs, {label:<17}{m['wall']:>8.1f}{m['cpu_s']:>7.1f}"
                  f"{m['main_cpu_s']:>6.1f}"
                  f"{m.get('files', '-'):>7}"
                  f"{m.get('errors', m['stderr_lines']):>7}{m['pss_peak_mb']:>10.0f}"
                  f"{m['rss_peak_mb']:>10.0f}{m['main_maxrss_mb']:>6.0f}"
                  f"{m['child_maxrss_mb']:>7.0f}  "
                  + (f"< 90 s {verdict(m['wall'] < 90)}, " if size == 1000 else "")  # the issue
                  + f"PSS < 600 MB {verdict(m['pss_peak_mb'] < 600)}")
    print("Peaks sampled every 20 ms from /proc over the reading process and its workers: "
          "tree PSS and RSS sums (RSS counts pages the forked workers share once per "
          "process), main = the reading process's peak RSS (ru_maxrss), child = the "
          "largest worker's (forkserver included). CPU s = user + system seconds of the "
          "whole tree, and of the reading process alone (main; the rest is the workers and "
          "the forkserver): on an idle 2-core machine wall ≈ CPU ÷ 2 at best; on a shared "
          "machine wall time also counts waiting for the cores.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child = argparse.ArgumentParser()
        child.add_argument("path")
        child.add_argument("--workers", type=int)
        options = child.parse_args(sys.argv[2:])
        measure_child(options.path, options.workers)
    else:
        main()
