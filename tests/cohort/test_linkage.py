"""The matching attack against the research export: the detailed daily table re-identifies
runners, the sharing level (weekly distance to 0.5 km, shifted dates) much less."""

import pandas as pd
import pytest

from analysis.cohort.linkage import (
    daily_release,
    guess,
    known_share,
    reidentification_rate,
    shared_release,
)
from analysis.stats.export import pseudonym, research_tables
from analysis.stats.simulate import simulate_athlete

SALT = b"linkage"
DAY = pd.Timestamp("2023-03-06")


def test_guess_by_hand():
    # A ran 5.0 and 3.2 km two days apart; B only the 5.0 km. The target's true dates are
    # two weeks later (shift 14 days).
    release = daily_release(pd.DataFrame({
        "runner": ["A"] * 3 + ["B"] * 3, "date": list(pd.date_range(DAY, periods=3)) * 2,
        "distance_m": [5000.0, 0.0, 3200.0, 5000.0, 0.0, 0.0]}))
    both = pd.DataFrame({"date": [DAY + pd.Timedelta(days=14), DAY + pd.Timedelta(days=16)],
                         "distance_m": [5003.0, 3198.0]})
    assert guess(release, both) == {"A": 1.0, "B": 0.0}  # B released 0 km on the second day
    assert guess(release, both.iloc[:1]) == {"A": 0.5, "B": 0.5}  # one run fits both
    assert guess(release, both.assign(distance_m=[5100.0, 3198.0])) == {"A": 0.0, "B": 0.0}


@pytest.fixture(scope="module")
def cohort():
    athletes = [simulate_athlete(seed, days=365) for seed in range(30)]
    people = [(f"Runner {i}", a.activities, a.pain) for i, a in enumerate(athletes)]
    tables = research_tables(people, salt=SALT, shift_dates=True)
    runs = {pseudonym(name, SALT): acts.loc[acts["distance_m"] > 0].assign(
        date=acts["local_date"])[["date", "distance_m"]] for name, acts, _ in people}
    return tables, runs


def rates(release, runs):
    return [reidentification_rate(release, {p: known_share(r, share, seed=i)
                                            for i, (p, r) in enumerate(runs.items())})
            for share in (1.0, 0.5, 0.25)]


def test_detailed_export_is_pseudonymised_not_anonymous(cohort):
    tables, runs = cohort
    assert rates(daily_release(tables["daily"]), runs) == [1.0, 1.0, 1.0]


def test_sharing_level_links_far_less(cohort):
    tables, runs = cohort
    everything, half, quarter = rates(shared_release(tables["weekly_shared"]), runs)
    print(f"sharing level re-identification: all runs known {everything:.0%}, "
          f"half {half:.0%}, a quarter {quarter:.0%}")
    assert everything >= half >= quarter
    assert quarter <= 0.25
