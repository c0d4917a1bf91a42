"""The TCX fast path gives exactly what the full XML parser and XSLT give, or steps aside."""

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.ingest.errors import IngestError
from analysis.ingest.tcx import _parse_tree, read_tcx
from analysis.ingest.tcxscan import scan_tcx
from analysis.synth import synth_run, tcx_bytes
from tests.conftest import sample
from tests.ingest import parity
from tests.ingest.parity import mutated

RUN = synth_run(np.random.default_rng(6), "2024-06-01 06:00", duration_s=240)
NS = 'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'


def same_as_tree(data: bytes) -> tuple[pd.DataFrame, Any]:
    """Assert the fast path read `data` and agrees with the XML parser; return its result."""
    return parity.same_as_tree(scan_tcx, _parse_tree, data)


@pytest.mark.parametrize("relative", parity.sample_names("tcx"))
def test_every_sample_is_read_alike(relative):
    fast, activities = same_as_tree(sample(relative).read_bytes())
    assert len(fast) > 0 and len(activities) == 1


def test_generated_file_agrees_and_keeps_its_lap_totals():
    fast, (activity,) = same_as_tree(tcx_bytes(RUN, leading_space=True))
    assert len(fast) == len(RUN.t)
    assert activity == {"sport": "Running", "notes": None, "creator": "kneeload synth",
                        "lap_distance_m": round(RUN.distance[-1], 1), "lap_time_s": 240.0}


TWO = (f'<?xml version="1.0"?><TrainingCenterDatabase {NS}><Activities>'
       '<Activity Sport="Biking"><Id>2024-01-01T00:00:00Z</Id>'
       '<Lap StartTime="2024-01-01T00:00:00Z"><TotalTimeSeconds>20</TotalTimeSeconds>'
       "<DistanceMeters>100</DistanceMeters><Cadence>80</Cadence><Track>"
       "<Trackpoint><Time>2024-01-01T00:00:00Z</Time><DistanceMeters>0</DistanceMeters>"
       "<HeartRateBpm><Value>120</Value></HeartRateBpm><Cadence>80</Cadence></Trackpoint>"
       "<Trackpoint><Time>2024-01-01T00:00:20Z</Time><DistanceMeters>100</DistanceMeters>"
       "</Trackpoint></Track><Track><Trackpoint><Time>2024-01-01T00:00:30Z</Time>"
       "</Trackpoint></Track><Notes>lap note</Notes></Lap><Notes> Ride with Jo </Notes>"
       "<Creator><Name>Edge</Name></Creator></Activity>"
       '<Activity Sport="Running"><Lap><Track><Trackpoint><Time>2024-01-02T00:00:00Z</Time>'
       "<Position><LatitudeDegrees>1.5</LatitudeDegrees><LongitudeDegrees>2.5"
       "</LongitudeDegrees></Position><AltitudeMeters>3</AltitudeMeters><Extensions>"
       '<TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><RunCadence>88'
       "</RunCadence></TPX></Extensions></Trackpoint></Track></Lap></Activity>"
       "</Activities></TrainingCenterDatabase>").encode()


def test_layouts_it_reads():
    fast, (ride, run) = same_as_tree(TWO)
    assert fast["act"].tolist() == [1, 1, 1, 2]
    assert fast["seg"].tolist() == [1, 1, 2, 1]
    assert fast["hr"].tolist()[0] == 120 and fast["cad"].tolist()[0] == 80  # not the lap's
    assert fast["runcad"].tolist()[3] == 88 and fast["lat"].tolist()[3] == 1.5
    assert ride == {"sport": "Biking", "notes": "Ride with Jo", "creator": "Edge",
                    "lap_distance_m": 100.0, "lap_time_s": 20.0}
    assert (run["lap_distance_m"], run["lap_time_s"]) == (None, None)


@pytest.mark.parametrize(("old", "new"), [
    (b"<Trackpoint><Time>2024-01-01T00:00:20Z",
     b"<!-- c --><Trackpoint><Time>2024-01-01T00:00:20Z"),  # a comment in the track
    (b"<Value>120</Value>", b"<Value>&#49;20</Value>"),  # a character reference
    (b"<Trackpoint>", b"<t:Trackpoint>"),                # a prefixed TCX element
    (b"</Activities>", b"</Activities><Courses></Courses>"),  # courses
    (b"<Time>2024-01-02T00:00:00Z</Time>", b"<Time> 2024-01-02T00:00:00Z</Time>"),  # spaces
    (b"</TrainingCenterDatabase>", b""),                 # cut off
    (NS.encode(), b'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v1"'),
])
def test_unusual_layouts_step_aside(old, new):
    assert scan_tcx(TWO) is not None
    changed = TWO.replace(old, new, 1)
    assert changed != TWO
    assert scan_tcx(changed) is None


@settings(max_examples=150, deadline=2000, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_never_raise_and_agree_when_read(data):
    blob = mutated(data, TWO, b'<>/"= \n0123456789.-:TrackpointLapVue')
    scanned = scan_tcx(blob)  # must not raise
    if scanned is None:
        return
    try:
        slow, slow_activities = _parse_tree("m.tcx", blob)
    except IngestError:  # the XML parser may refuse what the scan read
        return
    fast, activities = scanned
    assert len(fast) == len(slow)
    for column in ("act", "seg", "dist"):
        np.testing.assert_array_equal(fast[column].to_numpy(float), slow[column].to_numpy(float))
    assert activities == slow_activities


def test_read_tcx_uses_either_path_with_the_same_result():
    plain = tcx_bytes(RUN)
    commented = plain.replace(b"</Trackpoint>", b"</Trackpoint><!-- slow -->", 1)
    assert scan_tcx(commented) is None
    (fast,), (slow,) = read_tcx("a.tcx", plain), read_tcx("b.tcx", commented)
    np.testing.assert_array_equal(fast.t, slow.t)
    np.testing.assert_array_equal(fast.distance, slow.distance)
    assert (fast.summary_distance_m, fast.timer_time_s) == (slow.summary_distance_m,
                                                             slow.timer_time_s)
