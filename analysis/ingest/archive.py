"""Plan an import: files, folders, zips and Strava bulk exports become a list of parse jobs.

Zip members are streamed one at a time (never extracted to disk); member names are only
ever used as labels, and names with absolute paths or '..' are refused. In a folder only
regular files are read, and no link leading out of it. A Strava export's activities.csv
is joined to its files through the Filename column. Every file that is not read is named
as ignored, with the reason; an archive or folder of more than MAX_ENTRIES files is refused.
"""

from __future__ import annotations

import io
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pandas as pd

from analysis.ingest.decompress import Limits, MiB, check_expansion
from analysis.ingest.dispatch import ACTIVITY_SUFFIXES, csv_kind
from analysis.ingest.errors import IngestError
from analysis.ingest.localpaths import file_problem, inside
from analysis.ingest.model import FileResult, ParsedActivity, ReadOptions
from analysis.ingest.sniff import ZIP_MAGICS
from analysis.ingest.strava_csv import StravaRow, read_strava_csv
from analysis.timezones import local_date

Source = str | os.PathLike | tuple[str, bytes | BinaryIO]
STRAVA_CSV = "activities.csv"
# What zipfile raises on a damaged or hostile archive (bad headers, names, data, methods).
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
                  NotImplementedError)
# Files in one zip or folder: a large Strava export (thousands of runs and photos) holds
# far fewer; 100,000 tiny entries are an attack on the time it takes to list and read them.
MAX_ENTRIES = 50_000
NOT_ACTIVITY = "skipped (not an activity file)"
OUTSIDE_EXPORT = "skipped (not in the export's activities folder)"
LINK_OUT = "refused: a link leading out of the chosen folder"


@dataclass
class Job:
    """One file to parse: on disk (`path`) or read on demand from an archive (`load`)."""

    name: str
    path: str | None = None
    load: Callable[[], bytes] | None = None
    row: StravaRow | None = None


class Budget:
    """Counts every decompressed byte of one import against the total limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0

    def take(self, name: str, count: int) -> None:
        self.used += count
        if self.used > self.limits.max_total_bytes:
            raise IngestError(name, "refused: the import decompresses to more than "
                                    f"{self.limits.max_total_bytes // MiB} MiB in total")


@dataclass
class Plan:
    """Jobs to parse, results already known (CSV-only rows, refused and ignored files), and
    the import's decompression budget (gzip inside a member is charged when parsed)."""

    budget: Budget
    jobs: list[Job] = field(default_factory=list)
    done: list[FileResult] = field(default_factory=list)

    def ignore(self, name: str, reason: str = NOT_ACTIVITY) -> None:
        """Name a file that is not read, with the reason."""
        self.done.append(FileResult(name, ignored=reason))

    def too_many(self, name: str, count: int) -> bool:
        """Refuse an archive or folder of more than MAX_ENTRIES files (True if refused)."""
        if count <= MAX_ENTRIES:
            return False
        self.done.append(FileResult(name, error=f"refused: holds {count:,} files, more than "
                                    f"the {MAX_ENTRIES:,} an import reads from one archive "
                                    "or folder"))
        return True


def unsafe_name(name: str) -> bool:
    """True for archive paths that are absolute or climb out of their folder."""
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    return posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in parts


def plan_sources(sources: Iterable[Source], options: ReadOptions) -> Plan:
    """Expand paths, folders, zips and uploads — (name, bytes or binary file object) — into
    parse jobs; an uploaded zip is read through its file object, never copied whole."""
    plan = Plan(Budget(options.limits))
    for source in sources:
        if isinstance(source, tuple):  # an upload: bytes, or a file object (not copied)
            name, data = source
            handle = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
            head = handle.read(4)
            handle.seek(0)
            if head.startswith(ZIP_MAGICS) or zipfile.is_zipfile(handle):
                handle.seek(0)
                _plan_zip(name, handle, options, plan)
            else:
                plan.jobs.append(Job(name, load=_whole(handle)))
            continue
        path = Path(source)
        if path.is_dir():
            _plan_folder(path, options, plan)
        elif not path.exists():
            plan.done.append(FileResult(str(source), error="no such file or folder"))
        elif problem := file_problem(path, options.limits, zip_ok=True):
            plan.done.append(FileResult(str(source), error=problem))
        elif _starts_like_zip(path) or zipfile.is_zipfile(path):
            _plan_zip(path.name, path, options, plan)
        elif problem := file_problem(path, options.limits):
            plan.done.append(FileResult(str(source), error=problem))
        else:
            plan.jobs.append(Job(path.name, path=str(path)))
    return plan


