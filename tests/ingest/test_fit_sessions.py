"""FIT sessions, distance offsets, system-relative times and heart rate over pauses.

Real files are checked against fitdecode's reading of the device's own session messages (an
independent reference); hand-built files from analysis.synth.fitfile against the numbers
they were built from.
"""

import io
import struct

import fitdecode
import numpy as np
import pandas as pd
import pytest
from fitdecode.profile import FIELD_TYPES, MESSAGE_TYPES

from analysis.ingest import ReadOptions
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.errors import IngestError
from analysis.ingest.fit import (
    _MESSAGES,
    FILE_TYPES,
    MANUFACTURERS,
    SPORTS,
    SUB_SPORTS,
    read_fit,
)
from analysis.ingest.fitcrc import fit_crc
from analysis.synth import FitSession, fit_bytes, synth_run, with_pause
from tests.conftest import sample

MULTISPORT = "fit/fitparse__activity-large-fenxi2-multisport.fit"
TRANSITION = "transition"


def device_sessions(data: bytes) -> list[dict]:
    """Every session message as fitdecode reads it."""
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.DISABLED) as fit:
        return [{f.name: f.value for f in frame.fields} for frame in fit
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "session"]


def summaries(name: str, data: bytes, options: ReadOptions | None = None) -> list[dict]:
    result = read_bytes(name, data, options or ReadOptions())
    assert result.error is None, result.error
    return [activity.summary for activity in result.activities]


# --- real files ---------------------------------------------------------------------------

def test_multisport_sessions_own_their_records_and_add_up_to_the_device_totals():
    data = sample(MULTISPORT).read_bytes()
    device = [s for s in device_sessions(data) if s["sport"] != TRANSITION]
    ours = summaries("m.fit", data)
    # fitdecode: generic 25,072.07 + running 2,245.23 + running 12,740.37 + cycling
    # 28,928.27 = 68,985.94 m (kneeload used to read 65,197.6 m).
    assert sum(s["total_distance"] for s in device) == pytest.approx(68_985.94)
    assert [s["activity_id"][-3:] for s in ours] == ["-s1", "-s3", "-s5", "-s7"]
    for mine, theirs in zip(ours, device, strict=True):
        assert mine["distance_m"] == pytest.approx(theirs["total_distance"], rel=0.001)
    assert sum(s["distance_m"] for s in ours) == pytest.approx(68_985.94, abs=10)
    # The generic session's start_time (08:00:01) lies 2,717 s after its first record; its
    # end minus its elapsed time (10:30:24 - 11,738.24 s) and the records say 07:14:44.
    assert ours[0]["start_time"] == pd.Timestamp("2015-08-29 07:14:44", tz="UTC")
    assert ours[0]["elapsed_time_s"] == pytest.approx(11_738.24, abs=1)
    # Every record in exactly one session. From fitdecode's 24,239 record timestamps cut at
    # the sessions' start times (the first from the file's start): 11,683, 284, 2,199, 6,
    # 6,695, 241 and 3,131 records; each non-transition session but the ride has one pair
    # of records in the same second, which kneeload joins into one sample.
    assert [s["n_samples"] for s in ours] == [11_682, 2_198, 6_694, 3_131]


def test_first_record_distance_counts():
    data = sample("fit/fitparse__garmin-edge-820-bike.fit").read_bytes()
    (device,) = device_sessions(data)
    (ride,) = summaries("edge.fit", data)
    # The first record already carries 6.95 m; the distance is the last record's 457.12 m,
    # the session's own total (it used to be 450.2 m, last minus first).
    assert device["total_distance"] == 457.12
    assert ride["distance_m"] == pytest.approx(457.12, abs=0.005)


@pytest.mark.parametrize("relative", [
    "fit/fitparse__garmin-edge-820-bike.fit", "fit/fitparse__garmin-fenix-5-run.fit",
    "fit/gap__2022-05-29-15-53-35_Laufen_Landal_Park.fit", "fit/sweatpy__4078723797.fit",
    "fit/tormoder__mornindew-broken.fit", "fit/sweatpy__6471559601_ACTIVITY.fit",
    "fit/fitparse__sample_mulitple_header.fit"])
