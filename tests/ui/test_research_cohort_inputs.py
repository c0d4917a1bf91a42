"""The Research page with awkward cohort CSVs: no mixed model fitted, a runner without runs,
bad values; and the forest plot names the runners it leaves out."""

from __future__ import annotations

import pandas as pd

from tests.ui.conftest import app

UPLOAD = "A cohort CSV from elsewhere"


def runner_rows(name: str, runs: bool = True, weeks: int = 10) -> list[tuple]:
    """Ten weeks from Monday 2024-01-01: pain 1 every day, except week 6 (from 2024-02-05):
    5 on Monday to Wednesday and no entry after, so a flare starts in a week with only 3
    diary days (not at risk); runs on Monday, Wednesday and Friday, 5000 m + 500 m × (week
    mod 3), when `runs`."""
    rows = []
    for day in range(7 * weeks):
        week, weekday = divmod(day, 7)
        date = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
        pain = None if week == 5 and weekday >= 3 else 5 if week == 5 else 1
        distance = 5000 + 500 * (week % 3) if runs and weekday in (0, 2, 4) else None
        rows.append((name, date, distance, pain))
    return rows


def csv_bytes(rows: list[tuple]) -> bytes:
    return pd.DataFrame(rows, columns=["athlete_id", "date", "distance_m", "pain"]).to_csv(
        index=False).encode()


def upload(data: bytes, name: str = "cohort.csv"):
    at = app("pages/research.py")
    at.radio[0].set_value(UPLOAD).run()
    at.file_uploader(key="cohort_csv").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_identical_runners_fit_no_mixed_model_and_the_page_says_why(db):
    # five runners with the same runs and pain: no exposure varies between them
    at = upload(csv_bytes([row for i in range(5) for row in runner_rows(f"r{i}")]))
    infos = [info.value for info in at.info]
    assert infos[0].startswith("No mixed model was fitted: mixed model, weekly_change_pct: "
                               "no values, or no variation within or between athletes; ")
    # each runner's flare starts in a week of 3 diary days: 5 flares, none at risk
    assert {m.label: m.value for m in at.metric}["Flares"] == "5"
    assert ("Not fitted: the flare models need at least 5 flares per parameter (0 flares in "
            "weeks at risk so far).") in infos


def test_a_runner_without_runs_is_left_out_and_the_rest_are_too_few(db):
    rows = [row for i in range(4) for row in runner_rows(f"r{i}")]
    at = upload(csv_bytes(rows + runner_rows("norun", runs=False)))
    assert at.markdown[0].value == ("Not enough data: 4 of 5 athletes have ≥ 8 weeks with ≥ 4 "
                                     "diary entries and runs before them; the cohort "
                                     "analysis needs 5.")  # one full stop, not two
    assert at.expander[0].label == "Runners left out of the models (1)"
    assert at.dataframe[0].value.values.tolist() == [
        ["norun", "no runs: no exposure in any week"]]


def test_bad_values_are_listed_and_nothing_is_analysed(db):
    at = upload(b"athlete_id,date,distance_m,pain\n"
                b"a,2024-01-01,abc,2\n"
                b"a,2024-13-45,5000,15\n", name="bad.csv")
    assert [e.value for e in at.error] == [  # the cells as typed: Markdown escaped
        "bad.csv could not be read, nothing was analysed:\n\n"
        "- line 2\\: distance\\_m 'abc' is not a number\n"
        "- line 3\\: date '2024-13-45' is not a date (YYYY-MM-DD)\n"
        "- line 3\\: pain 15 is outside 0–10"]
    assert not at.metric


def test_the_forest_plot_names_the_runners_it_leaves_out(db):
    at = app("pages/research.py")  # the demo squad
    captions = [c.value for c in at.caption if c.value.startswith("Not in the plot: ")]
    assert len(captions) == 1 and "Dana" in captions[0], captions
