"""TCX (Garmin Training Center v2): one activity per <Activity>, every lap and track in it,
with the laps' own totals (a cropped track falls back to them, see summarise)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lxml import etree

from analysis.ingest.errors import IngestError
from analysis.ingest.model import RawTrack
from analysis.ingest.safexml import parse_xml
from analysis.ingest.tcxscan import lap_total, scan_tcx
from analysis.ingest.xmlscan import track_times
from analysis.ingest.xmltable import concat_row, row_xslt, run_table

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
COLUMNS = ["act", "seg", "time", "lat", "lon", "ele", "dist", "hr", "cad", "runcad"]


def _stylesheet() -> etree.XSLT:
    body = ("<xsl:for-each select=\"t:TrainingCenterDatabase/t:Activities/t:Activity\">"
            "<xsl:variable name=\"a\" select=\"position()\"/>"
            "<xsl:for-each select=\"t:Lap/t:Track\">"
            "<xsl:variable name=\"s\" select=\"position()\"/>"
            "<xsl:for-each select=\"t:Trackpoint\">"
            + concat_row(["$a", "$s", "t:Time", "t:Position/t:LatitudeDegrees",
                          "t:Position/t:LongitudeDegrees", "t:AltitudeMeters",
                          "t:DistanceMeters", "t:HeartRateBpm/t:Value", "t:Cadence",
                          "t:Extensions/*/*[local-name()='RunCadence']"])
            + "</xsl:for-each></xsl:for-each></xsl:for-each>")
    return row_xslt({"t": TCX_NS}, body)


def read_tcx(name: str, data: bytes) -> list[RawTrack]:
    """A RawTrack for every <Activity> with track points, carrying its laps' totals.

    The common layout is scanned directly (analysis.ingest.tcxscan); anything else is
    parsed as hardened XML and flattened by XSLT. Both give the same table and activities.
    """
    table, activities = scan_tcx(data) or _parse_tree(name, data)
    if table.empty:
        raise IngestError(name, "no track points (a course or an empty activity)")
    tracks = []
    for number, part in table.groupby("act", sort=True):
        activity = activities[int(number) - 1]
        t, offset, notes = track_times(part)
        runcad = part["runcad"].notna().any()
        cadence = part["runcad"] if runcad else part["cad"]
        tracks.append(RawTrack(
            source_file=name,
            source_format="tcx",
            t=t,
            lat=part["lat"].to_numpy(float),
            lon=part["lon"].to_numpy(float),
            elevation=part["ele"].to_numpy(float),
            heart_rate=part["hr"].to_numpy(float),
            cadence=cadence.to_numpy(float),
            distance=part["dist"].to_numpy(float),
            segment=part["seg"].to_numpy(float),
            sport_raw=activity["sport"],
            name=activity["notes"],
            device=activity["creator"],
            cadence_source=("tcx:RunCadence" if runcad else "tcx:Cadence")
            if cadence.notna().any() else None,
            elevation_source="device",
            file_offset_min=offset,
            summary_distance_m=activity["lap_distance_m"],
            timer_time_s=activity["lap_time_s"],
            id_suffix=f"-{int(number)}" if len(activities) > 1 else "",
            warnings=notes if np.isfinite(t).any() else [*notes, "no timestamps in the track"],
        ))
    return tracks


def _parse_tree(name: str, data: bytes) -> tuple[pd.DataFrame, list[dict]]:
    """The track point table and each activity's details through the full XML parser."""
    root = parse_xml(name, data)
    qname = etree.QName(root)
    if qname.localname != "TrainingCenterDatabase":
        raise IngestError(name, f"not a TCX file (root element <{qname.localname}>)")
    if qname.namespace != TCX_NS:
        raise IngestError(name, f"unsupported TCX namespace {qname.namespace!r}")
    table = run_table(name, root, _stylesheet(), COLUMNS, text_columns=("time",))

    def text(element: etree._Element, path: str) -> str | None:
        return (element.findtext(path.format(t=f"{{{TCX_NS}}}")) or "").strip() or None

    activities = []
    for activity in root.findall(f"{{{TCX_NS}}}Activities/{{{TCX_NS}}}Activity"):
        laps = activity.findall(f"{{{TCX_NS}}}Lap")
        activities.append({
            "sport": activity.get("Sport"),
            "notes": text(activity, "{t}Notes"),
            "creator": text(activity, "{t}Creator/{t}Name"),
            "lap_distance_m": lap_total([text(lap, "{t}DistanceMeters") or "" for lap in laps]),
            "lap_time_s": lap_total([text(lap, "{t}TotalTimeSeconds") or "" for lap in laps]),
        })
    return table, activities