def test_average_heart_rate_within_3_bpm_of_the_device(relative):
    data = sample(relative).read_bytes()
    device = [s for s in device_sessions(data) if s["sport"] != TRANSITION]
    ours = summaries("hr.fit", data)
    checked = 0
    for mine, theirs in zip(ours, device, strict=True):
        if theirs["sport"] == "swimming":
            # The open-water swim's heart rate is in the strap's stored `hr` messages, not
            # in its records (4 of 351 records carry one): nothing to average here.
            continue
        assert abs(mine["avg_heart_rate_bpm"] - theirs["avg_heart_rate"]) <= 3, theirs
        checked += 1
    assert checked >= 1
    # mornindew: paused ~30 min (timer 6,856 s of 8,629 s); the device says 147 bpm, the
    # pause-weighted average was 142.8.


# --- hand-built files ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def run():
    return synth_run(np.random.default_rng(11), "2024-04-02 06:30", duration_s=600)


def test_records_after_the_stated_elapsed_time_are_kept(run):
    # The device wrote 12 records after start + total_elapsed_time (588 s of 600).
    data = fit_bytes(run, sessions=[FitSession(elapsed_s=588.0)])
    (s,) = summaries("late.fit", data)
    assert s["n_samples"] == 601
    assert s["distance_m"] == pytest.approx(run.distance[600], abs=0.006)
    assert s["elapsed_time_s"] == 600.0


def test_a_late_start_time_does_not_double_records(run):
    # Like the Fenix 2: the generic session's start_time lies 200 s after its first record,
    # so start + elapsed reached 200 s into the run that follows.
    sessions = [FitSession(0, 300, sport=0, start_shift_s=200, elapsed_s=299.0),
                FitSession(300, None, sport=1)]
    first, second = summaries("late.fit", fit_bytes(run, sessions=sessions))
    assert (first["n_samples"], second["n_samples"]) == (300, 301)
    # Device distance restarts at each session: records 0..299 and 300..600.
    assert first["distance_m"] == pytest.approx(run.distance[299], abs=0.006)
    assert second["distance_m"] == pytest.approx(run.distance[600] - run.distance[300],
                                                 abs=0.006)
    assert first["start_time"] == run.start


@pytest.mark.parametrize("at_end", [True, False])
def test_distance_that_runs_on_across_sessions(run, at_end):
    sessions = [FitSession(0, 300), FitSession(300, None, sport=2)]
    first, second = summaries("on.fit", fit_bytes(run, sessions=sessions,
                                                  distance_resets=False,
                                                  summaries_at_end=at_end))
    assert first["distance_m"] == pytest.approx(run.distance[299], abs=0.006)
    # The second session counts from where the first ended (record 299), not from 0.
    assert second["distance_m"] == pytest.approx(run.distance[600] - run.distance[299],
                                                 abs=0.006)
    assert second["sport"] == "ride"


def test_distance_already_counted_at_the_first_record(run):
    # A pool swim's first 25 m length, or a bike computer's first metres before its first
    # record: the device's distance starts at 25 m and the total is its last value.
    (s,) = summaries("pool.fit", fit_bytes(run, distance_offset_m=25.0))
    assert s["distance_m"] == pytest.approx(run.distance[600] + 25.0, abs=0.006)


@pytest.mark.parametrize("copies", [2, 3])
def test_a_chained_file_holding_the_activity_twice_is_read_once(run, copies):
    (once,) = summaries("once.fit", fit_bytes(run))
    (chained,) = summaries("twice.fit", fit_bytes(run, copies=copies))
    assert chained["distance_m"] == once["distance_m"] == pytest.approx(run.distance[600],
                                                                        abs=0.006)
    assert chained["n_samples"] == 601
    assert chained["elapsed_time_s"] == 600.0
    assert "copies of earlier ones" in chained["warnings"]


@pytest.mark.parametrize(("anchors", "offset", "source"), [
    ({"correlation"}, 120, "file"), ({"time_created"}, None, "gps"),
    ({"local_timestamp"}, None, "gps"), ({"local_timestamp", "correlation"}, 120, "file")])
def test_system_relative_times_are_dated_by_the_files_own_clock(run, anchors, offset, source):
    # An FR70 counts seconds from power-on (here 5,000 s at the first record) and states one
    # absolute time elsewhere in the file. The run starts 06:30 UTC in Amsterdam (UTC+2).
    data = fit_bytes(run, system_time_at_start=5000, anchors=frozenset(anchors),
                     local_offset_min=120)
    (s,) = summaries("fr70.fit", data)
    assert s["start_time"] == pd.Timestamp("2024-04-02 06:30", tz="UTC")
    assert s["local_date"] == pd.Timestamp("2024-04-02")
    assert (s["utc_offset_min"], s["tz_source"]) == (120, source)
    assert s["elapsed_time_s"] == 600.0
    assert "dated by the file's" in s["warnings"]


