"""Build the cohort dataset on a Dask cluster: parse every runner's export with the readers
of `kneeload ingest`, then compute each runner's research tables, and write them.

Task graph per runner: `survey` (content fingerprint and the number of files), then
`parse_part` over slices of at most `files_per_task` files (a runner with 3,000 activities
is spread over the cluster), then `finish_runner` (one outing held in several files counted
once as `kneeload ingest` stores it, pain diary, research tables, cohort panel, Parquet
files). Nothing but small summaries travels back to the client, so the
client's memory does not grow with the cohort. A runner whose fingerprint matches the one
recorded when they were last built is skipped; a runner whose export fails entirely is
reported, not fatal.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.cohort import dataset
from analysis.cohort.manifest import Runner
from analysis.ingest import ReadOptions
from analysis.ingest.archive import plan_sources
from analysis.ingest.plausible import screen
from analysis.ingest.runner import parse_planned
from analysis.pain import PainError, parse_pain_csv
from analysis.schema import conform_pain
from analysis.stats.cohort import athlete_panel
from analysis.stats.export import (
    DISTANCE_STEP_M,
    MAX_SHIFT_WEEKS,
    pseudonym,
    research_tables,
    round_to_step,
    shift_days,
)
from analysis.store.importer import file_status, merged_activities
from analysis.thresholds import Thresholds

FILES_PER_TASK = 200
CONSENT_POLICY = ("runners with research consent on the build day only (manifest column "
                  "consent_date, when present), each with their whole record; see "
                  "analysis.cohort.manifest")
_CHUNK = 1 << 20
Progress = Callable[[int, int, str], None]


def salt_fingerprint(salt: bytes) -> str:
    """A short hash identifying the salt (to tell builds apart) that does not reveal it."""
    return hashlib.sha256(b"kneeload salt fingerprint\0" + salt).hexdigest()[:16]


@dataclass(frozen=True)
class BuildSettings:
    """Everything besides the inputs that decides the dataset's content."""

    salt: bytes
    shift_dates: bool = True
    thresholds: Thresholds = Thresholds()
    files_per_task: int = FILES_PER_TASK

    def signature(self) -> bytes:
        """The settings a rebuild must notice (not the salt: it keys the fingerprint)."""
        return repr((dataset.DATASET_VERSION, version("kneeload"), self.shift_dates,
                     asdict(self.thresholds))).encode()

    def describe(self) -> dict[str, Any]:
        """The settings as manifest.json records them (the salt only as a fingerprint)."""
        return {
            "kneeload_version": version("kneeload"),
            "thresholds": asdict(self.thresholds),
            "salt_fingerprint": salt_fingerprint(self.salt),
            "pseudonyms": "'P' + 12 hex digits of HMAC-SHA256(salt, runner_id)",
            "date_shift": ({"policy": "per runner, back by 1 to "
                            f"{MAX_SHIFT_WEEKS} whole weeks derived from HMAC-SHA256(salt, "
                            "runner_id); weekdays and intervals kept", "shifted": True}
                           if self.shift_dates else
                           {"policy": "none: real calendar dates", "shifted": False}),
            "rounding": {"distance_m": 10, "duration_s": 1, "elevation_m": 1,
                         "weekly_shared_distance_km": 0.5},
        }


def _options(runner: Runner) -> ReadOptions:
    return ReadOptions(athlete_tz=runner.tz, workers=1, keep_samples=False)


def _input_files(runner: Runner) -> Iterator[Path]:
    """The runner's input files in a fixed order: the export (every file of a folder)
    and the pain diary."""
    export = runner.export_path
    if export.is_dir():
        yield from sorted(p for p in export.rglob("*") if p.is_file())
    else:
        yield export
    yield runner.pain_path


def fingerprint(runner: Runner, settings: BuildSettings) -> str:
    """HMAC (keyed by the salt, so it reveals nothing about the files) over the content of
    every input file, their names, the runner's row and the settings."""
    mac = hmac.new(settings.salt, settings.signature(), hashlib.sha256)
    mac.update(repr((runner.runner_id, runner.tz)).encode())
    for path in _input_files(runner):
        mac.update(b"\0" + str(path.relative_to(runner.export_path) if path.is_relative_to(
            runner.export_path) else path.name).encode() + b"\0")
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    mac.update(chunk)
        except OSError as exc:
            mac.update(f"unreadable: {exc.strerror}".encode())
    return mac.hexdigest()


@dataclass
class Survey:
    """A runner before parsing: their input fingerprint and how many files to parse."""

    fingerprint: str
    n_files: int


def survey(runner: Runner, settings: BuildSettings) -> Survey:
    """Task: fingerprint the runner's inputs and count the files their export plans."""
    plan = plan_sources([runner.export_path], _options(runner))
    return Survey(fingerprint(runner, settings), len(plan.jobs))


