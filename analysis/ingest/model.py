"""What readers hand over: raw tracks in, parsed activities and per-file results out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.decompress import DEFAULT_LIMITS, Limits
from analysis.track import DEFAULT_SETTINGS, TrackSettings

# How readers word a note about rows, points or activities they left out (never silently).
_LEFT_OUT = re.compile(r"\b(skipped|skipping|refused)\b", re.IGNORECASE)


def left_out(note: str) -> bool:
    """Whether a reader's note says that part of the file was not imported."""
    return bool(_LEFT_OUT.search(note))


@dataclass
class RawTrack:
    """One activity's streams as a reader found them, before any metric is computed.

    Arrays hold one value per sample, NaN where the file has none. `t` is seconds since
    the Unix epoch (UTC). `distance` is the device's own cumulative distance, if recorded.
    """

    source_file: str
    source_format: str
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    elevation: np.ndarray
    heart_rate: np.ndarray
    cadence: np.ndarray
    distance: np.ndarray | None = None
    segment: np.ndarray | None = None
    # (track name, track type) of segment k at index k - 1, for files holding several tracks
    segment_labels: tuple[tuple[str | None, str | None], ...] = ()
    sport_raw: str | None = None
    sub_sport_raw: str | None = None
    name: str | None = None
    device: str | None = None
    cadence_source: str | None = None
    elevation_source: str = "gps"
    file_offset_min: float | None = None  # local-time offset the file itself states
    start_time: float | None = None  # session start stated by the file (epoch s)
    elapsed_time_s: float | None = None  # session duration stated by the file
    summary_distance_m: float | None = None  # session total distance stated by the file
    timer_time_s: float | None = None  # session timer time stated by the file
    incomplete: bool = False  # the file broke off; its own summary may cover more
    times_are_local: bool = False  # `t` is the file's local wall-clock time, zone unknown
    file_time: float | None = None  # the file's own date (GPX metadata), for placeholder times
    id_suffix: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ParsedActivity:
    """One canonical activity row (see analysis.schema) and its samples."""

    summary: dict[str, Any]
    samples: pd.DataFrame | None = None


@dataclass
class FileResult:
    """Everything one input file produced: activities, or an error, and notes.

    A file that fails can still carry activities (a Strava CSV row whose file is broken
    becomes an activity from the row's own summary values).
    """

    file: str
    sha256: str | None = None
    activities: list[ParsedActivity] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # content already imported (ReadOptions.known_sha256): not parsed
    ignored: str = ""  # why the file was not read at all ('not an activity file'); named
    unpacked_bytes: int = 0  # bytes a gzip inside expanded to (count towards the import)

    @property
    def status(self) -> str:
        """'failed' when the file could not be read, 'ignored' when it was not meant to be
        read (named, never silent), else 'ok'."""
        if self.error:
            return "failed"
        return "ignored" if self.ignored else "ok"


@dataclass(frozen=True)
class ReadOptions:
    """Choices a reader cannot make from the file alone."""

    athlete_tz: str | None = None  # IANA zone used when neither file nor GPS gives one
    garmin_units: str = "auto"  # Garmin Connect CSV units: auto, metric or imperial
    track: TrackSettings = DEFAULT_SETTINGS
    limits: Limits = DEFAULT_LIMITS
    workers: int | None = None  # processes for parsing; None = one per core
    known_sha256: frozenset[str] = frozenset()  # contents imported before: hashed, not parsed
    keep_samples: bool = True  # False: summaries only (nothing to ship back from workers)
