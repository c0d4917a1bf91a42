"""Write a SynthRun as the files devices and services produce: GPX, TCX and FIT.

Options reproduce real-world variations (Strava's steps-per-minute GPX cadence, Garmin's
strides, whitespace before `<?xml`, compressed FIT timestamps, big-endian definitions) so
the readers' handling of each can be tested.
"""

from __future__ import annotations

import itertools
import struct

import numpy as np
import pandas as pd

from analysis.ingest.fit import FIT_EPOCH_S, SEMICIRCLE_DEG
from analysis.ingest.fitcrc import fit_crc
from analysis.ingest.headers import STRAVA
from analysis.synth.runs import SynthRun

TPX = {1: "http://www.garmin.com/xmlschemas/TrackPointExtension/v1",
       2: "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"}


def _iso(run: SynthRun, offset_min: int | None) -> list[str]:
    """ISO times: 'Z' when offset_min is None, else that offset (the same instant)."""
    times = pd.to_datetime(run.epoch_s, unit="s", utc=True)
    if offset_min is None:
        return [ts.strftime("%Y-%m-%dT%H:%M:%SZ") for ts in times]
    local = times + pd.Timedelta(minutes=offset_min)
    sign = "-" if offset_min < 0 else "+"
    suffix = f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    return [ts.strftime("%Y-%m-%dT%H:%M:%S") + suffix for ts in local]


def gpx_bytes(run: SynthRun, *, version: str = "1.1", tpx: int = 1, cadence: str = "strides",
              offset_min: int | None = None, segments: int = 1, sport: str | None = "running",
              creator: str = "kneeload synth") -> bytes:
    """GPX of `run`. cadence='strides' (Garmin, one foot), 'steps' (Strava) or 'none'."""
    ns = f"http://www.topografix.com/GPX/1/{version[-1]}"
    times = _iso(run, offset_min)
    cad = run.cadence_spm / 2 if cadence == "strides" else run.cadence_spm
    bounds = np.linspace(0, len(run.t), segments + 1).astype(int)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="{version}" '
             f'creator="{creator}" xmlns="{ns}" xmlns:gpxtpx="{TPX[tpx]}">\n<trk>'
             f"<name>{run.name}</name>" + (f"<type>{sport}</type>" if sport else "")]
    for lo, hi in itertools.pairwise(bounds):
        parts.append("<trkseg>")
        for i in range(lo, hi):
            ext = f"<gpxtpx:hr>{int(run.heart_rate[i])}</gpxtpx:hr>"
            if cadence != "none":
                ext += f"<gpxtpx:cad>{round(cad[i])}</gpxtpx:cad>"
            parts.append(f'<trkpt lon="{run.lon[i]:.7f}" lat="{run.lat[i]:.7f}">'
                         f"<ele>{run.elevation[i]:.1f}</ele><time>{times[i]}</time>"
                         f"<extensions><gpxtpx:TrackPointExtension>{ext}"
                         "</gpxtpx:TrackPointExtension></extensions></trkpt>")
        parts.append("</trkseg>")
    parts.append("</trk>\n</gpx>\n")
    return "\n".join(parts).encode()


def tcx_bytes(run: SynthRun, *, sport: str = "Running", leading_space: bool = False) -> bytes:
    """TCX of `run` with DistanceMeters and RunCadence (strides per minute)."""
    times = _iso(run, None)
    points = "".join(
        f"<Trackpoint><Time>{times[i]}</Time><Position><LatitudeDegrees>{run.lat[i]:.7f}"
        f"</LatitudeDegrees><LongitudeDegrees>{run.lon[i]:.7f}</LongitudeDegrees></Position>"
        f"<AltitudeMeters>{run.elevation[i]:.1f}</AltitudeMeters><DistanceMeters>"
        f"{run.distance[i]:.1f}</DistanceMeters><HeartRateBpm><Value>{int(run.heart_rate[i])}"
        f"</Value></HeartRateBpm><Extensions><ns3:TPX><ns3:RunCadence>"
        f"{int(run.cadence_spm[i] // 2)}</ns3:RunCadence></ns3:TPX></Extensions></Trackpoint>"
        for i in range(len(run.t)))
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
            'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
            f'<Activities><Activity Sport="{sport}"><Id>{times[0]}</Id>'
            f'<Lap StartTime="{times[0]}"><TotalTimeSeconds>{run.t[-1]:.0f}</TotalTimeSeconds>'
            f"<DistanceMeters>{run.distance[-1]:.1f}</DistanceMeters><Track>{points}</Track>"
            "</Lap><Creator><Name>kneeload synth</Name></Creator></Activity></Activities>"
            "</TrainingCenterDatabase>\n")
    return (("\n   " if leading_space else "") + text).encode()


# --- FIT ----------------------------------------------------------------------------------

_U8, _U16, _S32, _U32, _ENUM = 0x02, 0x84, 0x85, 0x86, 0x00
_FORMAT = {_U8: "B", _U16: "H", _S32: "i", _U32: "I", _ENUM: "B"}


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


