"""Write a SynthRun as a FIT activity file, with the quirks real devices have.

Besides the plain layout (file_id, timer event, records, session, activity with local time)
it reproduces what the FIT reader must cope with: compressed timestamps, big-endian
definitions, several sessions (summaries at the end, as a Fenix 2 writes them, or after
each session's records), stated session values that disagree with the records (a late
start_time, a short elapsed time), device distance that already counts metres at the first
record or runs on across sessions, pauses (timer stop/start events around a gap),
system-relative timestamps dated through an absolute anchor (activity local_timestamp,
timestamp_correlation, file_id.time_created), and chained copies of the whole file.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass

import numpy as np

from analysis.ingest.fit import FIT_EPOCH_S, SEMICIRCLE_DEG
from analysis.ingest.fitcrc import fit_crc
from analysis.synth.runs import SynthRun

_U8, _U16, _S32, _U32, _ENUM = 0x02, 0x84, 0x85, 0x86, 0x00
_FORMAT = {_U8: "B", _U16: "H", _S32: "i", _U32: "I", _ENUM: "B"}
_KINDS = {_U8: "u1", _U16: "u2", _S32: "i4", _U32: "u4"}
INVALID_U32 = 0xFFFFFFFF
PAUSE_GAP_S = 30  # a gap between samples longer than this is written as a timer pause
ANCHORS = frozenset({"local_timestamp", "correlation", "time_created"})


@dataclass(frozen=True)
class FitSession:
    """One session of a hand-built file: the samples it covers (`first` to `end`, end
    exclusive; None = to the last) and what its summary message states. Stated values
    default to the truth; set them to reproduce a device's mistakes."""

    first: int = 0
    end: int | None = None
    sport: int = 1
    sub_sport: int = 0
    start_shift_s: int = 0  # stated start_time minus the time of its first record
    elapsed_s: float | None = None  # stated total_elapsed_time (None: first to last record)
    distance_m: float | None = None  # stated total_distance (None: its last record's)
    avg_heart_rate: int | None = None  # written only when given


def _definition(local: int, global_num: int, fields: list[tuple[int, int]],
                big_endian: bool) -> bytes:
    order = ">" if big_endian else "<"
    out = struct.pack(order + "BBBHB", 0x40 | local, 0, int(big_endian), global_num,
                      len(fields))
    for num, base in fields:
        out += struct.pack("BBB", num, struct.calcsize(_FORMAT[base]), base)
    return out


def _message(local: int, fields: list[tuple[int, int]], values: list[int],
             big_endian: bool) -> bytes:
    fmt = (">" if big_endian else "<") + "".join(_FORMAT[base] for _, base in fields)
    return bytes([local]) + struct.pack(fmt, *values)


_FILE_ID = [(0, _ENUM), (1, _U16), (2, _U16), (4, _U32)]
_EVENT = [(253, _U32), (0, _ENUM), (1, _ENUM)]
_CORRELATION = [(253, _U32), (1, _U32), (3, _U32)]
_SESSION = [(253, _U32), (2, _U32), (5, _ENUM), (6, _ENUM), (7, _U32), (8, _U32), (9, _U32)]
_ACTIVITY = [(253, _U32), (0, _U32), (1, _U16), (5, _U32)]
_TIMER, _START, _STOP = 0, 0, 1


def fit_bytes(run: SynthRun, *, sport: int = 1, sub_sport: int = 0,
              local_offset_min: int | None = 60, compressed_timestamps: bool = False,
              big_endian: bool = False, fractional_cadence: bool = True,
              sessions: list[FitSession] | None = None, summaries_at_end: bool = True,
              distance_offset_m: float = 0.0, distance_resets: bool = True,
              system_time_at_start: int | None = None,
              anchors: frozenset[str] = frozenset({"local_timestamp"}),
              copies: int = 1) -> bytes:
    """FIT activity file of `run`.

    sessions: default one session of `sport`/`sub_sport` over every sample.
    distance_offset_m: device distance already counted at each session's first record;
    distance_resets: each session's distance starts again (else it runs on).
    system_time_at_start: write every timestamp as seconds since the device was switched
    on, the first record being at this value (below 0x10000000, as an FR70 writes them);
    `anchors` then says which absolute times the file carries to date them.
    copies: the whole file chained this many times (the same activity repeated).
    compressed_timestamps needs samples less than 32 s apart (no pauses).
    """
    if not anchors <= ANCHORS:
        raise ValueError(f"unknown anchors {sorted(anchors - ANCHORS)}")
    n = len(run.t)
    sessions = sessions or [FitSession(sport=sport, sub_sport=sub_sport)]
    fit_time = np.round(run.epoch_s - FIT_EPOCH_S).astype(np.int64)
    shift = 0 if system_time_at_start is None else int(fit_time[0]) - system_time_at_start
    relative = system_time_at_start is not None
    distance = _device_distance(run, sessions, distance_offset_m, distance_resets)
    start, end = int(fit_time[0]), int(fit_time[-1])
    local_offset_s = 60 * (local_offset_min or 0)

    body = _definition(0, 0, _FILE_ID, big_endian)
    created = start if not relative or "time_created" in anchors else start - shift
    body += _message(0, _FILE_ID, [4, 255, 1, created], big_endian)
    if "correlation" in anchors and relative:
        body += _definition(5, 162, _CORRELATION, big_endian)
        body += _message(5, _CORRELATION, [start, start - shift, start + local_offset_s],
                         big_endian)
    body += _definition(1, 21, _EVENT, big_endian)
    body += _message(1, _EVENT, [start - shift, _TIMER, _START], big_endian)
    record_fields = _record_fields(compressed_timestamps, fractional_cadence)
    body += _definition(2, 20, record_fields, big_endian)
    summaries = b""
    for index, session in enumerate(sessions):
        lo, hi = session.first, session.end if session.end is not None else n
        part = b""
        for a, b in _between_pauses(run.t, lo, hi):
            if a > lo:  # a pause before this stretch: the timer stopped and started again
                part += _message(1, _EVENT, [int(fit_time[a - 1]) - shift, _TIMER, _STOP],
                                 big_endian)
                part += _message(1, _EVENT, [int(fit_time[a]) - shift, _TIMER, _START],
                                 big_endian)
            part += _records(run, distance, fit_time - shift, a, b, compressed_timestamps,
                             big_endian, fractional_cadence)
        before = distance[lo - 1] if lo > 0 and not distance_resets else 0.0
        summary = _session(run, session, fit_time - shift, distance, before, lo, hi,
                           index == 0, big_endian)
        if summaries_at_end:
            body, summaries = body + part, summaries + summary
        else:
            body += part + summary
    body += summaries
    elapsed_ms = round((run.t[-1] - run.t[0]) * 1000)
    local = (end + local_offset_s if not relative or "local_timestamp" in anchors
             else INVALID_U32) if local_offset_min is not None else INVALID_U32
    body += _definition(4, 34, _ACTIVITY, big_endian)
    body += _message(4, _ACTIVITY, [end - shift, elapsed_ms, len(sessions), local], big_endian)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    data = header + body
    return (data + struct.pack("<H", fit_crc(data))) * copies


