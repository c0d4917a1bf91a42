"""One activity's samples as one compact blob: a Parquet file in memory.

Columnar, zstd-compressed; time as int64 milliseconds (delta-encoded), lat/lon float64,
the other streams float32 (7 significant digits: millimetres over a marathon, exact for
whole-number heart rates and half-step cadences). An hour at 1 s is about 60 kB and
decodes in about a millisecond.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = "parquet-v1"  # stored with each blob, so a later layout can be told apart
ARROW_SCHEMA = pa.schema([
    ("time", pa.timestamp("ms", tz="UTC")),
    ("lat", pa.float64()),
    ("lon", pa.float64()),
    ("elevation_m", pa.float32()),
    ("distance_m", pa.float32()),
    ("cadence_spm", pa.float32()),
    ("heart_rate_bpm", pa.float32()),
])
CANONICAL_SCHEMA = pa.schema([  # what decoding hands back: schema.SAMPLE_COLUMNS' dtypes
    (f.name, pa.timestamp("ns", tz="UTC") if f.name == "time" else pa.float64())
    for f in ARROW_SCHEMA
])


def _arrow_column(samples: pd.DataFrame, field: pa.Field) -> pa.Array:
    if field.name not in samples:
        return pa.nulls(len(samples), field.type)
    values = samples[field.name]
    if field.name == "time":
        values = pd.to_datetime(values, utc=True).dt.round("ms")
    return pa.array(values, from_pandas=True).cast(field.type, safe=False)


def encode_samples(samples: pd.DataFrame) -> bytes:
    """The canonical sample columns of `samples` as Parquet bytes (others are dropped)."""
    table = pa.Table.from_arrays([_arrow_column(samples, f) for f in ARROW_SCHEMA],
                                 schema=ARROW_SCHEMA)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", use_dictionary=False,
                   use_byte_stream_split=[f.name for f in ARROW_SCHEMA if f.name != "time"],
                   column_encoding={"time": "DELTA_BINARY_PACKED"})
    return buffer.getvalue()


def decode_samples(blob: bytes) -> pd.DataFrame:
    """Samples with the canonical columns and dtypes from `encode_samples` bytes."""
    table = pq.read_table(pa.BufferReader(blob)).cast(CANONICAL_SCHEMA)
    return table.to_pandas()