def test_local_only_times_without_position_use_the_athletes_zone(run):
    run = synth_run(np.random.default_rng(12), "2024-01-15 23:30", duration_s=600)
    run.lat[:] = np.nan
    run.lon[:] = np.nan
    data = fit_bytes(run, system_time_at_start=7, anchors=frozenset({"local_timestamp"}),
                     local_offset_min=-300)
    # The device's local clock said 18:30 on the 15th (UTC-5); New York is UTC-5 in January.
    (ny,) = summaries("fr70.fit", data, ReadOptions(athlete_tz="America/New_York"))
    assert ny["start_time"] == pd.Timestamp("2024-01-15 23:30", tz="UTC")
    assert ny["local_date"] == pd.Timestamp("2024-01-15")
    (unknown,) = summaries("fr70.fit", data)
    assert unknown["local_date"] == pd.Timestamp("2024-01-15")  # the local day still holds
    assert "no time zone is known" in unknown["warnings"]


def test_system_relative_times_without_any_absolute_time_are_refused(run):
    data = fit_bytes(run, system_time_at_start=5000, anchors=frozenset())
    result = read_bytes("fr70.fit", data, ReadOptions())
    assert result.error == ("the track has no usable timestamps, so it cannot be placed on "
                            "a date")  # never as 1990


def test_heart_rate_average_leaves_out_pauses():
    # A 3,600 s ride at 150 bpm, auto-paused 17 times for 120 s; after each pause the heart
    # rate is down to 95 for the first sample. The device averages timer time: 150 bpm.
    # Weighting every interval (as kneeload did) gives the 17 post-pause samples 121 s each:
    # (150 × 3,583 + 95 × 17 × 121) / (3,583 + 2,057) = 129.9 bpm.
    run = synth_run(np.random.default_rng(5), "2024-05-05 09:00", duration_s=3600)
    run.heart_rate[:] = 150.0
    pauses = list(range(200, 3600, 200))
    assert len(pauses) == 17
    for at in reversed(pauses):
        run.heart_rate[at + 1] = 95.0
        run = with_pause(run, at, 120)
    data = fit_bytes(run, sessions=[FitSession(sport=2, avg_heart_rate=150)])
    (ride,) = summaries("paused.fit", data)
    (device,) = device_sessions(data)
    assert device["avg_heart_rate"] == 150
    assert ride["avg_heart_rate_bpm"] == pytest.approx(150.0)
    assert ride["moving_time_s"] == pytest.approx(3600 - 17, abs=1)
    assert ride["elapsed_time_s"] == 3600 + 17 * 120


# --- names --------------------------------------------------------------------------------

@pytest.mark.parametrize(("ours", "profile"), [(FILE_TYPES, "file"), (SPORTS, "sport"),
                                               (SUB_SPORTS, "sub_sport")])
def test_names_follow_the_fit_profile(ours, profile):
    reference = FIELD_TYPES[profile].enum  # fitdecode's copy of the SDK's Profile.xlsx
    assert {k: v for k, v in ours.items()} == {k: reference[k] for k in ours}


def test_message_and_field_names_and_scales_follow_the_fit_profile():
    for number, (name, fields) in _MESSAGES.items():
        message = MESSAGE_TYPES[number]
        assert message.name == name
        for field_number, (field_name, scale, offset) in fields.items():
            reference = message.fields[field_number]
            assert (reference.name, reference.scale or 1, reference.offset or 0) == (
                field_name, scale, offset)


def test_manufacturer_labels_name_the_profiles_manufacturer():
    reference = FIELD_TYPES["manufacturer"].enum
    for number, label in MANUFACTURERS.items():
        assert reference[number].startswith(label.lower().split()[0]), (number, label)


def test_file_type_32_is_monitoring_b():
    header = struct.pack("<BBHI4s", 12, 0x10, 100, 0, b".FIT")
    body = bytes([0x40, 0, 0, 0, 0, 1, 0, 1, 0x00]) + bytes([0x00, 32])  # file_id type 32
    data = header[:4] + struct.pack("<I", len(body)) + header[8:] + body
    data += struct.pack("<H", fit_crc(data))
    with pytest.raises(IngestError, match="a FIT monitoring_b file, not an activity"):
        read_fit("daily.fit", data)
