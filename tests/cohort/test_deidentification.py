"""Every export shifts dates unless told not to, and then says why that is risky; distances
and durations leave rounded."""

import pandas as pd

from analysis.cli import main
from analysis.stats.export import shift_days
from analysis.stats.simulate import simulate_athlete
from tests.stats.test_cli_stats import put


def test_export_research_shifts_dates_by_default_and_warns_without(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    athlete = simulate_athlete(3, days=120)
    put(db, "Ann Example", athlete)
    assert main(["export-research", str(tmp_path / "a"), "--db", db, "--salt", "x"]) == 0
    assert main(["export-research", str(tmp_path / "b"), "--db", db, "--salt", "x",
                 "--no-shift-dates"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: dates are not shifted") == 1
    shifted = pd.read_csv(tmp_path / "a" / "daily.csv", parse_dates=["date"])
    real = pd.read_csv(tmp_path / "b" / "daily.csv", parse_dates=["date"])
    first = athlete.activities["local_date"].min()
    assert real["date"].min() == min(first, athlete.pain["date"].min())
    assert (real["date"] - shifted["date"]).unique().tolist() == [
        pd.Timedelta(days=shift_days("Ann Example", b"x"))]
    assert (real["distance_m"] % 10 == 0).all() and (real["time_s"] % 1 == 0).all()
    assert real["distance_m"].sum() != athlete.activities["distance_m"].sum()
    assert abs(real["distance_m"].sum() - athlete.activities["distance_m"].sum()) <= 5 * len(
        athlete.activities)
