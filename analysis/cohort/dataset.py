"""The cohort dataset on disk: partitioned Parquet, one file per runner in each partition.

OUTDIR/<partition>/<pseudonym>.parquet for the partitions in PARTITIONS (every file has a
`runner` column holding the pseudonym), OUTDIR/manifest.json describing the build, and
OUTDIR/_state/<pseudonym>.json marking a runner as finished (written last, so a killed
build redoes only unfinished runners). Files are written to a temporary name and renamed,
so a reader never sees half a file. Readers use pyarrow and load only the columns asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.schema import Column
from analysis.stats.export import RUNNER, TABLES
from analysis.stats.nof1 import EXPOSURES

STATE = "_state"
MANIFEST = "manifest.json"
DICTIONARY = "data_dictionary.csv"
DATASET_VERSION = 2  # 2: minutes, trimp and new_shoes in daily, weekly and panel

ACTIVITIES = (
    RUNNER,
    Column("date", "date", "Local calendar day of the start (shifted like every date)."),
    Column("sport", "string", "Canonical sport (run, trail_run, treadmill_run, walk, …)."),
    Column("distance_m", "float64", "Distance, metres, rounded to 10 m."),
    Column("moving_time_s", "float64", "Moving time, seconds, rounded to 1 s."),
    Column("elapsed_time_s", "float64", "Elapsed time, seconds, rounded to 1 s."),
    Column("elevation_gain_m", "float64", "Climb, metres, rounded to 1 m."),
    Column("elevation_loss_m", "float64", "Descent, metres, rounded to 1 m."),
    Column("avg_cadence_spm", "float64", "Mean cadence, steps per minute, rounded to 1."),
    Column("avg_heart_rate_bpm", "float64", "Mean heart rate, beats per minute, rounded to 1."),
)
FILES = (
    RUNNER,
    Column("file_no", "int64", "Position of the file in the runner's export (0, 1, …; the "
           "pain diary is -1). File names are not kept."),
    Column("kind", "string", "'activity file' or 'pain diary'."),
    Column("format", "string", "File type by its suffix (gpx, fit, csv, …)."),
    Column("status", "string", "ok (gave a new activity), duplicate (the same content as an "
           "earlier file, or only outings an earlier file gave, e.g. one run as FIT and GPX), "
           "empty (no activities) or failed — as `kneeload ingest` logs it."),
    Column("activities", "int64", "Activities the file gave."),
    Column("error", "string", "Why the file failed (file names removed); empty when ok."),
)
PANEL = (
    RUNNER,
    Column("week_start", "date", "Monday of week w (shifted like every date)."),
    Column("start", "float64", "Days from the runner's first week to the start of week w."),
    Column("stop", "float64", "End of the week's time at risk (onset day + 1 with a flare)."),
    Column("pain", "float64", "Mean daily worst pain of week w (≥ 4 diary days)."),
    Column("flare", "bool", "A flare began in week w."),
    Column("at_risk", "bool", "Week w starts outside a flare episode and has ≥ 4 diary days."),
    *(Column(name, "float64", f"{name} of week w − 1.") for name in EXPOSURES),
)
PARTITIONS: dict[str, tuple[Column, ...]] = {
    "activities": ACTIVITIES, "files": FILES, "panel": PANEL, **TABLES}

_ARROW = {"string": pa.string(), "date": pa.date32(), "float64": pa.float64(),
          "int64": pa.int64(), "bool": pa.bool_()}


def schema(partition: str) -> pa.Schema:
    """The Arrow schema every file of `partition` has (so files with empty columns agree)."""
    return pa.schema([(c.name, _ARROW[c.dtype]) for c in PARTITIONS[partition]])


def _write_atomic(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    write(partial)
    partial.replace(path)


def write_runner(outdir: Path, runner: str, tables: dict[str, pd.DataFrame]) -> None:
    """One runner's file in each partition, then their state (last: it marks them done)."""
    for partition in PARTITIONS:
        frame = tables[partition]
        table = pa.Table.from_pandas(frame[[c.name for c in PARTITIONS[partition]]],
                                     schema=schema(partition), preserve_index=False)
        _write_atomic(outdir / partition / f"{runner}.parquet",
                      lambda path, table=table: pq.write_table(table, path))


def write_state(outdir: Path, runner: str, state: dict[str, Any]) -> None:
    """Mark `runner` as built from inputs with `state['fingerprint']`."""
    _write_atomic(outdir / STATE / f"{runner}.json",
                  lambda path: path.write_text(json.dumps(state, sort_keys=True)))


def read_state(outdir: Path, runner: str) -> dict[str, Any] | None:
    """The state of a finished runner, or None (never built, or interrupted)."""
    try:
        return json.loads((outdir / STATE / f"{runner}.json").read_text())
    except (OSError, ValueError):
        return None


def remove_others(outdir: Path, keep: set[str]) -> int:
    """Delete the files of runners not in `keep` (left the manifest, or another salt);
    returns how many runners went."""
    gone = set()
    for folder in [STATE, *PARTITIONS]:
        for path in (outdir / folder).glob("*"):
            if path.stem not in keep:
                path.unlink()
                gone.add(path.stem)
    return len(gone)


def write_manifest(outdir: Path, payload: dict[str, Any]) -> None:
    """OUTDIR/manifest.json (sorted keys, so equal builds give equal files) and
    OUTDIR/data_dictionary.csv (every partition's columns, described)."""
    dictionary = pd.DataFrame([{"partition": name, "column": c.name, "type": c.dtype,
                                "description": c.description}
                               for name, columns in PARTITIONS.items() for c in columns])
    _write_atomic(outdir / DICTIONARY, lambda path: dictionary.to_csv(path, index=False))
    _write_atomic(outdir / MANIFEST, lambda path: path.write_text(
        json.dumps({"dataset_version": DATASET_VERSION, **payload}, indent=2,
                   sort_keys=True) + "\n"))


def read_manifest_json(outdir: str | Path) -> dict[str, Any]:
    """OUTDIR/manifest.json; ValueError naming the folder when it is not a cohort dataset."""
    path = Path(outdir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except OSError:
        raise ValueError(f"{outdir}: not a cohort dataset (no {MANIFEST}; build one with "
                         "`kneeload cohort build`)") from None


def read_partition(outdir: str | Path, partition: str,
                   columns: list[str] | None = None) -> pd.DataFrame:
    """One partition of every runner as one frame (only `columns`, if given), sorted by
    the pseudonym; dates as datetime64."""
    wanted = schema(partition)
    if columns is not None:
        wanted = pa.schema([wanted.field(name) for name in columns])
    # One file at a time through pyarrow.parquet: pyarrow.dataset would reserve about 1 GB
    # of address space in the dashboard, which the reader sandbox's memory limit counts.
    tables = [pq.read_table(path, columns=wanted.names).cast(wanted)
              for path in sorted((Path(outdir) / partition).glob("*.parquet"))]
    frame = (pa.concat_tables(tables) if tables else wanted.empty_table()).to_pandas()
    for column in PARTITIONS[partition]:
        if column.dtype == "date" and column.name in frame:
            frame[column.name] = pd.to_datetime(frame[column.name])
    who = PARTITIONS[partition][0].name  # the pseudonym ('ID' in acwr_load)
    return (frame.sort_values(who, kind="stable") if who in frame else frame
            ).reset_index(drop=True)


def is_dataset(path: str | Path) -> bool:
    """True for a folder holding a cohort dataset."""
    return (Path(path) / MANIFEST).is_file()