@dataclass
class FileRow:
    """One parsed file as the build keeps it: no samples, the name only for messages."""

    file: str
    sha256: str | None
    error: str | None
    summaries: list[dict[str, Any]]


def parse_part(runner: Runner, start: int, stop: int) -> list[FileRow]:
    """Task: files start..stop of the runner's export (and, in the first part, the results
    the plan already knows: activities.csv rows without a file, refused members)."""
    options = _options(runner)
    plan = plan_sources([runner.export_path], options)
    results = [*(screen(result) for result in (plan.done if start == 0 else [])),
               *(parse_planned(job, options) for job in plan.jobs[start:stop])]
    return [FileRow(r.file, r.sha256, r.error, [a.summary for a in r.activities])
            for r in results]


def _parts(n_files: int, per_task: int) -> list[tuple[int, int]]:
    """File slices of one runner; one (empty) part even for no files."""
    return [(lo, min(lo + per_task, n_files)) for lo in range(0, max(n_files, 1), per_task)]


@dataclass
class RunnerOutcome:
    """What the build did with one runner (returned to the client; small)."""

    runner_id: str
    pseudonym: str
    status: str  # built, unchanged
    files: int = 0
    failed_files: list[str] = field(default_factory=list)  # "file: reason", for the terminal
    activities: int = 0
    pain_entries: int = 0
    export_failed: bool = False


def _without_name(error: str | None, name: str) -> str | None:
    """An error message with the file's name (and its folders) taken out."""
    if error is None:
        return None
    for part in {name, Path(name).name}:
        error = error.replace(part, "<file>")
    return error


def _suffix(name: str) -> str:
    match = re.search(r"\.([A-Za-z0-9]+)(\.gz)?$", name)
    return match.group(1).lower() if match else ""


def _pain(runner: Runner) -> tuple[pd.DataFrame, str | None]:
    """The runner's diary as the store would hold it, or no entries and the reason."""
    try:
        diary = parse_pain_csv(runner.pain_path.read_bytes())
    except OSError as exc:
        return conform_pain(pd.DataFrame()), f"cannot be read ({exc.strerror})"
    except PainError as exc:
        return conform_pain(pd.DataFrame()), "; ".join(exc.problems[:5])
    rows = [{**asdict(e), "provokers": ",".join(e.provokers)} for e in diary.entries]
    return conform_pain(pd.DataFrame(rows)), None


def _merge_files(rows: list[FileRow]) -> tuple[pd.DataFrame, list[str]]:
    """A runner's activities and each file's status, as one `kneeload ingest` of the files
    stores and logs them: a content seen before adds nothing and another record of a stored
    outing counts once (both 'duplicate'), a file without activities is 'empty'."""
    seen: set[str] = set()
    fresh = []  # rows whose content is new, in order
    for i, row in enumerate(rows):
        if row.sha256 and row.sha256 in seen:
            continue
        if row.sha256 and not row.error and row.summaries:
            seen.add(row.sha256)
        fresh.append(i)
    activities, kinds = merged_activities(s for i in fresh for s in rows[i].summaries)
    status = ["duplicate"] * len(rows)
    at = 0
    for i in fresh:
        n = len(rows[i].summaries)
        status[i] = file_status(bool(rows[i].error), kinds[at: at + n])
        at += n
    return activities, ["ok" if s == "imported" else s for s in status]


def _activities_table(activities: pd.DataFrame, person: str, shift: pd.Timedelta
                      ) -> pd.DataFrame:
    """The de-identified activities partition: day, sport and rounded totals only."""
    def step(column: str, size: float) -> np.ndarray:
        return round_to_step(activities[column].to_numpy(dtype=float, na_value=np.nan), size)

    return pd.DataFrame({
        "runner": person, "date": (activities["local_date"] - shift).dt.date,
        "sport": activities["sport"], "distance_m": step("distance_m", DISTANCE_STEP_M),
        **{c: step(c, 1.0) for c in ("moving_time_s", "elapsed_time_s", "elevation_gain_m",
                                     "elevation_loss_m", "avg_cadence_spm",
                                     "avg_heart_rate_bpm")}})


