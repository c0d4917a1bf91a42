"""The cohort manifest: one CSV row per runner naming their export and pain diary.

Header `runner_id,export_path,pain_path` (optional `tz`, `consent_date`). Relative paths
are read from the manifest's folder. A bad row is reported with its line number and left
out; the other runners go on. A missing header column stops the build.

Consent means what research consent means in the store (Store.research_cohort): a runner
is used only while they consent, and then with their whole record. A manifest with a
`consent_date` column records consent: a runner whose date is empty (never given, or
withdrawn) or after the build day is left out, listed with the reason, and removed from a
dataset built before; data from before the consent date is kept (it is the history the
exposures' look-back windows need). Without the column every row counts as consenting.
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
    """The usable runners, one message per bad row, and the runners left out for want of
    consent, each with the reason."""

    runners: list[Runner] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    without_consent: list[tuple[Runner, str]] = field(default_factory=list)


def read_manifest(path: str | Path, today: dt.date | None = None) -> Manifest:
    """Every valid, consenting row of the manifest at `path` (consent as of `today`,
    default the local date); bad rows become problems naming the file, the line and the
    reason; valid rows without consent go to `without_consent` with the reason."""
    today = today or dt.date.today()
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
        runner = Runner(
            values["runner_id"], _resolve(values["export_path"], path.parent),
            _resolve(values["pain_path"], path.parent), values.get("tz") or None,
            dt.date.fromisoformat(consent) if consent else None, line)
        missing_consent = _without_consent(runner, "consent_date" in header, today)
        if missing_consent:
            manifest.without_consent.append((runner, missing_consent))
        else:
            manifest.runners.append(runner)
    return manifest


def _without_consent(runner: Runner, recorded: bool, today: dt.date) -> str | None:
    """Why `runner` may not be used on `today` (None when they may)."""
    if not recorded:
        return None
    if runner.consent_date is None:
        return "no research consent (consent_date is empty)"
    if runner.consent_date > today:
        return f"no research consent yet (consent_date {runner.consent_date} is after {today})"
    return None


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
