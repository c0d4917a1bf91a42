"""Reading untrusted uploads in a separate process with a memory and a time limit.

The dashboard never parses a file in its own server process: a file that needs all the
memory or never finishes then costs its own import, not everyone's server. Limits come
from the environment: KNEELOAD_READ_MEMORY_MB (address space of the reader and each of
its workers, default 2048) and KNEELOAD_READ_SECONDS (the longest one file may take,
default 120).
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from multiprocessing.connection import Connection, Pipe
from pathlib import Path

from analysis.ingest.archive import Source
from analysis.ingest.model import FileResult, ReadOptions
from analysis.ingest.runner import Progress, read_sources
from analysis.workers import worker_process

DEFAULT_MEMORY_MB = 2048
DEFAULT_SECONDS = 120.0


def memory_mb() -> int:
    """The reader's memory limit in MiB (KNEELOAD_READ_MEMORY_MB)."""
    return int(os.environ.get("KNEELOAD_READ_MEMORY_MB", DEFAULT_MEMORY_MB))


def time_limit_s() -> float:
    """The longest one file may take to read, in seconds (KNEELOAD_READ_SECONDS)."""
    return float(os.environ.get("KNEELOAD_READ_SECONDS", DEFAULT_SECONDS))


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (inherited by the workers it starts)."""
    limit = megabytes * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def read_isolated(sources: Iterable[Source], options: ReadOptions | None = None,
                  progress: Progress | None = None) -> list[FileResult]:
    """`read_sources` run in a child process under the limits; uploads (name, bytes or file
    object) are handed over as files in a private folder, removed afterwards."""
    options = options or ReadOptions()
    with tempfile.TemporaryDirectory(prefix="kneeload-read-") as folder:
        paths = [_spool(source, Path(folder) / str(index))
                 for index, source in enumerate(sources)]
        receive, send = Pipe(duplex=False)
        process = worker_process(_read_in_child, (send, paths, options, memory_mb()),
                                 "analysis.ingest.runner")
        process.start()
        send.close()
        try:
            return _collect(receive, progress)
        finally:
            receive.close()
            if process.is_alive():
                process.kill()
            process.join()


def _spool(source: Source, folder: Path) -> Source:
    """What the child reads for `source`: an upload becomes (its name, a file in `folder`
    holding its bytes, copied in chunks); a path stays as it is."""
    if not isinstance(source, tuple):
        return os.fspath(source)
    name, data = source
    folder.mkdir()
    target = folder / "upload"
    with target.open("wb") as out:
        if isinstance(data, bytes | bytearray):
            out.write(data)
        else:
            data.seek(0)
            shutil.copyfileobj(data, out, 4 * 2**20)
    return name, Path(target)


def _opened(source: Source, stack: ExitStack) -> Source:
    """A spooled upload as (name, open file), so its name stays the label; paths as given."""
    if isinstance(source, tuple):
        name, path = source
        return name, stack.enter_context(Path(path).open("rb"))
    return source


def _collect(receive: Connection, progress: Progress | None) -> list[FileResult]:
    """Results as the child sends them, until it is done, dies or stops making progress."""
    results: list[FileResult] = []
    last: str | None = None  # the file read last, to say where reading stopped
    seconds = time_limit_s()
    while True:
        if not receive.poll(seconds):
            results.append(_stopped(last, f"took longer than {seconds:g} s"))
            return results
        try:
            kind, payload = receive.recv()
        except EOFError:
            results.append(_stopped(last, "ended the reader process (out of memory?)"))
            return results
        if kind == "done":
            return results
        if kind == "progress":
            last = payload[2]
            if progress:
                progress(*payload)
        else:
            results.append(payload)


def _stopped(last: str | None, what: str) -> FileResult:
    """The result saying that reading stopped, and where."""
    if last is None:
        return FileResult("this import", error=f"reading stopped: its first file {what}; "
                                                "nothing was read")
    return FileResult(last, error=f"reading stopped: the file after this one {what}; the "
                                  "rest of this import was not read")


def _read_in_child(send: Connection, paths: list[Source], options: ReadOptions,
                   megabytes: int) -> None:
    """The child's work: read everything under the memory limit, sending each result."""
    limit_memory(megabytes)

    def report(done: int, total: int, name: str) -> None:
        send.send(("progress", (done, total, name)))

    try:
        with ExitStack() as stack:
            sources = [_opened(source, stack) for source in paths]
            for result in read_sources(sources, options, report):
                send.send(("result", result))
    except MemoryError:
        send.send(("result", FileResult("this import", error="reading stopped: it needs "
                                        f"more than {megabytes} MiB of memory "
                                        "(KNEELOAD_READ_MEMORY_MB)")))
    send.send(("done", None))
