"""Read one file's bytes, whatever it is: the format is recognised from the content."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from analysis.ingest import headers as H
from analysis.ingest.csvtext import decode_text, read_table
from analysis.ingest.decompress import MiB, gunzip
from analysis.ingest.errors import IngestError
from analysis.ingest.fit import read_fit
from analysis.ingest.garmin_csv import read_garmin_csv
from analysis.ingest.gpx import read_gpx
from analysis.ingest.localpaths import file_problem
from analysis.ingest.model import FileResult, RawTrack, ReadOptions
from analysis.ingest.outings import split_outings
from analysis.ingest.sniff import sniff
from analysis.ingest.strava_csv import read_strava_csv
from analysis.ingest.summarise import summarise
from analysis.ingest.tcx import read_tcx

TRACK_READERS: dict[str, Callable[[str, bytes], list[RawTrack]]] = {
    "gpx": read_gpx, "tcx": read_tcx, "fit": read_fit,
}
ACTIVITY_SUFFIXES = (".gpx", ".tcx", ".fit", ".csv", ".gz", ".zip")


def unpack(name: str, data: bytes, options: ReadOptions) -> tuple[str, bytes]:
    """(format, bytes) after removing one layer of gzip, recognised by magic bytes."""
    kind = sniff(data)
    if kind == "gzip":
        data = gunzip(name, data, options.limits)
        kind = sniff(data)
        if kind in ("gzip", "zip"):
            raise IngestError(name, f"a {kind} archive inside a gzip file is not read")
    return kind, data


def read_bytes(name: str, data: bytes, options: ReadOptions) -> FileResult:
    """Everything in one file: track files give activities with samples, CSV lists give
    summary-only activities. Failures come back as a result with an error, never raised."""
    result = FileResult(file=name, sha256=hashlib.sha256(data).hexdigest())
    if result.sha256 in options.known_sha256:
        result.skipped = True
        return result
    try:
        kind, content = unpack(name, data, options)
        if content is not data:
            result.unpacked_bytes = len(content)
        if kind in ("gpx", "tcx", "fit"):
            digest = result.sha256 if content is data else hashlib.sha256(content).hexdigest()
            content_id = digest[:16]  # of the decompressed content: .gpx and .gpx.gz agree
            for raw in TRACK_READERS[kind](name, content):
                for outing in split_outings(raw, options):
                    result.activities.append(summarise(outing, content_id + outing.id_suffix,
                                                       options))
        elif kind == "csv" and _suffix(name) not in _EXPECTED:  # text named .gpx is no CSV
            _read_csv_list(name, content, options, result)
        else:
            raise IngestError(name, _not_readable(name, kind))
    except IngestError as exc:
        result.error = exc.reason
        result.activities = []
    return result


def read_path(path: str, name: str, options: ReadOptions) -> FileResult:
    """`read_bytes` for a file on disk (read in the worker, so bytes are not copied twice);
    only a regular file within the size limit is read."""
    problem = file_problem(Path(path), options.limits)
    if problem:
        return FileResult(file=name, error=problem)
    try:
        with Path(path).open("rb") as handle:  # no more than the limit, even if it grew
            data = _read_at_most(handle, options.limits.max_file_bytes + 1)
    except OSError as exc:
        return FileResult(file=name, error=f"cannot be opened ({exc.strerror})")
    if len(data) > options.limits.max_file_bytes:  # it grew while being read
        return FileResult(file=name, error=f"refused: larger than "
                                           f"{options.limits.max_file_bytes // MiB} MiB")
    return read_bytes(name, data, options)


def _read_at_most(handle: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, in chunks: read(size) reserves all of `size` at once, which a
    reader under a memory limit (the sandbox) may not spare even for a small file."""
    chunks: list[bytes] = []
    while size > 0 and (chunk := handle.read(min(size, 4 * MiB))):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def csv_kind(name: str, data: bytes) -> str:
    """'strava' or 'garmin' for an activity-list CSV, from its headers."""
    text, _ = decode_text(name, data[:65536])
    headers, _, _ = read_table(name, text.split("\n", 1)[0] + "\n")
    if H.locate(headers, H.STRAVA, H.STRAVA_REQUIRED):
        return "strava"
    if H.locate(headers, H.GARMIN, H.GARMIN_REQUIRED):
        return "garmin"
    unknown = [h for h in H.unknown_headers(headers, H.STRAVA)
               if h in H.unknown_headers(headers, H.GARMIN)]
    raise IngestError(name, "a CSV that is neither Strava's activities.csv nor a Garmin "
                            "Connect export; headers not recognised: " + H.excerpt(unknown))


def _read_csv_list(name: str, data: bytes, options: ReadOptions, result: FileResult) -> None:
    if csv_kind(name, data) == "strava":
        rows, notes = read_strava_csv(name, data, options)
        result.activities.extend(row.activity for row in rows)
    else:
        activities, notes = read_garmin_csv(name, data, options)
        result.activities.extend(activities)
    result.warnings.extend(notes)


_EXPECTED = {"gpx": "GPX (XML)", "tcx": "TCX (XML)", "fit": "FIT (no FIT header)",
             "zip": "a zip archive"}


def _suffix(name: str) -> str:
    """The file name's format suffix, under any .gz ('gpx' for run.gpx.gz)."""
    return name.lower().removesuffix(".gz").rsplit(".", 1)[-1]


def _not_readable(name: str, kind: str) -> str:
    """Why content of sniffed `kind` cannot be read, mentioning a misleading file name."""
    if kind == "empty":
        return "the file is empty"
    if kind == "zip":
        return "a zip archive inside an archive is not read"
    suffix = _suffix(name)
    found = {"xml": "XML, but neither GPX nor TCX", "csv": "it is plain text",
             "text": "it is plain text"}.get(kind, "not a GPX, TCX, FIT or CSV file")
    if suffix in _EXPECTED:
        return f"named .{suffix}, but the content is not {_EXPECTED[suffix]}: {found}"
    return "plain text, not a GPX, TCX, FIT or CSV file" if kind == "text" else found
