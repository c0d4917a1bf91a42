"""AthleteView: one athlete, one today (on their clock), checked thresholds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.athlete import AthleteView
from analysis.store import Store
from analysis.thresholds import SETTINGS_KEY


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'k.db'}") as opened:
        yield opened


def test_today_is_worked_out_once_on_the_athletes_clock(store):
    athlete = store.update_athlete(store.athlete("kiri").id, tz="Pacific/Kiritimati")
    view = AthleteView(store, "kiri")
    assert view.today == pd.Timestamp.now(tz="Pacific/Kiritimati").tz_localize(None).normalize()
    assert view.tables.today == view.today and view.plan().today == view.today
    assert AthleteView(store, athlete, "2024-03-05").today == pd.Timestamp("2024-03-05")


def test_stored_thresholds_are_checked_and_the_athlete_named(store):
    athlete = store.update_athlete(store.athlete("ann").id,
                                   settings={SETTINGS_KEY: {"spike_small": 3}})
    with pytest.raises(ValueError, match="ann's stored invalid thresholds: 1 <= spike_small"):
        AthleteView(store, athlete)
