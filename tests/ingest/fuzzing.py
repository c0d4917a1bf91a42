"""A fuzz harness for the readers: seeded mutations of the real samples and of kneeload's own
fixtures, each read (as every import reads) in a fresh worker process with a time and a
memory limit, checked for internal errors, hangs, memory and impossible values.

Used by tests/ingest/test_fuzz_harness.py (a short run by default, a long one behind the
`fuzz` marker) and benchmarks/fuzz_ingest.py (the ≥ 10,000-input figures).
"""

from __future__ import annotations

import gzip
import io
import math
import resource
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ingest import ReadOptions, read_sources
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes
from analysis.workers import worker_process

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
HANG_S = 10.0  # an input taking longer than this is a hang
MEMORY_MB = 2048  # address space of a worker (its RSS peak is what is reported)
# What no stored activity may be, judged independently of analysis.ingest.plausible (the
# bounds the fuzz run counted as impossible).
MAX_DISTANCE_M = 1_000_000.0 * 2  # 2,000 km: beyond any sport family's limit
MAX_ELAPSED_S = 30 * 86400.0
EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")
NUMERIC = ("distance_m", "elapsed_time_s", "moving_time_s", "elevation_gain_m",
           "elevation_loss_m", "avg_heart_rate_bpm", "max_heart_rate_bpm", "avg_cadence_spm")
GARMIN_CSV = (b"Activity Type,Date,Favorite,Title,Distance,Time,Avg HR,Max HR,Avg Run Cadence,"
              b"Total Ascent,Total Descent,Avg Stride Length,Steps,Moving Time,Elapsed Time\n"
              b'Running,2024-06-01 07:00:00,false,Run,"5,00",00:30:00,150,170,172,50,50,"1,10",'
              b'"4.545",00:29:30,00:31:00\n'
              b'Running,2024-06-02 07:00:00,false,Run,"8,00",00:48:00,148,168,170,80,80,"1,10",'
              b'"7.273",00:47:30,00:49:00\n')


def seeds() -> dict[str, bytes]:
    """Every real sample file (when present) and the project's own generated fixtures of
    every reader: GPX, TCX, FIT, Strava and Garmin CSV, gzip and a Strava export zip."""
    found = {}
    if SAMPLES.is_dir():
        for path in sorted(SAMPLES.rglob("*")):
            if path.is_file() and path.suffix.lower() not in (".md", ".json"):
                found[f"samples/{path.relative_to(SAMPLES).as_posix()}"] = path.read_bytes()
    run = synth_run(np.random.default_rng(0), "2024-06-01 07:00", duration_s=600)
    rows = [{"activity_id": 1, "start": run.start, "name": "Easy", "distance_m": 1700.0,
             "elapsed_s": 600, "filename": "activities/1.gpx"},
            {"activity_id": 2, "start": run.start + pd.Timedelta(days=1), "distance_m": 5000.0,
             "elapsed_s": 1800}]
    export = io.BytesIO()
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("activities.csv", strava_csv_bytes(rows))
        archive.writestr("activities/1.gpx", gpx_bytes(run))
    found.update({
        "own/run.gpx": gpx_bytes(run), "own/run_offset.gpx": gpx_bytes(run, offset_min=120),
        "own/run.tcx": tcx_bytes(run), "own/run.fit": fit_bytes(run),
        "own/run_compressed.fit": fit_bytes(run, compressed_timestamps=True),
        "own/activities.csv": strava_csv_bytes(rows), "own/Activities.csv": GARMIN_CSV,
        "own/run.gpx.gz": gzip.compress(gpx_bytes(run)), "own/export.zip": export.getvalue(),
    })
    return found


_NUMBER_TOKENS = (b"0", b"-1", b"1e400", b"-1e400", b"9999999999", b"3e9", b"nan", b"-24",
                  b"0001", b"9999", b"2117", b"+25:00", b"12:34.5", b"52,1", b"\xff\xfe")


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One to four random edits of `data`: bit flips, byte changes, deletions, insertions,
    cuts, repeated chunks, and numbers or dates replaced by absurd ones."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        if not out:
            out += rng.bytes(8)
        kind = int(rng.integers(0, 7))
        at = int(rng.integers(0, len(out)))
        if kind == 0:
            out[at] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1:
            out[at] = int(rng.integers(0, 256))
        elif kind == 2:
            del out[at:at + int(rng.integers(1, 16))]
        elif kind == 3:
            out[at:at] = rng.bytes(int(rng.integers(1, 16)))
        elif kind == 4:
            del out[max(at, 1):]
        elif kind == 5:
            size = int(rng.integers(1, 512))
            out[at:at] = out[at:at + size] * int(rng.integers(1, 4))
        else:
            _replace_number(out, at, rng)
    return bytes(out)


def _replace_number(out: bytearray, at: int, rng: np.random.Generator) -> None:
    """Replace the run of digits at or after `at` with an absurd token."""
    digits = b"0123456789"
    start = next((i for i in range(at, min(len(out), at + 4096)) if out[i] in digits), None)
    if start is None:
        return
    end = start
    while end < len(out) and out[end] in digits:
        end += 1
    out[start:end] = _NUMBER_TOKENS[int(rng.integers(0, len(_NUMBER_TOKENS)))]


