"""FIT activity files, decoded with numpy.

A first pass walks the message headers (one cheap step per message) and notes where every
wanted message starts; a second pass decodes each message definition's fields for all its
messages at once. Chained files, compressed timestamps, developer fields and both byte orders
are handled; a truncated or CRC-broken file is read as far as it is valid, with a warning.
Checked against fitdecode on every shared sample (tests/ingest/test_fit.py).
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.ingest.errors import IngestError
from analysis.ingest.fitcrc import fit_crc
from analysis.ingest.fitsessions import (
    Session,
    assign_records,
    drop_repeated_records,
    unique_sessions,
)
from analysis.ingest.model import RawTrack

FIT_EPOCH_S = 631_065_600  # 1989-12-31T00:00:00Z
# date_time values below this count seconds from when the device was switched on (profile).
SYSTEM_TIME_BELOW = 0x10000000
SEMICIRCLE_DEG = 180.0 / 2**31

# Base type number (low 5 bits of the base type byte) -> numpy type and its invalid value.
_BASE: dict[int, tuple[str, float]] = {
    0: ("u1", 0xFF), 1: ("i1", 0x7F), 2: ("u1", 0xFF), 3: ("i2", 0x7FFF), 4: ("u2", 0xFFFF),
    5: ("i4", 0x7FFFFFFF), 6: ("u4", 0xFFFFFFFF), 7: ("S1", 0), 8: ("f4", np.nan),
    9: ("f8", np.nan), 10: ("u1", 0), 11: ("u2", 0), 12: ("u4", 0), 13: ("u1", 0xFF),
    14: ("i8", 0x7FFFFFFFFFFFFFFF), 15: ("u8", 0xFFFFFFFFFFFFFFFF), 16: ("u8", 0),
}

# Wanted messages: global number -> (name, {field number: (field name, scale, offset)}).
_MESSAGES: dict[int, tuple[str, dict[int, tuple[str, float, float]]]] = {
    0: ("file_id", {0: ("type", 1, 0), 1: ("manufacturer", 1, 0), 2: ("product", 1, 0),
                    4: ("time_created", 1, 0), 8: ("product_name", 1, 0)}),
    12: ("sport", {0: ("sport", 1, 0), 1: ("sub_sport", 1, 0), 3: ("name", 1, 0)}),
    18: ("session", {253: ("timestamp", 1, 0), 2: ("start_time", 1, 0), 5: ("sport", 1, 0),
                     6: ("sub_sport", 1, 0), 7: ("total_elapsed_time", 1000, 0),
                     8: ("total_timer_time", 1000, 0), 9: ("total_distance", 100, 0),
                     10: ("total_cycles", 1, 0), 16: ("avg_heart_rate", 1, 0),
                     17: ("max_heart_rate", 1, 0), 18: ("avg_cadence", 1, 0),
                     92: ("avg_fractional_cadence", 128, 0), 22: ("total_ascent", 1, 0),
                     23: ("total_descent", 1, 0)}),
    19: ("lap", {253: ("timestamp", 1, 0), 2: ("start_time", 1, 0),
                 7: ("total_elapsed_time", 1000, 0), 9: ("total_distance", 100, 0),
                 25: ("sport", 1, 0), 39: ("sub_sport", 1, 0)}),
    20: ("record", {253: ("timestamp", 1, 0), 0: ("position_lat", 1, 0),
                    1: ("position_long", 1, 0), 2: ("altitude", 5, 500),
                    78: ("enhanced_altitude", 5, 500), 3: ("heart_rate", 1, 0),
                    4: ("cadence", 1, 0), 53: ("fractional_cadence", 128, 0),
                    5: ("distance", 100, 0)}),
    34: ("activity", {253: ("timestamp", 1, 0), 5: ("local_timestamp", 1, 0)}),
    162: ("timestamp_correlation", {253: ("timestamp", 1, 0), 1: ("system_timestamp", 1, 0),
                                    3: ("local_timestamp", 1, 0)}),
}

SPORTS = {
    0: "generic", 1: "running", 2: "cycling", 3: "transition", 4: "fitness_equipment",
    5: "swimming", 10: "training", 11: "walking", 12: "cross_country_skiing",
    13: "alpine_skiing", 15: "rowing", 16: "mountaineering", 17: "hiking", 18: "multisport",
    19: "paddling", 21: "e_biking", 30: "inline_skating", 35: "snowshoeing",
}
SUB_SPORTS = {
    0: "generic", 1: "treadmill", 2: "street", 3: "trail", 4: "track", 6: "indoor_cycling",
    7: "road", 8: "mountain", 14: "indoor_rowing", 15: "elliptical", 17: "lap_swimming",
    18: "open_water", 27: "indoor_walking", 30: "casual_walking", 31: "speed_walking",
    45: "indoor_running", 46: "gravel_cycling", 58: "virtual_activity", 67: "ultra",
}
MANUFACTURERS = {
    1: "Garmin", 23: "Suunto", 32: "Wahoo", 37: "Magellan", 70: "Sigma", 95: "Stryd",
    123: "Polar", 255: "development", 260: "Zwift", 265: "Strava", 267: "Bryton",
    289: "Hammerhead", 294: "COROS",
}
_TEXT_FIELDS = {"product_name", "name"}  # the wanted fields the FIT profile types as strings
# File types as the FIT profile names them (Profile.xlsx, type `file`).
FILE_TYPES = {1: "device", 2: "settings", 3: "sport", 4: "activity", 5: "workout", 6: "course",
              7: "schedules", 9: "weight", 10: "totals", 11: "goals", 14: "blood_pressure",
              15: "monitoring_a", 20: "activity_summary", 28: "monitoring_daily",
              32: "monitoring_b", 34: "segment", 35: "segment_list", 40: "exd_configuration"}
TRANSITION = 3


@dataclass
class _Definition:
    """A message definition and the positions of the wanted messages that use it."""

    global_num: int
    size: int
    big_endian: bool
    fields: list[tuple[int, int, int, int]]  # (field number, offset, size, base type)
    timestamp_at: int | None  # offset of field 253 when it is a 4-byte value
    starts: list[int] = field(default_factory=list)
    sequence: list[int] = field(default_factory=list)
    compressed_times: list[float] = field(default_factory=list)


@dataclass
class _Scan:
    """Result of walking the file: wanted definitions and what went wrong."""

    definitions: list[_Definition] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    damaged: bool = False  # stopped before the end of the data


def _parse_definition(buf: bytes, pos: int, header: int, end: int
                      ) -> tuple[_Definition, int] | None:
    """Definition message starting at `pos` (after its header byte); returns it and its end,
    or None when its field list runs past `end` (a cut or damaged file)."""
    if pos + 5 > end:
        return None
    big_endian = buf[pos + 1] == 1
    global_num = struct.unpack_from(">H" if big_endian else "<H", buf, pos + 2)[0]
    count = buf[pos + 4]
    dev_at = pos + 5 + 3 * count  # where the developer field count sits, if any
    if dev_at > end:
        return None
    if header & 0x20 and (dev_at >= end or dev_at + 1 + 3 * buf[dev_at] > end):
        return None
    fields = []
    offset = 0
    timestamp_at = None
    p = pos + 5
    for _ in range(count):
        num, size, base = buf[p], buf[p + 1], buf[p + 2]
        fields.append((num, offset, size, base & 0x1F))
        if num == 253 and size == 4:
            timestamp_at = offset
        offset += size
        p += 3
    if header & 0x20:  # developer fields: only their sizes matter here
        dev_count = buf[p]
        p += 1
        for _ in range(dev_count):
            offset += buf[p + 1]
            p += 3
    return _Definition(global_num, offset, big_endian, fields, timestamp_at), p


def _scan(name: str, buf: bytes) -> _Scan:
    """Walk every chained FIT file in `buf`, noting where wanted messages start."""
    scan = _Scan()
    pos = 0
    sequence = 0
    last_time = 0
    while pos + 12 <= len(buf):
        header_size = buf[pos]
        if header_size not in (12, 14) or buf[pos + 8:pos + 12] != b".FIT":
            if pos == 0:
                raise IngestError(name, "not a FIT file (no FIT header)")
            scan.warnings.append(f"ignored {len(buf) - pos} bytes after the last FIT file")
            break
        data_size = struct.unpack_from("<I", buf, pos + 4)[0]
        start = pos + header_size
        end = start + data_size
        if end + 2 > len(buf):
            scan.warnings.append(f"file ends early (cut at byte {len(buf)} of {end + 2}); "
                                 "read what is there")
            scan.damaged = True
            end = len(buf)
        elif fit_crc(memoryview(buf)[pos:end]) != struct.unpack_from("<H", buf, end)[0]:
            scan.warnings.append("checksum (CRC) does not match; the data may be damaged")
        local: dict[int, _Definition | None] = {}
        p = start
        while p < end:
            header = buf[p]
            if header & 0x40 and not header & 0x80:  # definition message
                parsed = _parse_definition(buf, p + 1, header, end)
                if parsed is None:
                    scan.warnings.append(f"file ends inside a definition at byte {p}")
                    scan.damaged = True
                    break
                definition, p = parsed
                if definition.global_num in _MESSAGES:
                    scan.definitions.append(definition)
                    local[header & 0x0F] = definition
                else:
                    local[header & 0x0F] = _Definition(definition.global_num, definition.size,
                                                       definition.big_endian, [],
                                                       definition.timestamp_at)
                continue
            compressed = bool(header & 0x80)
            number = (header >> 5) & 0x03 if compressed else header & 0x0F
            definition = local.get(number)
            if definition is None:
                scan.warnings.append(f"stopped at byte {p}: message type {number} used before "
                                     "it was defined (damaged or cut file)")
                scan.damaged = True
                break
            body = p + 1
            if body + definition.size > end:
                scan.warnings.append(f"file ends inside a message at byte {p}")
                scan.damaged = True
                break
            if compressed:
                offset = header & 0x1F
                last_time = (last_time & ~0x1F) + offset + (0x20 if offset < last_time & 0x1F
                                                            else 0)
            elif definition.timestamp_at is not None:
                fmt = ">I" if definition.big_endian else "<I"
                value = struct.unpack_from(fmt, buf, body + definition.timestamp_at)[0]
                if value != 0xFFFFFFFF:
                    last_time = value
            if definition.fields:
                definition.starts.append(body)
                definition.sequence.append(sequence)
                definition.compressed_times.append(float(last_time) if compressed else np.nan)
            sequence += 1
            p = body + definition.size
        if scan.damaged:
            break
        pos = end + 2
    return scan


def _decode(buf: bytes, scan: _Scan, global_num: int) -> dict[str, np.ndarray]:
    """All messages of one global number as arrays (scaled, invalid values as NaN), in file
    order; string fields come back as arrays of Python strings."""
    _, wanted = _MESSAGES[global_num]
    parts: list[dict[str, np.ndarray]] = []
    raw = np.frombuffer(buf, dtype=np.uint8)
    for definition in scan.definitions:
        if definition.global_num != global_num or not definition.starts:
            continue
        starts = np.asarray(definition.starts)
        block = raw[starts[:, None] + np.arange(definition.size)]
        columns: dict[str, np.ndarray] = {"_seq": np.asarray(definition.sequence, float)}
        for num, offset, size, base in definition.fields:
            if num not in wanted or base not in _BASE:
                continue
            fname, scale, shift = wanted[num]
            kind, invalid = _BASE[base]
            if kind == "S1":
                if fname in _TEXT_FIELDS:  # a string anywhere else is a damaged definition
                    texts = [bytes(row).split(b"\0")[0] for row in block[:, offset:offset + size]]
                    columns[fname] = np.array([t.decode("utf-8", "replace") for t in texts])
                continue
            dtype = np.dtype(kind).newbyteorder(">" if definition.big_endian else "<")
            if size < dtype.itemsize:
                continue
            values = np.ascontiguousarray(block[:, offset:offset + dtype.itemsize]).view(dtype)
            values = values[:, 0]
            out = values.astype(float)
            if invalid == invalid:  # integer types: sentinel means "no value"
                out[values == invalid] = np.nan
            columns[fname] = out / scale - shift
        if 253 in wanted:  # compressed-header messages carry their time in the header
            compressed = np.asarray(definition.compressed_times)
            stamped = columns.get("timestamp", np.full(len(compressed), np.nan))
            columns["timestamp"] = np.where(np.isnan(compressed), stamped, compressed)
        parts.append(columns)
    return _merge(parts)


def _merge(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate per-definition columns (missing ones as NaN) and sort by file order."""
    if not parts:
        return {}
    names = {name for part in parts for name in part}
    merged = {}
    for name in names:
        pieces = []
        for part in parts:
            n = len(part["_seq"])
            pieces.append(part[name] if name in part else np.full(n, np.nan))
        merged[name] = np.concatenate([np.asarray(p, dtype=object if p.dtype.kind == "U"
                                                  else float) for p in pieces])
    order = np.argsort(merged["_seq"], kind="stable")
    return {name: values[order] for name, values in merged.items()}


