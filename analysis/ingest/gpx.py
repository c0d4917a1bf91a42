"""GPX 1.0 and 1.1: all tracks and segments, with Garmin TrackPointExtension hr/cad (v1, v2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from analysis.ingest.errors import IngestError
from analysis.ingest.gpxscan import scan_gpx
from analysis.ingest.model import RawTrack
from analysis.ingest.safexml import parse_xml
from analysis.ingest.xmlscan import track_times
from analysis.ingest.xmltable import concat_row, iso_times, row_xslt, run_table

COLUMNS = ["seg", "lat", "lon", "ele", "time", "hr", "cad"]


def _qualifier(namespace: str | None) -> Callable[[str], str]:
    """Element names with the document's GPX namespace prefix (or none for bare files)."""
    return (lambda local: f"g:{local}") if namespace else (lambda local: local)


def _stylesheet(namespace: str | None) -> etree.XSLT:
    q = _qualifier(namespace)
    extension = ".//*[local-name()='{}']"  # anywhere in the point, any prefix (v1, v2, …)
    body = (f"<xsl:for-each select=\"{q('gpx')}/{q('trk')}/{q('trkseg')}\">"
            "<xsl:variable name=\"s\" select=\"position()\"/>"
            f"<xsl:for-each select=\"{q('trkpt')}\">"
            + concat_row(["$s", "@lat", "@lon", q("ele"), q("time"),
                          extension.format("hr"), extension.format("cad")])
            + "</xsl:for-each></xsl:for-each>")
    return row_xslt({"g": namespace} if namespace else {}, body)


def read_gpx(name: str, data: bytes) -> list[RawTrack]:
    """One RawTrack holding every track point of the file (segments kept apart, each with
    its track's name and type, so analysis.ingest.outings can split multi-day files).

    The common layout is scanned directly (analysis.ingest.gpxscan); anything else is
    parsed as hardened XML and flattened by XSLT. Both give the same table and metadata.
    """
    table, meta = scan_gpx(data) or _parse_tree(name, data)
    if len(table["seg"]) == 0:
        raise IngestError(name, "no track points (the file holds only waypoints or routes)")
    notes: list[str] = []
    table = _without_unreadable_positions(name, table, notes)
    t, offset, time_notes = track_times(table)
    notes.extend(time_notes)
    if np.isnan(t).all():
        notes.append("no timestamps in the track")
    cadence = np.asarray(table["cad"], dtype=float)
    stated = iso_times(pd.Series([meta["time"]], dtype=object)).iloc[0]
    return [RawTrack(
        source_file=name,
        source_format="gpx",
        t=t,
        lat=np.asarray(table["lat"], dtype=float),
        lon=np.asarray(table["lon"], dtype=float),
        elevation=np.asarray(table["ele"], dtype=float),
        heart_rate=np.asarray(table["hr"], dtype=float),
        cadence=cadence,
        segment=np.asarray(table["seg"], dtype=float),
        segment_labels=meta["tracks"],
        sport_raw=meta["type"],
        name=meta["name"],
        device=meta["creator"],
        cadence_source="gpx:TrackPointExtension/cad" if np.isfinite(cadence).any() else None,
        elevation_source="gps",
        file_offset_min=offset,
        file_time=None if pd.isna(stated) else stated.timestamp(),
        warnings=notes,
    )]


def _without_unreadable_positions(name: str, table: Any, notes: list[str]) -> Any:
    """The table without points whose lat or lon is text that is no number ('undefined'):
    an error of that point, skipped and counted, not a point at 0°."""
    unreadable = getattr(table, "attrs", {}).get("unreadable", {})
    bad = np.zeros(len(table["seg"]), dtype=bool)
    for column in ("lat", "lon"):
        bad |= unreadable.get(column, False)
    if not bad.any():
        return table
    if bad.all():
        raise IngestError(name, f"none of its {len(bad)} track points has a readable position "
                                "(lat/lon such as 'undefined')")
    notes.append(f"skipped {int(bad.sum())} track point(s) whose lat/lon is not a number "
                 "(such as 'undefined')")
    return table[~bad].reset_index(drop=True)


def _parse_tree(name: str, data: bytes) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The track table and metadata through the full (hardened) XML parser."""
    root = parse_xml(name, data)
    qname = etree.QName(root)
    if qname.localname != "gpx":
        raise IngestError(name, f"not a GPX file (root element <{qname.localname}>)")
    namespace = qname.namespace
    table = run_table(name, root, _stylesheet(namespace), COLUMNS, text_columns=("time",))
    q = _qualifier(namespace)

    def text(path: str) -> str | None:
        found = root.xpath(f"string({path})", namespaces={"g": namespace} if namespace else None)
        return str(found).strip() or None

    segments = root.xpath(f"{q('trk')}/{q('trkseg')}",
                          namespaces={"g": namespace} if namespace else None)
    return table, {
        "name": (text(f"{q('trk')}/{q('name')}") or text(f"{q('metadata')}/{q('name')}")
                 or text(q("name"))),
        "type": text(f"{q('trk')}/{q('type')}"),
        "creator": (root.get("creator") or "").strip() or None,
        "time": text(f"{q('metadata')}/{q('time')}") or text(q("time")),
        "tracks": tuple(_labels(segment.getparent(), namespace) for segment in segments),
    }


def _labels(trk: etree._Element, namespace: str | None) -> tuple[str | None, str | None]:
    """A track's (name, type)."""
    prefix = f"{{{namespace}}}" if namespace else ""
    return tuple((trk.findtext(prefix + tag) or "").strip() or None  # type: ignore[return-value]
                 for tag in ("name", "type"))
