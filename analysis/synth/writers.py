"""Write a SynthRun as the files devices and services produce: GPX, TCX and activity lists
(FIT: analysis.synth.fitfile).

Options reproduce real-world variations (Strava's steps-per-minute GPX cadence, Garmin's
strides, whitespace before `<?xml`) so the readers' handling of each can be tested.
"""

from __future__ import annotations

import io
import itertools
import zipfile

import numpy as np
import pandas as pd

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


# --- activity lists ------------------------------------------------------------------------

_STRAVA_ORDER = ("activity_id", "date", "name", "type", "elapsed_s_summary", "distance_summary",
                 "filename", "elapsed_s", "moving_s", "distance_m", "elevation_gain_m",
                 "elevation_loss_m", "avg_cadence", "max_heart_rate", "avg_heart_rate",
                 "total_steps", "gear")


def strava_csv_bytes(rows: list[dict], language: str = "en") -> bytes:
    """An activities.csv in Strava's layout (repeated headers, localised summary columns).

    Row keys: activity_id, start (UTC Timestamp), name, type, elapsed_s, moving_s, distance_m,
    elevation_gain_m, elevation_loss_m, avg_cadence (strides/min), avg_heart_rate,
    max_heart_rate, total_steps, gear, filename — missing keys are written empty. The summary
    distance is in km (2 decimals, decimal comma in German), the detailed one in metres.
    """
    order = [field for field in _STRAVA_ORDER if language in STRAVA[field]]
    header = [STRAVA[field][language][0] for field in order]
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
        lines.append(",".join(str(values[f]) for f in order))
    return ("\n".join(lines) + "\n").encode()


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of `members` (name -> bytes) in memory, as an export or upload is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
