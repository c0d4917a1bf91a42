"""TCX: generated fixtures for each variation, and the real sample files."""

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions
from analysis.ingest.errors import IngestError
from analysis.ingest.summarise import summarise
from analysis.ingest.tcx import read_tcx
from analysis.synth import synth_run, tcx_bytes
from tests.conftest import sample

NS = 'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
EXT = 'xmlns:x="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'


def point(seconds: int, dist: float, alt: float, cad: str = "") -> str:
    return (f"<Trackpoint><Time>2024-05-01T06:00:{seconds:02d}Z</Time><Position>"
            f"<LatitudeDegrees>0</LatitudeDegrees><LongitudeDegrees>{dist / 111195:.7f}"
            f"</LongitudeDegrees></Position><AltitudeMeters>{alt}</AltitudeMeters>"
            f"<DistanceMeters>{dist}</DistanceMeters><HeartRateBpm><Value>150</Value>"
            f"</HeartRateBpm>{cad}</Trackpoint>")


def tcx(activities: str, leading: str = "") -> bytes:
    return (f'{leading}<?xml version="1.0"?><TrainingCenterDatabase {NS} {EXT}><Activities>'
            f"{activities}</Activities></TrainingCenterDatabase>").encode()


def run_cadence(value: int) -> str:
    return f"<Extensions><x:TPX><x:RunCadence>{value}</x:RunCadence></x:TPX></Extensions>"


def summaries(data: bytes) -> list[dict]:
    return [summarise(r, "id" + r.id_suffix, ReadOptions()).summary
            for r in read_tcx("t.tcx", data)]


def test_device_distance_cadence_and_whitespace_before_declaration():
    points = "".join(point(i * 10, i * 30.0, 100.0, run_cadence(85 + i)) for i in range(4))
    (s,) = summaries(tcx(f'<Activity Sport="Running"><Lap><Track>{points}</Track></Lap>'
                         "</Activity>", leading="\n  "))
    assert s["distance_m"] == 90.0  # the last DistanceMeters, not recomputed
    assert s["elapsed_time_s"] == 30.0
    # RunCadence 86, 87, 88 strides over three 10 s intervals -> 174 steps/min.
    assert s["avg_cadence_spm"] == pytest.approx(174.0)
    assert s["cadence_source"] == "tcx:RunCadence" and s["sport"] == "run"
    assert s["avg_heart_rate_bpm"] == 150.0


def test_biking_cadence_is_left_out_and_two_activities_are_two():
    bike = "".join(point(i * 10, i * 80.0, 50.0, "<Cadence>90</Cadence>") for i in range(3))
    walk = "".join(point(i * 10, i * 12.0, 50.0, "<Cadence>55</Cadence>") for i in range(3))
    ride, hike = summaries(tcx(
        f'<Activity Sport="Biking"><Lap><Track>{bike}</Track></Lap></Activity>'
        f'<Activity Sport="Walking"><Lap><Track>{walk}</Track></Lap></Activity>'))
    assert (ride["activity_id"], ride["sport"]) == ("id-1", "ride")
    assert np.isnan(ride["avg_cadence_spm"])
    assert (hike["activity_id"], hike["sport"]) == ("id-2", "walk")
    # A walk's <Cadence> of 55 is one foot: 110 steps/min.
    assert (hike["avg_cadence_spm"], hike["cadence_source"]) == (110.0, "tcx:Cadence")


def test_course_without_points_is_an_error():
    with pytest.raises(IngestError, match="no track points"):
        read_tcx("c.tcx", tcx('<Activity Sport="Running"><Lap></Lap></Activity>'))


def test_generated_tcx_matches_the_run():
    run = synth_run(np.random.default_rng(2), "2024-01-02 08:00", duration_s=900)
    (s,) = summaries(tcx_bytes(run, leading_space=True))
    assert s["distance_m"] == pytest.approx(run.distance[-1], abs=0.06)
    assert s["start_time"] == pd.Timestamp("2024-01-02 08:00", tz="UTC")


def test_zero_altitude_placeholder_is_not_a_climb():
    (raw,) = read_tcx("b.tcx", sample("tcx/activityio__c2eb1b_2.tcx").read_bytes())
    assert raw.elevation[0] == 0.0  # the device's placeholder before its first fix
    s = summarise(raw, "id", ReadOptions()).summary
    # Brasília sits at ~1,130 m; counting the 0 m would add a 1,130 m climb.
    assert s["elevation_gain_m"] < 150
    assert "ignored 1 placeholder elevation(s) of 0 m" in s["warnings"]
    assert s["tz_name"] == "America/Sao_Paulo"


def test_forerunner_sample():
    (raw,) = read_tcx("f.tcx", sample("tcx/tcxparser__test.tcx").read_bytes())
    s = summarise(raw, "id", ReadOptions()).summary
    assert s["n_samples"] == 384 and s["sport"] == "run"
    assert s["distance_m"] == pytest.approx(np.nanmax(raw.distance))
    assert s["start_time"] == pd.Timestamp("2012-12-26T21:29:53Z")


def test_other_sport_with_run_cadence_stays_other():
    (raw,) = read_tcx("x.tcx", sample("tcx/tcxreader__cross-country-skiing_activity_1.tcx")
                      .read_bytes())
    s = summarise(raw, "id", ReadOptions()).summary
    assert s["sport"] == "other" and np.isnan(s["avg_cadence_spm"])
    assert s["cadence_source"] == ""


def test_cropped_track_takes_the_lap_totals_and_says_so():
    (s,) = summaries(sample("tcx/togeojson__sample.tcx").read_bytes())
    # Its 19 trackpoints end at 3,441.17 m and 1,431 s; its Lap states 8,348.5039063 m in
    # 2,325.02 s (an excerpt of a longer run).
    assert s["distance_m"] == pytest.approx(8348.5039063)
    assert s["moving_time_s"] == pytest.approx(2325.02)
    assert s["elapsed_time_s"] == pytest.approx(2325.02)
    assert ("the track points cover 3.44 km of the 8.35 km the file's own summary states"
            in s["warnings"])


def test_laps_adding_up_to_the_track_change_nothing():
    points = "".join(point(i * 10, i * 30.0, 100.0) for i in range(4))
    laps = ('<Lap><TotalTimeSeconds>20</TotalTimeSeconds><DistanceMeters>60</DistanceMeters>'
            f"<Track>{points}</Track></Lap><Lap><TotalTimeSeconds>10</TotalTimeSeconds>"
            "<DistanceMeters>31.5</DistanceMeters></Lap>")
    (s,) = summaries(tcx(f'<Activity Sport="Running">{laps}</Activity>'))
    # Laps: 60 + 31.5 = 91.5 m, within 5 % of the track's 90 m: the track's own values.
    assert (s["distance_m"], s["moving_time_s"]) == (90.0, 30.0)
    assert "summary" not in s["warnings"]
