"""The bundled demo: its prebuilt tables are exactly what the readers make of its files, and
loading them stores the squad once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.demo import DEMO_DIR, PREBUILT, load_demo, prebuilt_tables, read_demo_files
from analysis.store import Store


@pytest.mark.slow
def test_prebuilt_tables_match_the_demo_files(tmp_path: Path):
    """Fails when the readers or the files change without `python -m analysis.demo`."""
    fresh = prebuilt_tables(read_demo_files())
    for table in PREBUILT:
        fresh[table].to_parquet(tmp_path / f"{table}.parquet", index=False)
        pd.testing.assert_frame_equal(
            pd.read_parquet(DEMO_DIR / "prebuilt" / f"{table}.parquet"),
            pd.read_parquet(tmp_path / f"{table}.parquet"), obj=table)


def test_loading_the_demo_stores_each_runner_once(tmp_path: Path):
    with Store(tmp_path / "demo.db") as store:
        first = load_demo(store, today=pd.Timestamp("2026-11-20"))
        again = load_demo(store, today=pd.Timestamp("2026-11-20"))
        people = store.athletes().set_index("name")
        alex = store.athlete("Alex (demo)", create=False)
        runs = store.activities(alex.id)
        samples = store.samples(runs["activity_id"].iloc[0], alex.id)
    assert first == {"Alex (demo)": 292, "Bea (demo)": 48, "Chris (demo)": 48,
                     "Dana (demo)": 36, "Eli (demo)": 80, "Fay (demo)": 54}
    assert set(again.values()) == {0}
    assert people["runs"].to_dict() == first
    assert runs["local_date"].max() == pd.Timestamp("2026-11-15")  # the demo's last Sunday
    assert len(samples) > 100 and samples["time"].is_monotonic_increasing
