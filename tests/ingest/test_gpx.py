"""GPX: hand-written fixtures for every variation, and the real sample files."""

import math

import gpxpy
import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.errors import IngestError
from analysis.ingest.gpx import read_gpx
from analysis.ingest.summarise import summarise
from tests.conftest import sample

MILLIDEGREE_M = 6_371_008.8 * math.pi / 180 / 1000  # 111.195 m


def summary(data: bytes, options: ReadOptions | None = None) -> dict:
    (raw,) = read_gpx("test.gpx", data)
    return summarise(raw, "id", options or ReadOptions()).summary


def gpx11(points: str, extra_ns: str = "", trk_extra: str = "") -> bytes:
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="t" '
            f'xmlns="http://www.topografix.com/GPX/1/1" {extra_ns}><trk>{trk_extra}'
            f"<trkseg>{points}</trkseg></trk></gpx>").encode()


V2 = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"'


def pt(lon: float, lat: float, time: str, ele: str = "", ext: str = "") -> str:
    ele_tag = f"<ele>{ele}</ele>" if ele else ""
    ext_tag = f"<extensions>{ext}</extensions>" if ext else ""
    return f'<trkpt lon="{lon}" lat="{lat}">{ele_tag}<time>{time}</time>{ext_tag}</trkpt>'


def tpx(hr: int, cad: int) -> str:
    return (f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
            f"<gpxtpx:cad>{cad}</gpxtpx:cad></gpxtpx:TrackPointExtension>")


def test_three_points_on_the_equator_with_v2_extensions():
    data = gpx11(pt(0.000, 0, "2024-05-01T06:00:00Z", "10", tpx(140, 85))
                 + pt(0.001, 0, "2024-05-01T06:00:10Z", "11", tpx(150, 86))
                 + pt(0.002, 0, "2024-05-01T06:00:20Z", "12", tpx(160, 87)),
                 V2, "<name>Morning</name><type>running</type>")
    s = summary(data)
    assert s["distance_m"] == pytest.approx(2 * MILLIDEGREE_M, rel=1e-6)
    assert s["elapsed_time_s"] == 20.0
    assert s["moving_time_s"] == 20.0
    # Cadence 86, 87 strides/min over the two 10 s intervals -> 172, 174 steps -> 173.
    assert s["avg_cadence_spm"] == pytest.approx(173.0)
    assert (s["cadence_unit_in"], s["cadence_factor"]) == ("strides_per_min", 2.0)
    assert s["cadence_source"] == "gpx:TrackPointExtension/cad"
    # Heart rate weighted by interval: (150 * 10 + 160 * 10) / 20.
    assert s["avg_heart_rate_bpm"] == pytest.approx(155.0)
    assert s["max_heart_rate_bpm"] == 160.0
    assert s["name"] == "Morning" and s["sport"] == "run"
    assert s["start_time"] == pd.Timestamp("2024-05-01T06:00:00Z")


def test_gpx_10_without_prefix_bom_and_multiple_tracks():
    head = ('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.0" '
            'xmlns="http://www.topografix.com/GPX/1/0"><type>x</type>')
    tracks = "".join(
        f"<trk><type>Run</type><trkseg>{pt(0, lat, t1)}{pt(0, lat + 0.001, t2)}</trkseg></trk>"
        for lat, t1, t2 in [(0, "2024-05-01T06:00:00Z", "2024-05-01T06:00:30Z"),
                            (1, "2024-05-01T06:10:00Z", "2024-05-01T06:10:30Z")])
    s = summary((head + tracks + "</gpx>").encode("utf-8"))
    # Two tracks of one millidegree each; the 1° jump between them is not distance.
    assert s["distance_m"] == pytest.approx(2 * MILLIDEGREE_M, rel=1e-6)
    assert s["elapsed_time_s"] == 630.0
    assert s["moving_time_s"] == 60.0  # the 9.5 min between tracks is a pause
    assert s["elevation_source"] == "none" and np.isnan(s["elevation_gain_m"])


