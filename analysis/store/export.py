"""One athlete's whole record as one zip: every table as CSV and as Parquet.

Members: athlete.json (name, time zone, units, settings), columns.csv (the data
dictionary), activities, samples (one row per sample, with its activity_id), pain and
import_log, each as .csv and .parquet. Samples are streamed activity by activity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import time
import zipfile
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.safetext import csv_text
from analysis.schema import ACTIVITY_COLUMNS, PAIN_COLUMNS, SAMPLE_COLUMNS, conform_samples

if TYPE_CHECKING:
    from analysis.store.repository import Athlete

SAMPLE_EXPORT_COLUMNS = ["activity_id", *(c.name for c in SAMPLE_COLUMNS)]


def data_dictionary() -> pd.DataFrame:
    """table, column, dtype and meaning of every canonical column in the export."""
    rows = [(table, c.name, c.dtype, c.description)
            for table, columns in (("activities", ACTIVITY_COLUMNS), ("samples", SAMPLE_COLUMNS),
                                   ("pain", PAIN_COLUMNS))
            for c in columns]
    rows.insert(len(ACTIVITY_COLUMNS), ("samples", "activity_id", "string",
                                        "Activity the sample belongs to."))
    return pd.DataFrame(rows, columns=["table", "column", "dtype", "description"])


def _no_samples() -> pd.DataFrame:
    return conform_samples(pd.DataFrame()).assign(
        activity_id=pd.Series(dtype="string"))[SAMPLE_EXPORT_COLUMNS]


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="zstd")
    return buffer.getvalue()


def write_export(stream: IO[bytes], athlete: Athlete, tables: dict[str, pd.DataFrame],
                 samples: Iterable[tuple[str, pd.DataFrame]]) -> None:
    """Write the zip to `stream`: `tables` by name, and (activity_id, samples) pairs."""
    about = {**dataclasses.asdict(athlete), "exported_at": dt.datetime.now(dt.UTC).isoformat()}
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("athlete.json", json.dumps(about, indent=2, ensure_ascii=False))
        archive.writestr("columns.csv", csv_text(data_dictionary()))
        for name, frame in tables.items():
            archive.writestr(f"{name}.csv", csv_text(frame))
            archive.writestr(f"{name}.parquet", _parquet(frame))
        parquet = io.BytesIO()
        writer: pq.ParquetWriter | None = None
        member = zipfile.ZipInfo("samples.csv", time.localtime()[:6])  # not 1980-01-01
        member.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(member, "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as csv_out:
            for activity_id, frame in samples:
                frame = frame.assign(activity_id=activity_id)[SAMPLE_EXPORT_COLUMNS]
                csv_out.write(csv_text(frame, header=writer is None))
                table = pa.Table.from_pandas(frame, preserve_index=False)
                writer = writer or pq.ParquetWriter(parquet, table.schema, compression="zstd")
                writer.write_table(table)
            if writer is None:
                csv_out.write(csv_text(_no_samples()))
        if writer is None:
            archive.writestr("samples.parquet", _parquet(_no_samples()))
        else:
            writer.close()
            archive.writestr("samples.parquet", parquet.getvalue())