def _first(table: dict[str, np.ndarray], name: str, default: float = np.nan) -> float:
    values = table.get(name)
    if values is None:
        return default
    finite = [v for v in values if isinstance(v, float) and v == v]
    return finite[0] if finite else default


def decode_records(name: str, data: bytes) -> tuple[dict[str, np.ndarray], list[str]]:
    """Every record message as scaled columns in file order (no joining), and warnings."""
    buf = bytes(data)
    scan = _scan(name, buf)
    records = _decode(buf, scan, 20)
    records.pop("_seq", None)
    return records, scan.warnings


def read_fit(name: str, data: bytes) -> list[RawTrack]:
    """One RawTrack per session (transitions skipped), records split by session boundaries."""
    buf = bytes(data)
    scan = _scan(name, buf)
    file_id = _decode(buf, scan, 0)
    file_type = _first(file_id, "type")
    if file_type == file_type and int(file_type) != 4:
        kind = FILE_TYPES.get(int(file_type), f"type {int(file_type)}")
        raise IngestError(name, f"a FIT {kind} file, not an activity")
    warnings = list(scan.warnings)
    records = drop_repeated_records(_join_same_time(_decode(buf, scan, 20)), warnings)
    summaries = _decode(buf, scan, 18)
    if not records and not summaries:
        raise IngestError(name, "no activity records in this FIT file")
    activity = _decode(buf, scan, 34)
    clock = _system_clock(records, file_id, activity, _decode(buf, scan, 162), warnings)
    for table in (records, summaries, activity):
        clock.apply(table)
    offset = clock.offset_min
    local = _first(activity, "local_timestamp")
    stamp = _first(activity, "timestamp")
    if offset is None and not clock.local and local == local and stamp == stamp and abs(
            local - stamp) <= 14 * 3600:
        offset = (local - stamp) / 60
    device = _device(file_id)
    sessions = unique_sessions(_sessions(summaries, _decode(buf, scan, 12), records, warnings),
                               warnings)
    assign_records(sessions, records)
    tracks = []
    for index, session in enumerate(sessions):
        if session.values.get("sport") == TRANSITION:
            continue
        suffix = f"-s{index + 1}" if len(sessions) > 1 else ""
        track = _track(name, records, session, device, offset, suffix, warnings)
        track.incomplete = scan.damaged
        track.times_are_local = clock.local
        tracks.append(track)
    if not tracks:
        raise IngestError(name, "the FIT file holds only transitions, no activity")
    return tracks