def inputs(count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """`count` mutated inputs, cycling through the seeds (deterministic for `seed`)."""
    pool = seeds()
    names = sorted(pool)
    for i in range(count):
        name = names[i % len(names)]
        rng = np.random.default_rng([seed, i])
        yield f"{name}#{i}", mutate(pool[name], rng)


@dataclass
class Outcome:
    """What reading one input did."""

    name: str
    status: str  # read, refused, internal, hang, crashed
    seconds: float
    peak_mb: float = math.nan
    impossible: list[str] = field(default_factory=list)
    message: str = ""


def impossible_values(summary: dict) -> list[str]:
    """What in an activity about to be stored no real activity can be."""
    found = []
    for column in NUMERIC:
        value = summary.get(column)
        if isinstance(value, float) and math.isinf(value):
            found.append(f"{column} infinite")
    distance, elapsed = summary.get("distance_m"), summary.get("elapsed_time_s")
    if distance is not None and distance == distance and not 0 <= distance <= MAX_DISTANCE_M:
        found.append(f"distance {distance:.0f} m")
    if elapsed is not None and elapsed == elapsed and not 0 <= elapsed <= MAX_ELAPSED_S:
        found.append(f"elapsed {elapsed:.0f} s")
    start = summary.get("start_time")
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    if start is not None and not pd.isna(start) and not EARLIEST <= start <= latest:
        found.append(f"start {start}")
    return found


def _read_one(send: Connection, name: str, data: bytes) -> None:
    """In the worker: read the input under the memory limit and report what happened."""
    from analysis.ingest.sandbox import limit_memory

    limit_memory(MEMORY_MB)
    started = time.perf_counter()
    try:
        results = list(read_sources([(name.rsplit("/", 1)[-1], data)], ReadOptions(workers=1)))
    except BaseException as exc:  # the harness must see everything, also MemoryError
        send.send(("internal", f"{type(exc).__name__}: {exc}", [], time.perf_counter() - started,
                   _peak_mb()))
        return
    errors = [r.error for r in results if r.error]
    internal = [e for e in errors if "internal error" in e]
    impossible = [f"{r.file}: {problem}" for r in results for a in r.activities
                  for problem in impossible_values(a.summary)]
    status = "internal" if internal else ("read" if any(r.activities for r in results)
                                          else "refused")
    send.send((status, "; ".join(internal or errors)[:300], impossible,
               time.perf_counter() - started, _peak_mb()))


def _peak_mb() -> float:
    """This worker's peak resident memory in MiB: it read one input only (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(items: Iterator[tuple[str, bytes]], parallel: int = 2) -> Iterator[Outcome]:
    """Read every input in its own fresh worker, `parallel` at a time; a worker taking
    longer than HANG_S is killed and its input counted as a hang."""
    running: dict[Connection, tuple[str, BaseProcess, float]] = {}
    items = iter(items)
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < parallel:
            item = next(items, None)
            if item is None:
                exhausted = True
                break
            receive, send = Pipe(duplex=False)
            process = worker_process(_read_one, (send, *item), "analysis.ingest.runner")
            process.start()
            send.close()
            running[receive] = (item[0], process, time.monotonic())
        if not running:
            break
        oldest = min(started for _, _, started in running.values())
        ready = wait(list(running), timeout=max(0.0, oldest + HANG_S - time.monotonic()))
        for receive in ready:
            name, process, _ = running.pop(receive)
            yield _finish(name, receive, process)
        for receive, (name, process, started) in list(running.items()):
            if time.monotonic() - started > HANG_S:
                process.kill()
                process.join()
                del running[receive]
                receive.close()
                yield Outcome(name, "hang", time.monotonic() - started)


def _finish(name: str, receive: Connection, process: BaseProcess) -> Outcome:
    try:
        status, message, impossible, seconds, peak_mb = receive.recv()
    except EOFError:
        return Outcome(name, "crashed", math.nan, message="the worker died")
    finally:
        receive.close()
        process.join()
    return Outcome(name, status, seconds, peak_mb, impossible, message)


@dataclass
class Figures:
    """Totals of a fuzz run, as the issue asks for them."""

    inputs: int = 0
    statuses: Counter = field(default_factory=Counter)
    impossible: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    peak_mb: float = 0.0
    slowest_s: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.inputs += 1
        self.statuses[outcome.status] += 1
        self.impossible += [f"{outcome.name}: {p}" for p in outcome.impossible]
        if outcome.status in ("internal", "crashed"):
            self.internal.append(f"{outcome.name}: {outcome.message}")
        if outcome.status == "hang":
            self.hangs.append(outcome.name)
        if outcome.peak_mb == outcome.peak_mb:
            self.peak_mb = max(self.peak_mb, outcome.peak_mb)
        if outcome.seconds == outcome.seconds:
            self.slowest_s = max(self.slowest_s, outcome.seconds)