def _starts_like_zip(path: Path) -> bool:
    """A zip by its first bytes, so a cut download is reported as a damaged zip (is_zipfile
    needs the directory at the end, which a cut file has lost)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4).startswith(ZIP_MAGICS)
    except OSError:
        return False


def _whole(handle: BinaryIO) -> Callable[[], bytes]:
    """A loader returning the whole content of `handle` each time it is called."""
    def load() -> bytes:
        handle.seek(0)
        return handle.read()
    return load


def _plan_folder(root: Path, options: ReadOptions, plan: Plan) -> None:
    def label(path: Path) -> str:
        return f"{root.name}/{path.relative_to(root).as_posix()}"

    files = []
    for count, path in enumerate(root.rglob("*"), 1):  # links to folders are not entered
        if plan.too_many(root.name, count):
            return
        if path.is_symlink() or not path.is_dir():
            files.append(path)
    readable = []
    for path in sorted(files):
        if path.name.startswith(".") or not path.name.lower().endswith(ACTIVITY_SUFFIXES):
            plan.ignore(label(path))
        elif problem := (None if inside(path, root) else LINK_OUT) or file_problem(
                path, options.limits, zip_ok=path.name.lower().endswith(".zip")):
            plan.done.append(FileResult(label(path), error=problem))
        else:
            readable.append(path)
    csv_path = next((p for p in readable if p.name.lower() == STRAVA_CSV
                     and len(p.relative_to(root).parts) <= 2
                     and _is_strava_list(p.name, p.read_bytes())), None)
    if csv_path is None:
        plan.jobs.extend(Job(label(p), path=str(p)) for p in readable)
        return
    base = csv_path.parent.resolve()
    candidates = {p.resolve(): p for p in readable
                  if p.resolve().is_relative_to(base / "activities")}
    for path in readable:
        if path != csv_path and path.resolve() not in candidates:
            plan.ignore(label(path), OUTSIDE_EXPORT)

    def locate(filename: str) -> Job | None:
        target = (base / filename).resolve()
        if target in candidates:
            return Job(label(candidates.pop(target)), path=str(target))
        return None

    _join_export(label(csv_path), csv_path.read_bytes(), locate, options, plan)
    plan.jobs.extend(Job(label(p), path=str(p)) for p in candidates.values())


def _plan_zip(name: str, file: BinaryIO | Path, options: ReadOptions, plan: Plan) -> None:
    try:
        archive = zipfile.ZipFile(file)
    except ARCHIVE_ERRORS as exc:
        plan.done.append(FileResult(name, error=f"damaged or incomplete zip archive ({exc})"))
        return
    # Not ZipInfo.is_dir(): it fails on the empty names a damaged directory can hold.
    members = [m for m in archive.infolist() if not m.filename.endswith("/")]
    if plan.too_many(name, len(members)):
        return
    budget = plan.budget

    def label(member: zipfile.ZipInfo) -> str:
        return f"{name}:{member.filename}"

    safe = []
    for member in members:
        if unsafe_name(member.filename):
            plan.done.append(FileResult(label(member), error="refused: unsafe path in the "
                                                             "archive (absolute or '..')"))
        else:
            safe.append(member)
    csv_member = next((m for m in safe if PurePosixPath(m.filename).name.lower() == STRAVA_CSV
                       and len(PurePosixPath(m.filename).parts) <= 2
                       and _is_strava_list(m.filename, _head(archive, m))), None)

    def job(member: zipfile.ZipInfo) -> Job:
        return Job(label(member), load=lambda: read_member(archive, member, label(member),
                                                           options.limits, budget))

    if csv_member is None:
        for member in safe:
            if member.filename.lower().endswith(".zip"):
                plan.done.append(FileResult(label(member), error="a zip archive inside an "
                                                                 "archive is not read"))
            elif member.filename.lower().endswith(ACTIVITY_SUFFIXES):
                plan.jobs.append(job(member))
            else:
                plan.ignore(label(member))
        return
    base = PurePosixPath(csv_member.filename).parent
    activity_dir = (base / "activities").as_posix() + "/"
    candidates = {m.filename: m for m in safe if m.filename.startswith(activity_dir)
                  or (base == PurePosixPath(".") and m.filename.startswith("activities/"))}
    for member in safe:
        if member is not csv_member and member.filename not in candidates:
            plan.ignore(label(member), OUTSIDE_EXPORT if member.filename.lower().endswith(
                ACTIVITY_SUFFIXES) else NOT_ACTIVITY)

    def locate(filename: str) -> Job | None:
        wanted = (base / filename).as_posix() if str(base) != "." else filename
        member = candidates.pop(wanted, None)
        return job(member) if member else None

    try:
        csv_bytes = read_member(archive, csv_member, label(csv_member), options.limits, budget)
    except IngestError as exc:
        plan.done.append(FileResult(label(csv_member), error=exc.reason))
        return
    _join_export(label(csv_member), csv_bytes, locate, options, plan)
    plan.jobs.extend(job(m) for m in candidates.values())


def _is_strava_list(name: str, head: bytes) -> bool:
    """Whether a file called activities.csv is Strava's (Garmin's list has the same name)."""
    try:
        return csv_kind(name, head) == "strava"
    except IngestError:
        return False


def _head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's first 64 KiB, or nothing if it cannot be read (read_member says why)."""
    if member.flag_bits & 0x1:
        return b""
    try:
        with archive.open(member) as handle:
            return handle.read(65536)
    except ARCHIVE_ERRORS:
        return b""


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, limits: Limits,
                budget: Budget) -> bytes:
    """A member's bytes, streamed in chunks and stopped as soon as a limit is broken."""
    if member.flag_bits & 0x1:
        raise IngestError(name, "encrypted archive member")
    check_expansion(name, member.file_size, member.compress_size, limits)
    chunks = []
    size = 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(4 * MiB):
                size += len(chunk)
                check_expansion(name, size, member.compress_size, limits)
                budget.take(name, len(chunk))
                chunks.append(chunk)
    except ARCHIVE_ERRORS as exc:
        raise IngestError(name, f"damaged archive member ({exc})") from None
    return b"".join(chunks)


