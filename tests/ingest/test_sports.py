"""A file that names no sport is guessed, said so with the reason, and never silently a run."""

import numpy as np
import pytest

from analysis.ingest import ReadOptions
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.sports import Movement, guess_sport
from analysis.synth import fit_bytes, gpx_bytes, synth_ride, synth_run, tcx_bytes
from tests.conftest import sample

RIDE = synth_ride("2024-05-04 09:00", name="Saturday")  # a name that says nothing


def summary(name: str, data: bytes) -> dict:
    (activity,) = read_bytes(name, data, ReadOptions()).activities
    return activity.summary


def test_the_synthetic_ride_is_what_the_issue_describes():
    # 9 cycles of 300 s at 2.5 m/s, 130 s at 7.5 m/s and 180 s at 3.75 m/s:
    # 9 × (750 + 975 + 675) m = 21,600 m in 9 × 610 s = 5,490 s, 14.2 km/h.
    assert RIDE.distance[-1] == 21_600.0
    assert RIDE.t[-1] == 5_490.0


@pytest.mark.parametrize(("writer", "name"), [
    (lambda r: gpx_bytes(r, sport=None, cadence="steps"), "ride.gpx"),  # rpm as written
    (lambda r: gpx_bytes(r, sport=None, cadence="none"), "ride.gpx"),   # GPS only
    (lambda r: fit_bytes(r, sport=0), "ride.fit"),                     # FIT sport generic
])
def test_a_214_km_ride_at_14_kmh_is_not_a_run(writer, name):
    s = summary(name, writer(RIDE))
    assert s["distance_m"] == pytest.approx(21_600, abs=0.5)
    assert s["distance_m"] / s["moving_time_s"] * 3.6 == pytest.approx(14.16, abs=0.01)
    assert (s["sport"], s["sport_source"]) == ("ride", "guessed")
    assert s["sport_reason"] in s["warnings"]
    assert "the file names no sport; guessed ride" in s["warnings"]


def test_coasting_is_the_reason_when_cadence_is_recorded():
    s = summary("ride.gpx", gpx_bytes(RIDE, sport=None, cadence="steps"))
    # 130 of every 610 s freewheel at 27 km/h: 21 %.
    assert s["sport_reason"] == ("cadence stops while moving above 9.0 km/h for 21% of the "
                                 "time (freewheeling)")


def test_speed_is_the_reason_without_cadence():
    s = summary("ride.gpx", gpx_bytes(RIDE, sport=None, cadence="none"))
    assert s["sport_reason"] == ("median moving speed 13.5 km/h, two minutes at 27.0 km/h "
                                 "or more: faster than running")


def test_a_run_with_running_cadence_is_a_run_and_says_why():
    run = synth_run(np.random.default_rng(8), "2024-05-01 07:00", duration_s=1800,
                    cadence_spm=170, name="Tuesday")
    s = summary("run.gpx", gpx_bytes(run, sport=None))  # Garmin strides, doubled
    assert (s["sport"], s["sport_source"]) == ("run", "guessed")
    assert s["sport_reason"].startswith("cadence 17") and "running's 150–200" in s[
        "sport_reason"]


def test_a_run_without_cadence_is_a_steady_run():
    run = synth_run(np.random.default_rng(8), "2024-05-01 07:00", duration_s=1800,
                    name="Tuesday")
    s = summary("run.gpx", gpx_bytes(run, sport=None, cadence="none"))
    assert s["sport"] == "run" and "no cadence" in s["sport_reason"]


def test_a_walk_is_a_walk():
    walk = synth_run(np.random.default_rng(9), "2024-05-01 07:00", duration_s=1800,
                     speed_mps=1.3, cadence_spm=110, name="Sunday")
    s = summary("walk.tcx", tcx_bytes(walk, sport="Other"))
    assert (s["sport"], s["sport_source"]) == ("other", "file")  # the file names "Other"
    s = summary("walk.gpx", gpx_bytes(walk, sport=None))
    assert s["sport"] == "walk"
    # Built at 1.3 m/s (4.7 km/h) ± 4 % and the hills' slowing.
    kmh = float(s["sport_reason"].split()[3])
    assert 4.4 <= kmh <= 4.9 and s["sport_reason"].endswith("km/h is walking pace")


def test_a_track_that_moved_nowhere_is_no_run():
    run = synth_run(np.random.default_rng(1), "2024-05-01 07:00", duration_s=600, name="x")
    run.lat[:] = run.lat[0]
    run.lon[:] = run.lon[0]
    s = summary("still.gpx", gpx_bytes(run, sport=None, cadence="none"))
    assert s["distance_m"] == 0.0
    assert (s["sport"], s["sport_reason"]) == ("other", "it moved only 0 m")


def test_a_named_sport_is_taken_as_written():
    run = synth_run(np.random.default_rng(1), "2024-05-01 07:00", duration_s=600)
    s = summary("named.gpx", gpx_bytes(run, sport="cycling"))
    assert (s["sport"], s["sport_source"], s["sport_reason"]) == ("ride", "file", "")


def test_the_activity_name_is_a_reason():
    run = synth_run(np.random.default_rng(1), "2024-05-01 07:00", duration_s=600,
                    name="Evening Ride")
    s = summary("named.gpx", gpx_bytes(run, sport=None))
    assert (s["sport"], s["sport_reason"]) == ("ride", "its name 'Evening Ride' says so")


def test_a_stroke_rate_is_not_a_step_rate():
    # The Fenix 2 multisport's first session: sport generic, 25 km at 7.7 km/h with a
    # cadence of 40 per minute (a paddling stroke rate), freewheeling half the time.
    data = sample("fit/fitparse__activity-large-fenxi2-multisport.fit").read_bytes()
    first = read_bytes("m.fit", data, ReadOptions()).activities[0].summary
    assert (first["sport"], first["sport_source"]) == ("other", "guessed")
    assert first["sport_reason"].startswith("cadence 40/min is a stroke rate")


@pytest.mark.parametrize(("seen", "sport"), [
    (Movement(50.0, 3.0, np.full(5, 3.0), np.nan, 0.0), "other"),       # 50 m
    (Movement(5000.0, np.nan, np.empty(0), np.nan, 0.0), "other"),      # no times
    (Movement(5000.0, 3.0, np.full(20, 3.0), 30.0, 0.0), "other"),      # strokes
    (Movement(5000.0, 3.0, np.full(20, 3.0), 85.0, 0.06), "ride"),      # coasting
    (Movement(5000.0, 6.5, np.full(20, 6.5), np.nan, 0.0), "ride"),     # 23.4 km/h median
    (Movement(5000.0, 3.0, np.r_[np.full(18, 3.0), 7.2, 7.3], np.nan, 0.0), "ride"),
    (Movement(5000.0, 3.0, np.r_[np.full(19, 3.0), 9.0], np.nan, 0.0), "run"),  # one jump
    (Movement(5000.0, 3.5, np.full(20, 3.5), 84.0, 0.0), "run"),       # 168 steps/min
    (Movement(5000.0, 1.5, np.full(20, 1.5), np.nan, 0.0), "walk"),
    (Movement(5000.0, 3.0, np.r_[np.full(10, 1.0), np.full(10, 4.0)], np.nan, 0.0),
     "ride"),                                                            # 4-fold spread
    (Movement(5000.0, 3.0, np.r_[np.full(10, 2.0), np.full(10, 4.0)], np.nan, 0.0),
     "run"),                                                             # 2-fold: intervals
])
def test_rules(seen, sport):
    assert guess_sport(None, seen).sport == sport
