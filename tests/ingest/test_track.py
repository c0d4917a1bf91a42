"""Per-sample metric rules, each checked against numbers worked out by hand."""

import math

import numpy as np
import pytest

from analysis import track
from analysis.track import TrackSettings

# One thousandth of a degree of latitude (or of longitude on the equator), in metres:
# 6 371 008.8 m × π / 180 / 1000 = 111.19508 m.
MILLIDEGREE_M = 6_371_008.8 * math.pi / 180 / 1000


def test_step_distances_great_circle_and_segment_breaks():
    lat = np.array([0.0, 0.0, 0.001, 0.001])
    lon = np.array([0.0, 0.001, 0.001, 0.002])
    steps = track.step_distances(lat, lon)
    assert steps == pytest.approx([0.0, MILLIDEGREE_M, MILLIDEGREE_M, MILLIDEGREE_M], rel=1e-6)
    # A new segment starts at index 2: no distance across the gap.
    broken = track.step_distances(lat, lon, segment=np.array([1, 1, 2, 2]))
    assert broken == pytest.approx([0.0, MILLIDEGREE_M, 0.0, MILLIDEGREE_M], rel=1e-6)


def test_steps_from_cumulative_fills_gaps_and_ignores_resets():
    # 0, 10, (missing), 30, 25 (device reset), 35 -> steps 0, 10, 0, 20, 0, 10
    steps = track.steps_from_cumulative(np.array([0.0, 10.0, np.nan, 30.0, 25.0, 35.0]))
    assert steps.tolist() == [0.0, 10.0, 0.0, 20.0, 0.0, 10.0]


def test_moving_time_drops_pauses_and_gps_gaps():
    t = np.array([0.0, 1, 2, 3, 100, 101])
    steps = np.array([0.0, 3, 3, 0, 300, 3])
    # Intervals: 3 m/s (moving), 3 m/s (moving), 0 m/s (standing), 97 s gap (> 60 s: out),
    # 3 m/s (moving) -> 3 s moving.
    moving = track.moving_mask(t, steps, None, TrackSettings())
    assert moving.tolist() == [False, True, True, False, False, True]
    assert track.moving_time(t, moving) == 3.0


def test_moving_without_distance_uses_cadence():
    t = np.array([0.0, 1, 2, 3])
    moving = track.moving_mask(t, np.zeros(4), np.array([0.0, 80, 0, 85]))
    assert moving.tolist() == [False, True, False, True]


def test_hysteresis_counts_only_swings_beyond_threshold():
    # 0→2 is noise (< 3 m); then 2→-2 (−4), -2→5 (+7), 5→1 (−4), 1→10 (+9).
    assert track.gain_loss(np.array([0.0, 2, -2, 5, 1, 10]), 3.0) == (16.0, 8.0)
    # A clean hill: up 5, down 5.
    assert track.gain_loss(np.array([0.0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0]), 3.0) == (5.0, 5.0)
    # Jitter of 1 m never counts.
    assert track.gain_loss(np.array([0.0, 1, 0, 1, 0, 1]), 3.0) == (0.0, 0.0)


def test_clean_elevation_removes_zero_placeholders_and_spikes():
    ele = np.array([0.0, 1130, 1131, 1132, 1133, 1134, 1135, 1136, 1137, 1138])
    cleaned, notes = track.clean_elevation(ele)
    # The leading 0 m (before the first fix) becomes the first real value by interpolation.
    assert cleaned[0] == 1130.0
    assert notes == ["ignored 1 placeholder elevation(s) of 0 m"]
    spiky = np.array([100.0, 101, 102, 160, 103, 104, 105, 106, 107])
    cleaned, notes = track.clean_elevation(spiky)
    assert cleaned[3] == 102.5  # midway between its neighbours 102 and 103
    assert notes == ["removed 1 elevation spike(s)"]


def test_sea_level_zeros_are_real():
    ele = np.array([0.0, 0.5, 1.0, 0.0, 0.5])
    cleaned, notes = track.clean_elevation(ele)
    assert cleaned.tolist() == ele.tolist() and notes == []


def test_downhill_distance_on_grid():
    # Grades per 10 m cell: -0.5/10 = -5 %, -1.0/10 = -10 %, -0.1/10 = -1 %.
    grid = np.array([10.0, 9.5, 8.5, 8.4])
    assert track.downhill_distance(grid, 10.0, -0.05) == 20.0
    assert track.downhill_distance(grid, 10.0, -0.10) == 10.0


def test_elevation_on_grid_resamples_and_smooths():
    distance = np.array([0.0, 50.0, 100.0])
    ele = np.array([0.0, 5.0, 10.0])
    settings = TrackSettings(grid_m=10.0, smoothing_m=10.0)  # one cell: no smoothing
    grid = track.elevation_on_grid(distance, ele, settings)
    assert grid.tolist() == pytest.approx([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    smoothed = track.elevation_on_grid(distance, ele, TrackSettings(grid_m=10, smoothing_m=30))
    # Centred 3-cell mean keeps a straight line straight except at the clamped ends:
    # first cell (0 + 0 + 1) / 3 = 1/3.
    assert smoothed[0] == pytest.approx(1 / 3)
    assert smoothed[5] == pytest.approx(5.0)


@pytest.mark.parametrize(("values", "sport", "factor"), [
    ([84, 85, 86], "run", 2.0),      # strides per minute (one foot)
    ([168, 170, 172], "run", 1.0),   # already steps
    ([55, 56, 57], "walk", 2.0),
    ([108, 110, 112], "hike", 1.0),
    ([0, 0, 0], "run", None),
])
def test_cadence_unit_from_data(values, sport, factor):
    cadence = np.array(values, dtype=float)
    assert track.cadence_factor(cadence, np.ones(3, bool), sport) == factor


def test_time_weighted_mean():
    values = np.array([0.0, 100, 200])
    t = np.array([0.0, 1, 3])
    # Weights are the intervals ending at each sample: 1 s for 100, 2 s for 200.
    mean = track.time_weighted_mean(values, t, np.array([False, True, True]))
    assert mean == pytest.approx((100 * 1 + 200 * 2) / 3)
