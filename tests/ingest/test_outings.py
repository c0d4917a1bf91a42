"""A file holding several days is several activities; GPX points without real times or
positions are handled, not turned into runs."""

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions
from analysis.ingest.dispatch import read_bytes
from tests.conftest import sample

MULTITRACK = "gpx/togeojson__multitrackgpx.gpx"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="t" '
        'xmlns="http://www.topografix.com/GPX/1/1">')


def activities(data: bytes, options: ReadOptions | None = None) -> list[dict]:
    result = read_bytes("t.gpx", data, options or ReadOptions())
    assert result.error is None, result.error
    return [activity.summary for activity in result.activities]


def via_xml_parser(data: bytes) -> bytes:
    """The same file with a comment among the points, so the full XML parser reads it."""
    return data.replace(b"</trkpt>", b"</trkpt><!-- slow path -->", 1)


def track(name: str, start: str, minutes: int, lat0: float = 48.0, ele0: float = 300.0,
          segments: int = 1) -> str:
    """A track heading north at 2.5 m/s (a point a minute), `segments` segments long."""
    times = pd.date_range(start, periods=minutes + 1, freq="min", tz="UTC")
    points = [f'<trkpt lat="{lat0 + 150 * i / 111_195:.7f}" lon="8.0"><ele>{ele0}</ele>'
              f"<time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>" for i, t in enumerate(times)]
    cut = np.array_split(np.array(points), segments)
    return (f"<trk><name>{name}</name><type>hiking</type>"
            + "".join(f"<trkseg>{''.join(part)}</trkseg>" for part in cut) + "</trk>")


@pytest.mark.parametrize("slow", [False, True])
def test_three_days_in_one_file_are_three_walks(slow):
    data = sample(MULTITRACK).read_bytes()
    found = activities(via_xml_parser(data) if slow else data)
    assert [s["name"] for s in found] == ["Tag 1", "Tag 2", "Tag 3"]
    assert [s["local_date"] for s in found] == list(pd.to_datetime(
        ["2008-07-12", "2008-07-13", "2008-07-14"]))
    # The tracks' own spans (gpxpy: 430 s, 962 s, 84 s), not one 45-hour walk.
    assert [s["elapsed_time_s"] for s in found] == [430.0, 962.0, 84.0]
    assert [s["activity_id"][-2:] for s in found] == ["-1", "-2", "-3"]
    # No descent from one day's end to the next day's start (172 m lower): each day loses
    # at most its own highest minus lowest point (read from the file: 7.7, 14.9 and
    # 22.6 m), about 16 m in all (kneeload used to report 170 m).
    losses = [s["elevation_loss_m"] for s in found]
    assert all(loss <= span for loss, span in zip(losses, [7.7, 14.9, 22.6], strict=True))
    assert sum(losses) == pytest.approx(16.1, abs=1.0)


def test_tracks_years_apart_are_not_one_long_activity():
    data = (HEAD + track("Old", "2007-05-01 08:00", 30) + track("New", "2009-08-01 08:00", 40)
            + "</gpx>").encode()
    old, new = activities(data)
    assert (old["name"], old["elapsed_time_s"]) == ("Old", 1800.0)
    assert (new["name"], new["elapsed_time_s"]) == ("New", 2400.0)
    assert old["distance_m"] == pytest.approx(30 * 150, rel=1e-4)  # 150 m a minute
    assert "outing 1 of 2" in old["warnings"]


def test_segments_hours_apart_on_one_day_are_two_outings_but_a_break_is_not():
    hours = (HEAD + track("Morning", "2024-06-01 06:00", 30)
             + track("Evening", "2024-06-01 10:00", 30, lat0=48.1) + "</gpx>").encode()
    assert len(activities(hours)) == 2
    break_ = (HEAD + track("Morning", "2024-06-01 06:00", 30)
              + track("Again", "2024-06-01 08:00", 30, lat0=48.1) + "</gpx>").encode()
    (one,) = activities(break_)
    assert one["elapsed_time_s"] == 2.5 * 3600
    assert one["moving_time_s"] == 3600.0  # the 90 min between them is a pause


def test_tracks_on_either_side_of_local_midnight_are_two_days():
    # 23:20-23:50 and 00:10-00:40 in Germany (UTC+2 in June): 20 minutes apart, two days.
    data = (HEAD + track("Late", "2024-06-01 21:20", 30) + track("Early", "2024-06-01 22:10",
                                                                 30) + "</gpx>").encode()
    late, early = activities(data)
    assert (late["local_date"], early["local_date"]) == (pd.Timestamp("2024-06-01"),
                                                         pd.Timestamp("2024-06-02"))


def test_one_track_of_several_segments_stays_one_activity():
    data = (HEAD + track("Loop", "2024-06-01 06:00", 60, segments=3) + "</gpx>").encode()
    (loop,) = activities(data)
    assert loop["elapsed_time_s"] == 3600.0
    assert loop["activity_id"][-2:] != "-1"  # one outing keeps the plain id


@pytest.mark.parametrize("slow", [False, True])
def test_placeholder_point_times_take_the_files_own_date(slow):
    points = "".join(f'<trkpt lat="{48 + i * 0.001}" lon="8"><time>1901-01-01T00:00:00Z'
                     "</time></trkpt>" for i in range(4))
    data = (HEAD + "<metadata><time>2019-06-23T07:12:00Z</time></metadata><trk><trkseg>"
            + points + "</trkseg></trk></gpx>").encode()
    (s,) = activities(via_xml_parser(data) if slow else data)
    assert s["start_time"] == pd.Timestamp("2019-06-23 07:12", tz="UTC")
    assert s["local_date"] == pd.Timestamp("2019-06-23")
    assert s["distance_m"] == pytest.approx(3 * 111.195, rel=1e-3)  # its route stays
    assert np.isnan(s["moving_time_s"]) and np.isnan(s["elapsed_time_s"])
    assert "dated from the file's own time" in s["warnings"]
    assert s["sport"] == "other"  # no times, no speed: not a run


@pytest.mark.parametrize("value", ["undefined", "NaN-ish", "52.1.3"])
def test_a_point_without_a_number_for_its_position_is_skipped_and_counted(value):
    good = "".join(f'<trkpt lat="{52 + i * 0.001}" lon="4"><time>2024-05-01T06:0{i}:00Z'
                   "</time></trkpt>" for i in range(4))
    bad = f'<trkpt lat="{value}" lon="4"><time>2024-05-01T06:09:00Z</time></trkpt>'
    (s,) = activities((HEAD + "<trk><type>running</type><trkseg>" + good + bad
                       + "</trkseg></trk></gpx>").encode())
    assert s["n_samples"] == 4
    assert s["distance_m"] == pytest.approx(3 * 111.195, rel=1e-3)
    assert "skipped 1 track point(s) whose lat/lon is not a number" in s["warnings"]


def test_a_track_of_undefined_positions_is_an_error_not_a_run():
    bad = "".join('<trkpt lat="undefined" lon="undefined"><time>2024-05-01T06:0'
                  f"{i}:00Z</time></trkpt>" for i in range(3))
    result = read_bytes("u.gpx", (HEAD + "<trk><trkseg>" + bad + "</trkseg></trk></gpx>"
                                  ).encode(), ReadOptions())
    assert result.error == ("none of its 3 track points has a readable position (lat/lon "
                            "such as 'undefined')")
    assert result.activities == []
