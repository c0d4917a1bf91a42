"""Run an import plan: parse files in parallel across cores, in order, with progress."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from analysis.ingest.archive import Job, Source, join_row, plan_sources
from analysis.ingest.dispatch import read_bytes, read_path
from analysis.ingest.errors import IngestError
from analysis.ingest.model import FileResult, ReadOptions

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
        return FileResult(name, error=f"internal error while reading ({type(exc).__name__}: "
                                      f"{exc}); please report this file")


def _payload(job: Job) -> tuple[str, str | None, bytes | None]:
    return job.name, job.path, job.load() if job.load else None


def _results(jobs: list[Job], options: ReadOptions) -> Iterator[tuple[Job, FileResult]]:
    workers = options.workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) < SERIAL_BELOW:
        for job in jobs:
            try:
                yield job, parse_job(*_payload(job), options)
            except IngestError as exc:
                yield job, FileResult(job.name, error=exc.reason)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["analysis.ingest.dispatch"])
    window: deque[tuple[Job, Future[FileResult] | FileResult]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for job in jobs:
            try:
                window.append((job, pool.submit(parse_job, *_payload(job), options)))
            except IngestError as exc:  # refused while reading from the archive
                window.append((job, FileResult(job.name, error=exc.reason)))
            while len(window) > 2 * workers:  # bounded: memory stays flat for any export
                yield _settle(window.popleft())
        while window:
            yield _settle(window.popleft())


def _settle(item: tuple[Job, Future[FileResult] | FileResult]) -> tuple[Job, FileResult]:
    job, pending = item
    return job, pending.result() if isinstance(pending, Future) else pending


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
        yield result
    for job, result in _results(plan.jobs, options):
        done += 1
        if job.row is not None:
            result = join_row(result, job.row)
        if progress:
            progress(done, total, result.file)
        yield result