def _join_export(csv_name: str, csv_bytes: bytes, locate: Callable[[str], Job | None],
                 options: ReadOptions, plan: Plan) -> None:
    """Jobs for rows with a file; rows without one become CSV-only activities."""
    try:
        rows, notes = read_strava_csv(csv_name, csv_bytes, options)
    except IngestError as exc:
        plan.done.append(FileResult(csv_name, error=exc.reason))
        return
    listing = FileResult(csv_name, warnings=notes)
    for row in rows:
        if row.filename is None:
            listing.activities.append(row.activity)
            continue
        job = None if unsafe_name(row.filename) else locate(row.filename)
        if job is None:
            reason = ("refused: unsafe path" if unsafe_name(row.filename)
                      else "listed in activities.csv but not in the export")
            plan.done.append(join_row(FileResult(row.filename, error=reason), row))
        else:
            job.row = row
            plan.jobs.append(job)
    plan.done.insert(0, listing)


def join_row(result: FileResult, row: StravaRow) -> FileResult:
    """Merge a file's result with its activities.csv row.

    The file's streams win; the row supplies the name, type and id. A file that failed
    still yields the row's own summary values, marked origin 'csv' with the reason.
    """
    row_summary = row.activity.summary
    if result.skipped:  # imported before, row and all
        return result
    if result.error or not result.activities:
        fallback = dict(row_summary)
        fallback["warnings"] = (f"file {result.file} could not be used ({result.error}); "
                                "summary values from activities.csv")
        result.activities = [ParsedActivity(fallback, None)]
        return result
    single = len(result.activities) == 1
    for index, activity in enumerate(result.activities):
        summary = activity.summary
        notes = [summary["warnings"]] if summary["warnings"] else []
        _correct_clock(activity, row_summary["start_time"], notes)
        summary.update(
            activity_id=row_summary["activity_id"] + ("" if single else f"-{index + 1}"),
            origin="file+csv", name=row_summary["name"] or summary["name"],
            gear=row_summary.get("gear") or summary.get("gear"), warnings="; ".join(notes),
        )
        if single:
            summary.update(sport=row_summary["sport"], sport_raw=row_summary["sport_raw"],
                           sport_source="file", sport_reason="")
    return result


def _correct_clock(activity: ParsedActivity, csv_start: pd.Timestamp, notes: list[str]) -> None:
    """Shift a file whose local times were written as UTC, using the CSV's true UTC start.

    Applies when the two starts differ by a whole number of quarter hours (±90 s), up to
    14 hours: the signature of a wall-clock time stamped 'Z'.
    """
    summary = activity.summary
    diff = (summary["start_time"] - csv_start).total_seconds()
    quarters = round(diff / 900)
    if quarters == 0 or abs(diff) > 14 * 3600 or abs(diff - quarters * 900) > 90:
        return
    shift = pd.Timedelta(seconds=quarters * 900)
    summary["start_time"] = summary["start_time"] - shift
    summary["local_date"] = local_date(summary["start_time"], summary["utc_offset_min"])
    if activity.samples is not None:
        activity.samples["time"] = activity.samples["time"] - shift
    notes.append(f"file times were {quarters * 15 / 60:+g} h off the UTC start in "
                 "activities.csv (local time written as UTC); corrected")