def test_strava_gpx_cadence_already_in_steps():
    data = gpx11("".join(pt(0.00003 * i, 0, f"2024-05-01T06:00:{i:02d}Z", "", tpx(150, 170))
                         for i in range(10)), V2, "<type>running</type>")
    s = summary(data)
    assert (s["avg_cadence_spm"], s["cadence_factor"]) == (170.0, 1.0)
    assert s["cadence_unit_in"] == "steps_per_min"


def test_apple_watch_double_extensions_and_partial_hr():
    ext1 = "<gpxtpx:TrackPointExtension><gpxtpx:cad>80</gpxtpx:cad></gpxtpx:TrackPointExtension>"
    ext2 = "<gpxtpx:PowerExtension><gpxtpx:PowerInWatts>200</gpxtpx:PowerInWatts>" \
           "</gpxtpx:PowerExtension>"
    points = (f'<trkpt lat="0" lon="0"><ele>5</ele><time>2024-05-01T06:00:00.5Z</time>'
              f"<extensions>{ext1}</extensions><extensions>{ext2}</extensions></trkpt>"
              f'<trkpt lat="0" lon="0.0001"><ele>5</ele><time>2024-05-01T06:00:04.5Z</time>'
              f"<extensions>{tpx(130, 82)}</extensions><extensions>{ext2}</extensions></trkpt>")
    (raw,) = read_gpx("a.gpx", gpx11(points, V2))
    assert raw.cadence.tolist() == [80.0, 82.0]
    assert np.isnan(raw.heart_rate[0]) and raw.heart_rate[1] == 130.0
    assert raw.t[1] - raw.t[0] == pytest.approx(4.0)


def test_offset_times_give_the_local_clock():
    data = gpx11(pt(4.9, 52.37, "2025-08-29T23:30:00+02:00") + pt(4.901, 52.37,
                                                                  "2025-08-29T23:31:00+02:00"))
    s = summary(data)
    assert s["start_time"] == pd.Timestamp("2025-08-29T21:30:00Z")
    assert (s["utc_offset_min"], s["tz_source"], s["tz_name"]) == (120, "file",
                                                                  "Europe/Amsterdam")
    assert s["local_date"] == pd.Timestamp("2025-08-29")


def test_gps_position_gives_the_local_day():
    # 23:30 UTC in New York (UTC-4 in May) is 19:30 the same day; in Berlin it is tomorrow.
    ny = summary(gpx11(pt(-74.0, 40.7, "2024-05-01T23:30:00Z")
                       + pt(-74.001, 40.7, "2024-05-01T23:31:00Z")))
    berlin = summary(gpx11(pt(13.4, 52.5, "2024-05-01T23:30:00Z")
                           + pt(13.401, 52.5, "2024-05-01T23:31:00Z")))
    assert (ny["tz_name"], ny["local_date"]) == ("America/New_York", pd.Timestamp("2024-05-01"))
    assert (berlin["tz_name"], berlin["local_date"]) == ("Europe/Berlin",
                                                         pd.Timestamp("2024-05-02"))


def test_athlete_zone_when_no_gps_and_no_offset():
    data = gpx11('<trkpt lat="" lon=""><time>2024-05-01T23:30:00Z</time></trkpt>'
                 '<trkpt lat="" lon=""><time>2024-05-01T23:40:00Z</time></trkpt>')
    s = summary(data, ReadOptions(athlete_tz="Asia/Tokyo"))
    assert (s["tz_source"], s["utc_offset_min"]) == ("athlete", 540)
    assert s["local_date"] == pd.Timestamp("2024-05-02")
    assert summary(data)["tz_source"] == "default_utc"


def test_naive_times_are_read_as_utc_and_said():
    s = summary(gpx11(pt(0, 0, "2024-05-01T06:00:00") + pt(0.001, 0, "2024-05-01T06:01:00")))
    assert s["start_time"] == pd.Timestamp("2024-05-01T06:00:00Z")
    assert "times carry no time zone; read as UTC" in s["warnings"]


