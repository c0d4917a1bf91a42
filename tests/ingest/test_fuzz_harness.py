"""Seeded mutations of every sample and own fixture, each read in a worker with a time and a
memory limit: no internal error, no hang, bounded memory, nothing impossible stored
(issue 10). The long run (10,000 inputs): `pytest -m fuzz tests/ingest/test_fuzz_harness.py`
or benchmarks/fuzz_ingest.py."""

import numpy as np
import pandas as pd
import pytest

from tests.conftest import need
from tests.ingest import fuzzing as F

SHORT = 120
LONG = 10_000


def check(count: int, seed: int) -> F.Figures:
    figures = F.Figures()
    for outcome in F.run(F.inputs(count, seed)):
        figures.add(outcome)
    assert figures.inputs == count
    assert figures.internal == []
    assert figures.hangs == []
    assert figures.impossible == []
    assert figures.peak_mb < 1024
    assert figures.statuses["read"] > 0 and figures.statuses["refused"] > 0  # both kinds
    return figures


def test_the_seeds_hold_every_reader_and_the_real_samples():
    names = set(F.seeds())
    assert {"own/run.gpx", "own/run.tcx", "own/run.fit", "own/activities.csv",
            "own/Activities.csv", "own/run.gpx.gz", "own/export.zip"} <= names
    need(F.SAMPLES.is_dir(), f"real sample files not found at {F.SAMPLES}")
    assert {n.split("/")[1] for n in names if n.startswith("samples/")} == {
        "csv", "fit", "gpx", "tcx"}


def test_mutations_are_seeded():
    first, again = list(F.inputs(5, seed=3)), list(F.inputs(5, seed=3))
    assert first == again and first != list(F.inputs(5, seed=4))
    assert all(data != F.seeds()[name.split("#")[0]] for name, data in first)


def test_the_oracle_names_what_no_activity_can_be():
    good = {"distance_m": 5000.0, "elapsed_time_s": 1800.0, "avg_heart_rate_bpm": np.nan,
            "start_time": pd.Timestamp("2024-06-01 07:00", tz="UTC")}
    assert F.impossible_values(good) == []
    assert F.impossible_values({**good, "distance_m": 1_612_800_000.0,
                                "elapsed_time_s": 31 * 86400.0,
                                "start_time": pd.Timestamp("2117-01-01", tz="UTC"),
                                "avg_heart_rate_bpm": float("inf")}) == [
        "avg_heart_rate_bpm infinite", "distance 1612800000 m", "elapsed 2678400 s",
        "start 2117-01-01 00:00:00+00:00"]


def test_a_worker_past_the_time_limit_is_killed_and_counted(monkeypatch):
    monkeypatch.setattr(F, "HANG_S", 0.0)
    outcomes = list(F.run(F.inputs(2, seed=0)))
    assert [o.status for o in outcomes] == ["hang", "hang"]


def test_short_fuzz_run():
    check(SHORT, seed=10)


@pytest.mark.fuzz
def test_long_fuzz_run(request):
    if "fuzz" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the long fuzz run (about 20 minutes): pytest -m fuzz")
    check(LONG, seed=20)
