"""The cohort manifest: one CSV row per runner naming their export and pain diary.

Header `runner_id,export_path,pain_path` (optional `tz`, `consent_date`). Relative paths
are read from the manifest's folder. A bad row is reported with its line number and left
out; the other runners go on. A missing header column stops the build.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import available_timezones

REQUIRED = ("runner_id", "export_path", "pain_path")
OPTIONAL = ("tz", "consent_date")


class ManifestError(ValueError):
    """The manifest cannot be used at all (unreadable, or a required column is missing)."""


@dataclass(frozen=True)
class Runner:
    """One manifest row: who, where their files are, and the line it came from."""

    runner_id: str
    export_path: Path
    pain_path: Path
    tz: str | None = None
    consent_date: dt.date | None = None
    line: int = 0


@dataclass
class Manifest:
    """The usable runners and one message per row left out."""

    runners: list[Runner] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_manifest(path: str | Path) -> Manifest:
    """Every valid row of the manifest at `path`; bad rows become problems naming the file,
    the line and the reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot be read ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ManifestError(f"{path}: the header lacks {', '.join(missing)} (needed: "
                            f"{', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)})")
    reader.fieldnames = header
    manifest, seen = Manifest(), set()
    zones = available_timezones()
    for row in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in row.items() if key}
        problems = _row_problems(values, path.parent, zones, seen)
        if problems:
            manifest.problems.append(f"{path} line {line}: {'; '.join(problems)}")
            continue
        seen.add(values["runner_id"])
        consent = values.get("consent_date") or None
        manifest.runners.append(Runner(
            values["runner_id"], _resolve(values["export_path"], path.parent),
            _resolve(values["pain_path"], path.parent), values.get("tz") or None,
            dt.date.fromisoformat(consent) if consent else None, line))
    return manifest


def _resolve(text: str, folder: Path) -> Path:
    given = Path(text).expanduser()
    return given if given.is_absolute() else folder / given


def _row_problems(values: dict[str, str], folder: Path, zones: set[str],
                  seen: set[str]) -> list[str]:
    """Why a row cannot be used (empty when it can)."""
    problems = [f"{name} is empty" for name in REQUIRED if not values.get(name)]
    runner = values.get("runner_id")
    if runner and runner in seen:
        problems.append(f"runner_id {runner!r} appears twice")
    for name in ("export_path", "pain_path"):
        if values.get(name) and not _resolve(values[name], folder).exists():
            problems.append(f"{name} {values[name]!r} does not exist")
    if values.get("tz") and values["tz"] not in zones:
        problems.append(f"tz {values['tz']!r} is not an IANA time zone (e.g. Europe/Berlin)")
    if values.get("consent_date"):
        try:
            dt.date.fromisoformat(values["consent_date"])
        except ValueError:
            problems.append(f"consent_date {values['consent_date']!r} is not YYYY-MM-DD")
    return problems