def test_placeholder_dates_are_ignored():
    data = gpx11(pt(0, 0, "1901-01-01T00:00:00Z") + pt(0.001, 0, "2024-05-01T06:00:00Z")
                 + pt(0.002, 0, "2024-05-01T06:00:30Z"))
    s = summary(data)
    assert s["start_time"] == pd.Timestamp("2024-05-01T06:00:00Z")
    assert s["elapsed_time_s"] == 30.0
    assert "ignored 1 placeholder or impossible timestamp(s)" in s["warnings"]
    only_placeholders = gpx11(pt(0, 0, "1901-01-01T00:00:00Z") + pt(0.001, 0,
                                                                    "1901-01-01T00:01:00Z"))
    with pytest.raises(IngestError, match="no usable timestamps"):
        summary(only_placeholders)


def test_points_without_elevation_or_time_are_kept():
    data = gpx11(pt(0, 0, "2024-05-01T06:00:00Z", "10")
                 + '<trkpt lat="0" lon="0.001"></trkpt>'
                 + pt(0.002, 0, "2024-05-01T06:00:20Z", "12"))
    s = summary(data)
    assert s["n_samples"] == 3
    assert s["distance_m"] == pytest.approx(2 * MILLIDEGREE_M, rel=1e-6)
    assert s["elapsed_time_s"] == 20.0


def test_waypoints_only_is_an_error():
    data = b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="2"/></gpx>'
    result = read_bytes("w.gpx", data, ReadOptions())
    assert result.error == "no track points (the file holds only waypoints or routes)"


# --- real files ---------------------------------------------------------------------------

GPX_SAMPLES = ["gpx/togeojson__run.gpx", "gpx/togeojson__run_gpxtpx.gpx",
               "gpx/togeojson__Friday-Evening-Run.gpx", "gpx/gpxpy__korita-zbevnica.gpx",
               "gpx/gap__opentracks_hike_2025-08-29_Cadzand-Bad.gpx",
               "gpx/gpxpy__cerknicko-jezero-without-elevations.gpx",
               "gpx/gpxpy__track-with-empty-segment.gpx", "gpx/sweatpy__4078723797_strava.gpx",
               "gpx/sweatpy__activity_4078723797.gpx"]


@pytest.mark.parametrize("relative", GPX_SAMPLES)
def test_distance_within_half_a_percent_of_gpxpy(relative):
    path = sample(relative)
    data = path.read_bytes()
    expected = gpxpy.parse(data.decode("utf-8-sig")).length_2d()
    assert summary(data)["distance_m"] == pytest.approx(expected, rel=0.005)


def test_apple_watch_sample_cadence_doubled():
    s = summary(sample("gpx/togeojson__Friday-Evening-Run.gpx").read_bytes())
    assert s["sport"] == "run" and s["cadence_factor"] == 2.0
    # Per-leg values 64–82 become 128–164 steps/min.
    assert 128 <= s["avg_cadence_spm"] <= 164


def test_opentracks_offset_and_zero_heart_rate():
    s = summary(sample("gpx/gap__opentracks_hike_2025-08-29_Cadzand-Bad.gpx").read_bytes())
    assert (s["tz_source"], s["utc_offset_min"]) == ("file", 120)
    assert s["local_date"] == pd.Timestamp("2025-08-29")
    # Every v2 <hr> is 0 (no sensor paired): no heart rate, not an average of zeros.
    assert np.isnan(s["avg_heart_rate_bpm"]) and np.isnan(s["max_heart_rate_bpm"])


def test_track_without_elevation_has_unknown_gain():
    s = summary(sample("gpx/gpxpy__cerknicko-jezero-without-elevations.gpx").read_bytes())
    assert np.isnan(s["elevation_gain_m"]) and s["elevation_source"] == "none"


def test_bom_and_waypoints_only_sample():
    result = read_bytes("bom.gpx", sample("gpx/gpxpy__unicode_with_bom.gpx").read_bytes(),
                        ReadOptions())
    assert result.error == "no track points (the file holds only waypoints or routes)"


def test_ride_gpx_and_fit_of_the_same_ride_agree():
    strava = summary(sample("gpx/sweatpy__4078723797_strava.gpx").read_bytes())
    garmin = summary(sample("gpx/sweatpy__activity_4078723797.gpx").read_bytes())
    assert strava["sport"] == garmin["sport"] == "ride"
    assert strava["distance_m"] == pytest.approx(garmin["distance_m"], rel=0.001)
    assert np.isnan(strava["avg_cadence_spm"])  # rpm of a ride is not a step rate