@dataclass
class _Clock:
    """How system-relative timestamps (below SYSTEM_TIME_BELOW) become absolute: seconds
    to add, and whether that gives local wall-clock time rather than UTC."""

    shift: float = 0.0  # NaN: nothing dates them, they stay unknown (never 1990)
    local: bool = False
    offset_min: float | None = None  # local offset the dating message states

    def apply(self, table: dict[str, np.ndarray]) -> None:
        """Shift the relative values of every time field of `table` in place."""
        if self.shift == 0:
            return
        for fname in ("timestamp", "start_time"):
            values = table.get(fname)
            if values is not None:
                table[fname] = np.where(values < SYSTEM_TIME_BELOW, values + self.shift, values)


def _absolute(value: float) -> bool:
    """A FIT date_time that is a real date (not system time, not in the future)."""
    return value == value and SYSTEM_TIME_BELOW <= value <= time.time() - FIT_EPOCH_S + 2 * 86400


def _system_clock(records: dict[str, np.ndarray], file_id: dict[str, np.ndarray],
                  activity: dict[str, np.ndarray], correlation: dict[str, np.ndarray],
                  warnings: list[str]) -> _Clock:
    """Date system-relative record times (as an FR70 writes them) from the file's own
    absolute time: timestamp_correlation (UTC), else the activity's local_timestamp (local
    wall-clock), else file_id.time_created (UTC, taken as the first record's time)."""
    times = records.get("timestamp", np.empty(0))
    times = times[np.isfinite(times)]
    if len(times) == 0 or times.min() >= SYSTEM_TIME_BELOW:
        return _Clock()
    utc, system = _first(correlation, "timestamp"), _first(correlation, "system_timestamp")
    local, stamp = _first(activity, "local_timestamp"), _first(activity, "timestamp")
    created = _first(file_id, "time_created")
    said = "record times count from when the device was switched on; dated by the file's "
    if _absolute(utc) and system == system and system < SYSTEM_TIME_BELOW:
        warnings.append(said + "timestamp_correlation")
        clock = _Clock(utc - system)
        local_utc = _first(correlation, "local_timestamp")
        if _absolute(local) and stamp == stamp and stamp < SYSTEM_TIME_BELOW:
            local_utc, utc = local, stamp + clock.shift
        if _absolute(local_utc) and abs(local_utc - utc) <= 14 * 3600:
            clock.offset_min = (local_utc - utc) / 60
        return clock
    if _absolute(local) and stamp == stamp and stamp < SYSTEM_TIME_BELOW:
        warnings.append(said + "activity local_timestamp (local time)")
        return _Clock(local - stamp, local=True)
    if _absolute(created):
        warnings.append(said + "file_id time_created, taken as the first record's time")
        return _Clock(created - times.min())
    warnings.append("record times count from when the device was switched on and the file "
                    "states no absolute time to date them")
    return _Clock(np.nan)