def _device_distance(run: SynthRun, sessions: list[FitSession], offset_m: float,
                     resets: bool) -> np.ndarray:
    """The cumulative distance the device writes with each record."""
    distance = run.distance + offset_m
    if resets:
        for session in sessions:
            part = slice(session.first, session.end)
            distance[part] = run.distance[part] - run.distance[session.first] + offset_m
    return distance


def _between_pauses(t: np.ndarray, lo: int, hi: int) -> list[tuple[int, int]]:
    """Stretches [a, b) of samples lo..hi-1 with no gap over PAUSE_GAP_S inside."""
    cuts = [lo, *(np.flatnonzero(np.diff(t[lo:hi]) > PAUSE_GAP_S) + lo + 1), hi]
    return [(int(a), int(b)) for a, b in itertools.pairwise(cuts)]


def _session(run: SynthRun, session: FitSession, fit_time: np.ndarray, distance: np.ndarray,
             before: float, lo: int, hi: int, define: bool, big_endian: bool) -> bytes:
    """The session summary message (with its definition when `define`); `before` is the
    device distance the session's count started from."""
    fields = list(_SESSION)
    span = run.t[hi - 1] - run.t[lo]
    gaps = np.diff(run.t[lo:hi])
    timer = span - float(gaps[gaps > PAUSE_GAP_S].sum())
    elapsed = session.elapsed_s if session.elapsed_s is not None else span
    total = session.distance_m if session.distance_m is not None else distance[hi - 1] - before
    values = [int(fit_time[hi - 1]), int(fit_time[lo]) + session.start_shift_s, session.sport,
              session.sub_sport, round(elapsed * 1000), round(min(timer, elapsed) * 1000),
              round(total * 100)]
    if session.avg_heart_rate is not None:
        fields.append((16, _U8))
        values.append(session.avg_heart_rate)
        define = True
    head = _definition(3, 18, fields, big_endian) if define else b""
    return head + _message(3, fields, values, big_endian)


def _record_fields(compressed: bool, fractional: bool) -> list[tuple[int, int]]:
    fields = [] if compressed else [(253, _U32)]
    fields += [(0, _S32), (1, _S32), (5, _U32), (78, _U32), (3, _U8), (4, _U8)]
    return [*fields, (53, _U8)] if fractional else fields


def _records(run: SynthRun, distance: np.ndarray, fit_time: np.ndarray, lo: int, hi: int,
             compressed: bool, big_endian: bool, fractional: bool) -> bytes:
    """Record messages for samples lo..hi-1 at once, as one structured numpy array."""
    order = ">" if big_endian else "<"
    fields = _record_fields(compressed, fractional)
    names = {253: "t", 0: "lat", 1: "lon", 5: "dist", 78: "alt", 3: "hr", 4: "cad",
             53: "frac"}
    dtype = np.dtype([("header", "u1")] + [(names[n], order + _KINDS[b]) for n, b in fields])
    part = slice(lo, hi)
    rows = np.zeros(hi - lo, dtype=dtype)
    strides = run.cadence_spm[part] / (1 if run.sport == "ride" else 2)  # rides: rpm
    rows["header"] = (0x80 | (2 << 5) | (fit_time[part] & 0x1F)) if compressed else 2
    if not compressed:
        rows["t"] = fit_time[part]
    for column, degrees in (("lat", run.lat[part]), ("lon", run.lon[part])):  # no fix: invalid
        rows[column] = np.where(np.isfinite(degrees), np.round(np.nan_to_num(degrees)
                                                               / SEMICIRCLE_DEG), 0x7FFFFFFF)
    rows["dist"] = np.round(distance[part] * 100)
    rows["alt"] = np.round((run.elevation[part] + 500) * 5)
    rows["hr"] = run.heart_rate[part]
    rows["cad"] = np.floor(strides)
    if fractional:
        rows["frac"] = np.round((strides - np.floor(strides)) * 128)
    return rows.tobytes()
