"""Worker processes for CPU-bound work (parsing files, per-athlete panels)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

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


def process_pool(workers: int, preload: str) -> ProcessPoolExecutor:
    """A pool whose workers fork from a server that imported `preload` once: no fork of a
    process that may be running threads (Streamlit's is), no re-import per worker."""
    _fit_socket_path()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return ProcessPoolExecutor(workers, mp_context=context)
