"""Run an import plan: parse files in parallel across cores, in order, with progress."""

from __future__ import annotations

import contextlib
import errno
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from analysis.ingest.archive import Job, Source, join_row, plan_sources
from analysis.ingest.dispatch import read_bytes, read_path
from analysis.ingest.errors import IngestError
from analysis.ingest.model import FileResult, ReadOptions
from analysis.ingest.plausible import screen
from analysis.workers import process_pool

Progress = Callable[[int, int, str], None]
SERIAL_BELOW = 8  # fewer jobs than this are not worth starting worker processes


def parse_job(name: str, path: str | None, data: bytes | None,
              options: ReadOptions) -> FileResult:
    """Worker entry point: one file to one result; never raises."""
    try:
        if path is not None:
            return read_path(path, name, options)
        return read_bytes(name, data or b"", options)
    except Exception as exc:
        if isinstance(exc, MemoryError) or getattr(exc, "errno", None) == errno.ENOMEM:
            return FileResult(name, error="refused: reading it needs more memory than the "
                                          "reader may use")
        return FileResult(name, error=f"internal error while reading ({type(exc).__name__}: "
                                      f"{exc}); please report this file")


def _payload(job: Job) -> tuple[str, str | None, bytes | None]:
    return job.name, job.path, job.load() if job.load else None


def _results(jobs: list[Job], options: ReadOptions) -> Iterator[tuple[Job, FileResult]]:
    """Results in job order: in worker processes for big imports, else in this process.

    If the pool breaks (a worker killed, or a __main__ the workers cannot re-import, as
    with `python -` scripts), the jobs not yet finished are parsed here instead.
    """
    workers = options.workers or os.cpu_count() or 1
    pending = deque(jobs)
    if workers > 1 and len(jobs) >= SERIAL_BELOW:
        with contextlib.suppress(BrokenProcessPool):
            yield from _parallel(pending, workers, options)
    while pending:
        job = pending.popleft()
        yield job, _parse_here(job, options)


def _parse_here(job: Job, options: ReadOptions) -> FileResult:
    try:
        return parse_job(*_payload(job), options)
    except IngestError as exc:  # refused while reading from the archive
        return FileResult(job.name, error=exc.reason)


def parse_planned(job: Job, options: ReadOptions) -> FileResult:
    """One planned job parsed here and joined to its activities.csv row, exactly as
    read_sources does it (for callers that spread one plan's jobs over a cluster)."""
    return _finish(job, _parse_here(job, options))


def _finish(job: Job, result: FileResult) -> FileResult:
    """A parsed file screened for impossible values, then joined to its activities.csv row
    and screened again (the row brings values of its own)."""
    result = screen(result)
    return screen(join_row(result, job.row)) if job.row is not None else result


def _parallel(pending: deque[Job], workers: int, options: ReadOptions
              ) -> Iterator[tuple[Job, FileResult]]:
    """Parse `pending` in a process pool, at most 2 × workers files in flight, so memory
    stays flat for any export; a job leaves `pending` only once its result is yielded."""
    window: deque[tuple[Job, Future[FileResult] | FileResult]] = deque()

    def oldest() -> tuple[Job, FileResult]:
        job, result = window.popleft()
        if isinstance(result, Future):
            result = result.result()
        pending.popleft()
        return job, result

    with process_pool(workers, "analysis.ingest.dispatch") as pool:
        for job in list(pending):
            try:
                window.append((job, pool.submit(parse_job, *_payload(job), options)))
            except IngestError as exc:  # refused while reading from the archive
                window.append((job, FileResult(job.name, error=exc.reason)))
            while len(window) > 2 * workers:
                yield oldest()
        while window:
            yield oldest()


def read_sources(sources: Iterable[Source], options: ReadOptions | None = None,
                 progress: Progress | None = None) -> Iterator[FileResult]:
    """One FileResult per file in `sources` (paths, folders, zips or (name, bytes) pairs)."""
    options = options or ReadOptions()
    plan = plan_sources(sources, options)
    total = len(plan.done) + len(plan.jobs)
    done = 0
    for result in plan.done:
        done += 1
        if progress:
            progress(done, total, result.file)
        yield screen(result)
    for job, result in _results(plan.jobs, options):
        done += 1
        if result.unpacked_bytes:  # a gzip inside an archive counts towards its total
            try:
                plan.budget.take(result.file, result.unpacked_bytes)
            except IngestError as exc:
                result = FileResult(result.file, sha256=result.sha256, error=exc.reason)
        result = _finish(job, result)  # as parse_planned
        if progress:
            progress(done, total, result.file)
        yield result
