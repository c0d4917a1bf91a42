"""Worker processes for CPU-bound work (parsing files, per-athlete panels).

Every worker follows the process that asked for it: when that process dies, even by
kill -9, its workers exit at once (their parent is the forkserver, which outlives it
otherwise, and so would they, waiting for work that never comes).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import select
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from typing import Any

# The forkserver listens on a socket `<tempdir>/pymp-XXXXXXXX/listener-XXXXXXXX`, and a Unix
# socket path holds at most 107 bytes.
_SOCKET_SUFFIX = 34
_SOCKET_PATH_MAX = 107


def _fit_socket_path() -> None:
    """Python 3.11 puts the forkserver's socket under TMPDIR, and a long TMPDIR (macOS, a
    test's tmp_path) makes it fail with "AF_UNIX path too long". Python 3.13 falls back to
    /tmp for that socket; so do we, once per process, before the server starts."""
    if sys.platform != "linux" or len(tempfile.gettempdir()) + _SOCKET_SUFFIX <= _SOCKET_PATH_MAX:
        return
    saved = tempfile.tempdir
    tempfile.tempdir = "/tmp"
    try:
        multiprocessing.util.get_temp_dir()  # made now, remembered for the process
    finally:
        tempfile.tempdir = saved


def follow(pid: int) -> None:
    """Exit this process as soon as process `pid` ends (a daemon thread waits for it)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:  # gone already
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux, old kernel): look every second
        handle = None

    def wait() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while _exists(pid):
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=wait, name=f"follow-{pid}", daemon=True).start()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Workers are one per core: a BLAS thread pool inside each would oversubscribe the cores
# (two workers' OpenBLAS threads made the cohort models 1.5× slower than one process).
SINGLE_THREADED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _context(preload: str) -> multiprocessing.context.ForkServerContext:
    _fit_socket_path()
    for name in SINGLE_THREADED:  # read when the forkserver imports numpy; a user's wins
        os.environ.setdefault(name, "1")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context


def process_pool(workers: int, preload: str) -> ProcessPoolExecutor:
    """A pool whose workers fork from a server that imported `preload` once: no fork of a
    process that may be running threads (Streamlit's is), no re-import per worker; each
    worker exits when this process dies."""
    return ProcessPoolExecutor(workers, mp_context=_context(preload), initializer=follow,
                               initargs=(os.getpid(),))


def _following(parent: int, target: Callable[..., Any], args: tuple) -> None:
    follow(parent)
    target(*args)


def worker_process(target: Callable[..., Any], args: tuple, preload: str) -> BaseProcess:
    """A single (not yet started) process running `target(*args)`, forked like a pool
    worker, that exits when this process dies."""
    return _context(preload).Process(target=_following, args=(os.getpid(), target, args),
                                     daemon=False)
