import hashlib
import hmac

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.stats.export import (
    TABLES,
    dictionary,
    pseudonym,
    research_tables,
    shift_days,
    write_research_export,
)
from analysis.stats.simulate import simulate_athlete

SALT = b"test-salt"


@pytest.fixture(scope="module")
def athletes():
    return [(f"Runner {i}", a.activities, a.pain) for i, a in
            enumerate(simulate_athlete(s, days=240) for s in (11, 12))]


def test_pseudonym_is_a_salted_hmac():
    expected = "P" + hmac.new(SALT, b"Ann", hashlib.sha256).hexdigest()[:12]
    assert pseudonym("Ann", SALT) == expected
    assert pseudonym("Ann", b"other") != expected
    assert len(expected) == 13 and "Ann" not in expected


def test_date_shift_is_whole_weeks():
    shifts = {shift_days(f"athlete {i}", SALT) for i in range(50)}
    assert all(s % 7 == 0 and 7 <= s <= 7 * 260 for s in shifts)
    assert len(shifts) > 40  # per athlete, not one offset for everybody


def test_tables_have_the_dictionary_columns_and_no_names(athletes):
    tables = research_tables(athletes, salt=SALT)
    for name, columns in TABLES.items():
        assert list(tables[name].columns) == [c.name for c in columns]
    assert set(tables["daily"]["runner"]) == {pseudonym("Runner 0", SALT),
                                                 pseudonym("Runner 1", SALT)}
    text = "".join(frame.to_csv() for frame in tables.values())
    assert "Runner" not in text and "sim-" not in text  # names and activity ids
    assert set(dictionary()["table"]) == set(TABLES)


def test_injurytools_and_acwr_layouts(athletes):
    tables = research_tables(athletes, salt=SALT)
    episodes = tables["episodes_injurytools"]
    assert list(episodes.columns[:4]) == ["runner", "date_injured", "date_recovered",
                                          "severity"]
    recovered = episodes.dropna(subset=["date_recovered"])
    assert (recovered["date_recovered"] > recovered["date_injured"]).all()
    assert episodes["severity"].between(4, 10).all()
    acwr = tables["acwr_load"]
    one = acwr[acwr["ID"] == pseudonym("Runner 0", SALT)]
    assert list(one["Day"]) == list(range(1, len(one) + 1))
    dates = pd.to_datetime(one["Training_Date"])
    # Week counts Monday weeks from the athlete's first one
    expected_week = (dates - (dates.iloc[0] - pd.Timedelta(days=dates.iloc[0].day_of_week))
                     ).dt.days // 7 + 1
    np.testing.assert_array_equal(one["Week"], expected_week)
    daily = tables["daily"][tables["daily"]["runner"] == pseudonym("Runner 0", SALT)]
    np.testing.assert_allclose(one["TL"], daily["distance_m"] / 1000)
    exposure = tables["exposure_injurytools"]
    np.testing.assert_allclose(exposure["time_expo"], tables["daily"]["time_s"] / 60)


def test_dates_shift_by_whole_weeks_per_athlete(athletes):
    plain = research_tables(athletes, salt=SALT)["daily"]
    shifted = research_tables(athletes, salt=SALT, shift_dates=True)["daily"]
    for name in ("Runner 0", "Runner 1"):
        person = pseudonym(name, SALT)
        before = pd.to_datetime(plain.loc[plain["runner"] == person, "date"])
        after = pd.to_datetime(shifted.loc[shifted["runner"] == person, "date"])
        assert ((before - after).dt.days == shift_days(name, SALT)).all()
        assert (before.dt.day_of_week.to_numpy() == after.dt.day_of_week.to_numpy()).all()
    value_columns = [c for c in plain.columns if c != "date"]
    pd.testing.assert_frame_equal(plain[value_columns], shifted[value_columns])


def test_written_files(athletes, tmp_path):
    tables = research_tables(athletes, salt=SALT, shift_dates=True)
    written = write_research_export(tables, tmp_path, shifted=True)
    names = sorted(p.name for p in written)
    assert names == sorted([f"{t}.{ext}" for t in [*TABLES, "data_dictionary"]
                            for ext in ("csv", "parquet")] + ["README.md"])
    schema = pq.read_schema(tmp_path / "episodes_injurytools.parquet")
    assert str(schema.field("date_injured").type) == "date32[day]"
    assert str(schema.field("date_recovered").type) == "date32[day]"
    csv = pd.read_csv(tmp_path / "daily.csv")
    assert len(csv) == len(tables["daily"])
    assert csv["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    readme = (tmp_path / "README.md").read_text()
    assert "salt that is not" in readme and "whole number of weeks" in readme
    everything = "".join(p.read_text(errors="ignore") for p in written if p.suffix == ".csv")
    assert "Runner" not in everything and SALT.decode() not in everything
    exported = {c for columns in TABLES.values() for c in (col.name for col in columns)}
    never = {"lat", "lon", "elevation_m", "name", "note", "activity_id", "source_file",
             "tz_name", "start_time"}
    assert exported.isdisjoint(never)