def fit_bytes(run: SynthRun, *, sport: int = 1, sub_sport: int = 0,
              local_offset_min: int | None = 60, compressed_timestamps: bool = False,
              big_endian: bool = False, fractional_cadence: bool = True) -> bytes:
    """FIT activity file of `run`: file_id, records, one session, activity (with local time).

    With compressed_timestamps the records carry their time in the header byte (needs
    samples less than 32 s apart); big_endian writes every definition big-endian.
    """
    fit_time = np.round(run.epoch_s - FIT_EPOCH_S).astype(np.int64)
    start, end = int(fit_time[0]), int(fit_time[-1])
    file_id = [(0, _ENUM), (1, _U16), (2, _U16), (4, _U32)]
    body = _definition(0, 0, file_id, big_endian)
    body += _message(0, file_id, [4, 255, 1, start], big_endian)
    event = [(253, _U32), (0, _ENUM), (1, _ENUM)]
    body += _definition(1, 21, event, big_endian) + _message(1, event, [start, 0, 0], big_endian)
    body += _records(run, fit_time, compressed_timestamps, big_endian, fractional_cadence)
    session = [(253, _U32), (2, _U32), (5, _ENUM), (6, _ENUM), (7, _U32), (8, _U32),
               (9, _U32)]
    elapsed_ms = round((run.t[-1] - run.t[0]) * 1000)
    body += _definition(3, 18, session, big_endian)
    body += _message(3, session, [end, start, sport, sub_sport, elapsed_ms, elapsed_ms,
                                  round(run.distance[-1] * 100)], big_endian)
    activity = [(253, _U32), (0, _U32), (1, _U16), (5, _U32)]
    local = end + 60 * (local_offset_min if local_offset_min is not None else 0)
    values = [end, elapsed_ms, 1, local if local_offset_min is not None else 0xFFFFFFFF]
    body += _definition(4, 34, activity, big_endian) + _message(4, activity, values, big_endian)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    data = header + body
    return data + struct.pack("<H", fit_crc(data))


def _records(run: SynthRun, fit_time: np.ndarray, compressed: bool, big_endian: bool,
             fractional: bool) -> bytes:
    """All record messages at once, as one structured numpy array."""
    order = ">" if big_endian else "<"
    strides = run.cadence_spm / 2
    fields = [] if compressed else [(253, _U32)]
    fields += [(0, _S32), (1, _S32), (5, _U32), (78, _U32), (3, _U8), (4, _U8)]
    if fractional:
        fields.append((53, _U8))
    names = {253: "t", 0: "lat", 1: "lon", 5: "dist", 78: "alt", 3: "hr", 4: "cad",
             53: "frac"}
    kinds = {_U8: "u1", _U16: "u2", _S32: "i4", _U32: "u4"}
    dtype = np.dtype([("header", "u1")] + [(names[n], order + kinds[b]) for n, b in fields])
    rows = np.zeros(len(run.t), dtype=dtype)
    rows["header"] = (0x80 | (2 << 5) | (fit_time & 0x1F)) if compressed else 2
    if not compressed:
        rows["t"] = fit_time
    rows["lat"] = np.round(run.lat / SEMICIRCLE_DEG)
    rows["lon"] = np.round(run.lon / SEMICIRCLE_DEG)
    rows["dist"] = np.round(run.distance * 100)
    rows["alt"] = np.round((run.elevation + 500) * 5)
    rows["hr"] = run.heart_rate
    rows["cad"] = np.floor(strides)
    if fractional:
        rows["frac"] = np.round((strides - np.floor(strides)) * 128)
    return _definition(2, 20, fields, big_endian) + rows.tobytes()


# --- activity lists ------------------------------------------------------------------------

_STRAVA_ORDER = ("activity_id", "date", "name", "type", "elapsed_s_summary", "distance_summary",
                 "filename", "elapsed_s", "moving_s", "distance_m", "elevation_gain_m",
                 "elevation_loss_m", "avg_cadence", "max_heart_rate", "avg_heart_rate",
                 "total_steps")


def strava_csv_bytes(rows: list[dict], language: str = "en") -> bytes:
    """An activities.csv in Strava's layout (repeated headers, localised summary columns).

    Row keys: activity_id, start (UTC Timestamp), name, type, elapsed_s, moving_s, distance_m,
    elevation_gain_m, elevation_loss_m, avg_cadence (strides/min), avg_heart_rate,
    max_heart_rate, total_steps, filename — missing keys are written empty. The summary
    distance is in km (2 decimals, decimal comma in German), the detailed one in metres.
    """
    header = [STRAVA[field][language][0] for field in _STRAVA_ORDER]
    lines = [",".join(header)]
    for row in rows:
        start = pd.Timestamp(row["start"])
        if language == "en":
            hour = start.hour % 12 or 12
            date = (f"{start:%b} {start.day}, {start.year}, {hour}:{start:%M:%S} "
                    f"{'AM' if start.hour < 12 else 'PM'}")
        else:
            date = f"{start:%d.%m.%Y, %H:%M:%S}"
        km = f"{row.get('distance_m', 0) / 1000:.2f}"
        values = {
            "activity_id": row["activity_id"], "date": f'"{date}"', "name": row.get("name", ""),
            "type": row.get("type", "Run"), "elapsed_s_summary": int(row.get("elapsed_s", 0)),
            "distance_summary": f'"{km.replace(".", ",")}"' if language == "de" else km,
            "filename": row.get("filename", ""),
        }
        values.update({field: row.get(field, "") for field in _STRAVA_ORDER[7:]})
        lines.append(",".join(str(values[f]) for f in _STRAVA_ORDER))
    return ("\n".join(lines) + "\n").encode()