def finish_runner(runner: Runner, settings: BuildSettings, digest: str, outdir: str,
                  *parts: list[FileRow]) -> RunnerOutcome:
    """Task: one runner's tables from their parsed files and diary, written to `outdir`."""
    person = pseudonym(runner.runner_id, settings.salt)
    rows = [row for part in parts for row in part]
    activities, status = _merge_files(rows)
    pain, pain_error = _pain(runner)
    tables = research_tables([(runner.runner_id, activities, pain)], salt=settings.salt,
                             shift_dates=settings.shift_dates, thresholds=settings.thresholds)
    shift = pd.Timedelta(days=shift_days(runner.runner_id, settings.salt)
                         if settings.shift_dates else 0)
    panel = athlete_panel(activities, pain, settings.thresholds)
    panel = panel.assign(runner=person, week_start=(panel["week_start"] - shift).dt.date,
                         start=panel["start"].astype(float), stop=panel["stop"].astype(float)
                         ) if not panel.empty else pd.DataFrame(
        columns=[c.name for c in dataset.PANEL])
    files = pd.DataFrame(
        [{"runner": person, "file_no": i, "kind": "activity file", "format": _suffix(r.file),
          "status": status[i], "activities": len(r.summaries),
          "error": _without_name(r.error, r.file)} for i, r in enumerate(rows)]
        + [{"runner": person, "file_no": -1, "kind": "pain diary",
            "format": _suffix(runner.pain_path.name), "status": "failed" if pain_error else "ok",
            "activities": 0, "error": pain_error}])
    dataset.write_runner(Path(outdir), person, {
        **tables, "activities": _activities_table(activities, person, shift),
        "files": files, "panel": panel})
    failed = [f"{r.file}: {r.error}" for r in rows if r.error]
    if pain_error:
        failed.append(f"{runner.pain_path}: {pain_error}")
    outcome = RunnerOutcome(runner.runner_id, person, "built", len(rows), failed,
                            len(activities), len(pain),
                            export_failed=all(r.error for r in rows)
                            and not any(r.summaries for r in rows))
    dataset.write_state(Path(outdir), person, {"fingerprint": digest, "files": len(rows),
                                               "export_failed": outcome.export_failed})
    return outcome


@dataclass
class BuildReport:
    """Every runner's outcome, the manifest's bad rows and what was removed."""

    outcomes: list[RunnerOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    removed: int = 0

    def count(self, status: str) -> int:
        """Runners with this status (built, unchanged)."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed_exports(self) -> list[RunnerOutcome]:
        """Runners none of whose export files could be read."""
        return [o for o in self.outcomes if o.export_failed]


def build_cohort(runners: list[Runner], outdir: str | Path, client: Any,
                 settings: BuildSettings, progress: Progress | None = None, *,
                 without_consent: int = 0) -> BuildReport:
    """Build (or bring up to date) the dataset in `outdir` for `runners` on the Dask
    `client`: unchanged runners are skipped, the others parsed and written; files of
    runners no longer in the manifest (or no longer consenting) are removed; manifest.json
    is written last, with `without_consent`: how many manifest rows lacked consent."""
    from distributed import as_completed

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    names = {r.runner_id: pseudonym(r.runner_id, settings.salt) for r in runners}
    surveys = client.map(survey, runners, settings=settings, pure=False)
    runner_of = {future.key: runner for future, runner in zip(surveys, runners, strict=True)}
    files_of: dict[str, int] = {}
    pending = as_completed(surveys)
    total = done = 0
    for future in pending:
        result = future.result()
        runner = runner_of.get(future.key)
        if isinstance(result, Survey):
            person = names[runner.runner_id]
            state = dataset.read_state(outdir, person)
            if state is not None and state.get("fingerprint") == result.fingerprint:
                report.outcomes.append(RunnerOutcome(
                    runner.runner_id, person, "unchanged", int(state.get("files", 0)),
                    export_failed=bool(state.get("export_failed"))))
                continue
            total += result.n_files
            parts = [client.submit(parse_part, runner, lo, hi, pure=False)
                     for lo, hi in _parts(result.n_files, settings.files_per_task)]
            for part, (lo, hi) in zip(parts, _parts(result.n_files, settings.files_per_task),
                                      strict=True):
                files_of[part.key] = hi - lo
                runner_of[part.key] = runner
                pending.add(part)
            pending.add(client.submit(finish_runner, runner, settings, result.fingerprint,
                                      str(outdir), *parts, pure=False))
        elif isinstance(result, RunnerOutcome):
            report.outcomes.append(result)
        else:  # a parsed part
            done += files_of.pop(future.key, 0)
            if progress:
                progress(done, total, runner.runner_id if runner else "")
    report.removed = dataset.remove_others(outdir, set(names.values()))
    order = {runner_id: i for i, runner_id in enumerate(names)}
    report.outcomes.sort(key=lambda o: order[o.runner_id])
    dataset.write_manifest(outdir, {
        **settings.describe(), "runners": len(runners),
        "runners_without_readable_export": sorted(o.pseudonym for o in
                                                  report.failed_exports),
        "runners_left_out_without_consent": without_consent,
        "consent": CONSENT_POLICY,
        "partitions": sorted(dataset.PARTITIONS)})
    return report
