"""Dashboard reads run in a child process with a memory and a time limit (issue 10, 1)."""

import os
import tempfile

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions, read_sources
from analysis.ingest.sandbox import read_isolated
from analysis.synth import gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes
from tests.processes import grandchildren

OPTIONS = ReadOptions(workers=1)


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """A temp directory that must be empty again after each read (but for the folder of
    this process's forkserver socket, kept for its lifetime by multiprocessing)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield
    assert [p for p in folder.iterdir() if not p.name.startswith("pymp-")] == []


@pytest.fixture(scope="module")
def uploads() -> list[tuple[str, bytes]]:
    run = synth_run(np.random.default_rng(6), "2024-06-04 07:00", duration_s=600)
    return [("run.gpx", gpx_bytes(run)), ("notes.gpx", b"not a track"), ("../up.gpx", b"")]


def test_the_child_reads_what_this_process_would(uploads):
    here = list(read_sources(uploads, OPTIONS))
    calls = []
    there = read_isolated(uploads, OPTIONS, lambda *call: calls.append(call))
    assert [(r.file, r.error) for r in there] == [(r.file, r.error) for r in here] == [
        ("run.gpx", None),
        ("notes.gpx", "named .gpx, but the content is not GPX (XML): it is plain text"),
        ("../up.gpx", "the file is empty")]  # the upload's name is a label, never a path
    assert there[0].activities[0].summary == here[0].activities[0].summary
    assert there[0].activities[0].samples.equals(here[0].activities[0].samples)
    assert calls == [(1, 3, "run.gpx"), (2, 3, "notes.gpx"), (3, 3, "../up.gpx")]
    assert grandchildren(os.getpid()) == []  # the child has gone


def test_a_file_needing_too_much_memory_is_refused_and_this_process_goes_on(uploads,
                                                                            monkeypatch):
    monkeypatch.setenv("KNEELOAD_READ_MEMORY_MB", "100")  # less than the child has already
    results = read_isolated(uploads[:1], OPTIONS)
    # Which allocation fails first varies (files are read in small chunks): inside the
    # reader, the file is refused; anywhere else, the child dies and reading stops there.
    assert [(r.file, r.error) for r in results] in (
        [("run.gpx", "refused: reading it needs more memory than the reader may use")],
        [("this import", "reading stopped: its first file ended the reader process (out of "
                         "memory?); nothing was read")])
    monkeypatch.delenv("KNEELOAD_READ_MEMORY_MB")
    assert read_isolated(uploads[:1], OPTIONS)[0].error is None


@pytest.mark.parametrize("name", ["run.gpx", "run.tcx", "list.csv"])
def test_the_parsers_out_of_memory_error_is_a_memory_refusal(name, monkeypatch):
    """pandas' C parser reports running out of memory as a ParserError: it is still a file
    too big for the reader, not a damaged one (seen under the sandbox's limit in CI)."""
    def out_of_memory(*args, **kwargs):
        raise pd.errors.ParserError("Error tokenizing data. C error: out of memory")

    run = synth_run(np.random.default_rng(6), "2024-06-04 07:00", duration_s=600)
    data = {"run.gpx": gpx_bytes(run), "run.tcx": tcx_bytes(run),
            "list.csv": strava_csv_bytes([{"activity_id": 1, "start": run.start,
                                           "name": "Run", "type": "Run",
                                           "distance_m": 5000.0, "elapsed_s": 1800}])}[name]
    monkeypatch.setattr(pd, "read_csv", out_of_memory)
    assert [(r.file, r.error) for r in read_sources([(name, data)], OPTIONS)] == [
        (name, "refused: reading it needs more memory than the reader may use")]


def test_a_read_past_the_time_limit_is_stopped(monkeypatch):
    monkeypatch.setenv("KNEELOAD_READ_SECONDS", "0.01")  # less than any read takes
    run = synth_run(np.random.default_rng(7), "2024-06-05 07:00", duration_s=3 * 3600)
    results = read_isolated([("long.gpx", gpx_bytes(run))], OPTIONS)
    assert [(r.file, r.error) for r in results] == [
        ("this import", "reading stopped: its first file took longer than 0.01 s; nothing "
                        "was read")]
    assert grandchildren(os.getpid()) == []  # killed