def _join_same_time(records: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One record per timestamp: some writers (Strava's app) split a second's fields over
    two record messages, which would otherwise look like zero-length intervals."""
    times = records.get("timestamp")
    if times is None or not (np.diff(times) == 0).any():
        return records
    frame = pd.DataFrame(records)
    run = np.r_[0, np.cumsum(np.diff(times) != 0)]
    joined = frame.groupby(run, sort=False).first()
    return {name: joined[name].to_numpy(float) for name in joined.columns}


def _device(file_id: dict[str, np.ndarray]) -> str | None:
    names = [n for n in file_id.get("product_name", []) if isinstance(n, str) and n]
    if names:
        return names[0]
    maker = _first(file_id, "manufacturer")
    if maker != maker:
        return None
    product = _first(file_id, "product")
    label = MANUFACTURERS.get(int(maker), f"manufacturer {int(maker)}")
    return f"{label} product {int(product)}" if product == product else label


def _sessions(sessions: dict[str, np.ndarray], sport: dict[str, np.ndarray],
              records: dict[str, np.ndarray], warnings: list[str]) -> list[dict[str, float]]:
    """Session summaries; a file cut before its session message gets one from its records."""
    if sessions:
        count = len(sessions["_seq"])
        return [{k: float(v[i]) for k, v in sessions.items() if v.dtype != object}
                for i in range(count)]
    warnings.append("no session summary in the file (recording cut short?); built from records")
    times = records["timestamp"]
    finite = times[np.isfinite(times)]
    return [{
        "start_time": float(finite.min()) if len(finite) else np.nan,
        "timestamp": float(finite.max()) if len(finite) else np.nan,
        "sport": _first(sport, "sport"),
        "sub_sport": _first(sport, "sub_sport"),
    }]


def _track(name: str, records: dict[str, np.ndarray], session: Session,
           device: str | None, offset: float | None, suffix: str,
           warnings: list[str]) -> RawTrack:
    """RawTrack of one session and the records assigned to it."""
    values = session.values
    start = session.start
    n = session.records.stop - session.records.start
    if n == 0:  # a session without records keeps its own summary values
        records, rows = {"timestamp": np.array([start])}, slice(0, 1)
    else:
        rows = session.records

    def col(fname: str) -> np.ndarray:
        column = records.get(fname)
        return column[rows].astype(float) if column is not None else np.full(
            rows.stop - rows.start, np.nan)

    times = col("timestamp")
    if np.isfinite(times).any():
        start = np.nanmin([start, np.nanmin(times)])
    elapsed = values.get("total_elapsed_time", np.nan)
    if start == start and np.isfinite(times).any():  # records written after the stated end
        elapsed = np.nanmax([elapsed, np.nanmax(times) - start])
    altitude = col("enhanced_altitude")
    altitude = np.where(np.isfinite(altitude), altitude, col("altitude"))
    fractional = col("fractional_cadence")
    has_fraction = bool(np.isfinite(fractional).any())
    cadence = col("cadence") + np.nan_to_num(fractional)
    distance = col("distance") - session.distance_base
    sport = values.get("sport", np.nan)
    sub = values.get("sub_sport", np.nan)
    return RawTrack(
        source_file=name,
        source_format="fit",
        t=times + FIT_EPOCH_S,
        lat=col("position_lat") * SEMICIRCLE_DEG,
        lon=col("position_long") * SEMICIRCLE_DEG,
        elevation=altitude,
        heart_rate=col("heart_rate"),
        cadence=cadence,
        distance=distance if np.isfinite(distance).any() else None,
        sport_raw=SPORTS.get(int(sport), f"sport {int(sport)}") if sport == sport else None,
        sub_sport_raw=SUB_SPORTS.get(int(sub)) if sub == sub else None,
        device=device,
        cadence_source="fit:record.cadence+fractional_cadence" if has_fraction
        else "fit:record.cadence",
        elevation_source="device",
        file_offset_min=offset,
        start_time=start + FIT_EPOCH_S if start == start else None,
        elapsed_time_s=elapsed if elapsed == elapsed else None,
        summary_distance_m=values.get("total_distance"),
        timer_time_s=values.get("total_timer_time"),
        id_suffix=suffix,
        warnings=list(warnings),
    )
