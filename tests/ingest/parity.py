"""Shared by the fast-path tests: the numpy scan and the XML parser give the same table and
details, also on randomly damaged files."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from analysis.ingest.xmltable import parse_times
from tests.conftest import SAMPLES


def same_as_tree(scan: Callable[[bytes], Any], parse_tree: Callable[[str, bytes], Any],
                 data: bytes) -> tuple[pd.DataFrame, Any]:
    """Assert `scan` read `data` and agrees with `parse_tree` (the XML parser): every
    column equal (numbers as numbers, times as the same strings) and the same details."""
    scanned = scan(data)
    assert scanned is not None, "expected the fast path to read this file"
    fast, details = pd.DataFrame(scanned[0]), scanned[1]
    slow, slow_details = parse_tree("t", data)
    times = "t" if "t" in fast else "time"  # plain UTC times come parsed already
    pd.testing.assert_frame_equal(fast.drop(columns=times), slow.drop(columns="time"),
                                  check_dtype=False)
    if times == "t":
        np.testing.assert_array_equal(fast["t"], parse_times(slow["time"])[0])
    else:
        assert fast["time"].fillna("").tolist() == slow["time"].fillna("").tolist()
    assert details == slow_details
    return fast, details


def mutated(data: st.DataObject, original: bytes, alphabet: bytes) -> bytes:
    """`original` with one to four bytes replaced by bytes drawn from `alphabet`."""
    changed = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(changed) - 1))
        changed[at] = data.draw(st.sampled_from(alphabet))
    return bytes(changed)


def sample_names(kind: str) -> list[str]:
    """The shared real samples of `kind` ('gpx', 'tcx') as paths relative to the samples
    folder (one missing name when the folder is absent, so the test skips saying so)."""
    folder = SAMPLES / kind
    if not folder.exists():
        return [f"{kind}/missing.{kind}"]
    return sorted(p.relative_to(SAMPLES).as_posix() for p in folder.glob(f"*.{kind}"))
