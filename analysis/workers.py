"""Worker processes for CPU-bound work (parsing files, per-athlete panels)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def process_pool(workers: int, preload: str) -> ProcessPoolExecutor:
    """A pool whose workers fork from a server that imported `preload` once: no fork of a
    process that may be running threads (Streamlit's is), no re-import per worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return ProcessPoolExecutor(workers, mp_context=context)
