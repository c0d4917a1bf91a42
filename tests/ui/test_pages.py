"""Every dashboard page rendered with AppTest on the demo squad, checked for real content."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.demo import SQUAD
from analysis.load import load_tables
from analysis.risk import current_from
from analysis.roster import roster, roster_row
from analysis.store import Store
from analysis.synth import gpx_bytes, synth_run
from analysis.thresholds import SETTINGS_KEY, Thresholds
from analysis.units import METRIC
from tests.ui.conftest import APP, app, charts, leaves

ALEX = "Alex (demo)"


def tables_of(db: str, name: str = ALEX):
    """What the pages compute for `name` today (their own cached call, done directly)."""
    with Store(db) as store:
        athlete = store.athlete(name, create=False)
        today = pd.Timestamp.now(tz=athlete.tz).strftime("%Y-%m-%d")
        return load_tables(store.activities(athlete.id), store.pain(athlete.id),
                           Thresholds.from_settings(athlete.settings), today, tz=athlete.tz)


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in at.get(kind)]


def test_an_empty_store_starts_with_the_demo_offer(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("KNEELOAD_DB", url)
    at = app()
    assert at.title[0].value == "kneeload"
    button = next(b for b in at.button if b.label == "Load the demo squad")
    assert not button.disabled
    assert any(m.value.startswith("6 runners with generated data") for m in at.markdown)
    button.click().run()
    assert not at.exception
    with Store(url) as store:
        people = store.athletes().set_index("name")
    assert people.loc[ALEX, "runs"] == 292 and len(people) == len(SQUAD)
    assert at.title[0].value == f"{ALEX}: overview"  # the button opens the overview


def test_overview_shows_the_numbers_the_core_computes(db):
    at = app()
    tables = tables_of(db)
    # The demo's latest data is its last run or diary day; six months end there.
    active = tables.daily[(tables.daily["runs"] > 0) | (tables.daily["pain_entries"] > 0)]
    end = active.index[-1]
    start = end - pd.Timedelta(days=181)
    complete = tables.weekly[~tables.weekly["partial"]
                             & (tables.weekly["week_start"] + pd.Timedelta(days=6) <= end)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Last full week"] == METRIC.format_dist(complete["distance_m"].iloc[-1])
    assert at.title[0].value == f"{ALEX}: overview"
    shown = charts(at)
    assert len(shown) == 5  # weekly load, descent, cadence, ACWR, pain calendar
    weekly, data = shown[0]
    assert [leaf["mark"]["type"] for leaf in leaves(weekly)] == ["bar", "point", "rule", "line"]
    weeks = next(frame for frame in data.values() if "band" in frame)
    mondays = pd.date_range(start - pd.Timedelta(days=start.day_of_week), end, freq="W-MON")
    assert len(weeks) == len(mondays)
    assert weeks["load"].iloc[-1] == pytest.approx(complete["distance_m"].iloc[-1] / 1000)
    runs = tables.runs[tables.runs["local_date"].between(start, end)]
    listing = next(frame.value for frame in at.dataframe if "pace" in frame.value)
    assert len(listing) == len(runs)


def test_choosing_a_run_shows_its_route_and_profile(db):
    at = app()
    at.session_state["run_list"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    shown = charts(at)
    at.toggle(key="map_tiles").set_value(False).run()  # the offline drawing
    shown = charts(at)
    assert len(shown) == 7
    (route, _), (profile, _) = shown[5], shown[6]
    assert route["projection"]["type"] == "mercator"
    assert [leaf["mark"]["type"] for leaf in leaves(profile)] == ["area", "area", "area"]
    assert any("descent" in m.value for m in at.markdown)


def test_units_switch_to_miles_everywhere(db):
    at = app()
    at.segmented_control(key="units-1-km").set_value("mi").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Last full week"].endswith(" mi")
    assert "mi/week" in leaves(charts(at)[0][0])[0]["encoding"]["y"]["title"]
    with Store(db) as store:
        assert store.athlete(ALEX, create=False).units == "mi"


def test_diary_quick_entry_saves_in_one_click(db):
    at = app("pages/diary.py")
    before = len(Store(db).pain(1))
    at.slider(key="entry_score").set_value(6)
    at.segmented_control(key="entry_side").set_value("left")
    at.pills(key="entry_provokers").set_value(["stairs", "downhill"])
    at.text_input(key="entry_note").set_value("after the hill session")
    at.button(key="FormSubmitter:quick_entry-Save entry").click().run()
    assert not at.exception
    pain = Store(db).pain(1)
    assert len(pain) == before + 1
    entry = pain[pain["note"] == "after the hill session"].iloc[0]
    assert (entry["score"], entry["side"], entry["provokers"]) == (6, "left", "stairs,downhill")


def test_diary_edits_are_saved_explicitly(db):
    at = app("pages/diary.py")
    table = at.data_editor[0].value
    first = int(table["entry_id"].iloc[0])
    at.session_state["pain_editor"] = {"edited_rows": {0: {"score": 7}}, "added_rows": [],
                                       "deleted_rows": [1]}
    at.run()
    save = next(b for b in at.button if b.label == "Save changes")
    save.click().run()
    assert not at.exception
    pain = Store(db).pain(1).set_index("entry_id")
    assert pain.loc[first, "score"] == 7
    assert int(table["entry_id"].iloc[1]) not in pain.index


def test_diary_csv_with_bad_rows_lists_them_and_stores_nothing(db):
    at = app("pages/diary.py")
    before = len(Store(db).pain(1))
    bad = b"date,pain\n2026-01-02,3\n2026-01-03,eleven\n3026-01-04,2\n"
    at.file_uploader(key="diary_upload").set_value(("diary.csv", bad, "text/csv"))
    at.run()
    assert not at.exception
    problems = at.dataframe[-1].value["problem"].tolist()
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4"]
    assert "eleven" in problems[0] and "future" in problems[1]
    assert len(Store(db).pain(1)) == before


def test_risk_page_shows_each_flag_with_rule_value_and_evidence(db):
    at = app("pages/risk.py")
    flags = current_from(tables_of(db))
    boxes = texts(at, "error") + texts(at, "warning") + [
        t for t in texts(at, "info") if "Evidence" in t]
    assert len(boxes) == len(flags) > 0
    for flag in flags:
        box = next(b for b in boxes if flag.rule in b)
        label = f"*Evidence {flag.strength}:*" if flag.strength else "*Evidence:*"  # notices
        assert label in box and flag.evidence in box
    at.toggle(key="want-plan-1").set_value(True).run()  # Alex's pain does not say stop
    # Alex's pain has lasted for weeks: the plan waits for the pain rule, undated.
    assert any(m.value.startswith("**Ready to start:** not yet. Starts once the pain rule "
                                  "allows: Monday ") for m in at.markdown)
    assert any(m.value.startswith("**The gate:** A session breaks") for m in at.markdown)
    plan = at.dataframe[1].value  # after the table of flares
    assert plan.columns[:4].tolist() == ["week", "status", "running (min/week)", "change (%)"]
    assert plan["week"].tolist() == list(range(1, len(plan) + 1))
    assert set(plan["status"]) == {"waiting"} and plan["change (%)"].iloc[0] == "–"
    sessions = at.dataframe[2].value
    assert sessions["day"].tolist()[:3] == ["Mon", "Wed", "Fri"]


def test_risk_page_plan_sessions_add_up_to_each_dated_week(db):
    at = app("pages/risk.py", query={"athlete": "Bea (demo)"})
    bea = next(t for t in at.toggle if t.key.startswith("want-plan-"))
    bea.set_value(True).run()  # Bea's pain is settled: the plan starts next Monday
    assert any(m.value.startswith("**Ready to start:** yes. Starts Monday ")
               for m in at.markdown)
    plan, sessions = at.dataframe[-2].value, at.dataframe[-1].value
    today = pd.Timestamp.now(tz="Europe/Amsterdam").tz_localize(None).normalize()
    monday = today + pd.Timedelta(days=(7 - today.day_of_week) % 7)
    assert plan["from"].iloc[0] == monday.date() and plan["status"].iloc[0] == "planned"
    assert plan["change (%)"].iloc[0] == "–" and plan["change (%)"].iloc[1].startswith("+")
    assert sessions["day"].iloc[0] == f"{monday:%a %d %b}"
    per_week = sessions.groupby("week")["running (min)"].sum()
    assert per_week.tolist() == plan["running (min/week)"].tolist()


def test_risk_page_shows_flares_before_and_associations(db):
    at = app("pages/risk.py")
    tables = tables_of(db)
    flares = at.dataframe[0].value
    assert flares.columns.tolist() == ["flare began", "worst pain", "settled", "days"]
    assert len(flares) == 2  # Alex's two flares in the trail block
    specs = [spec for spec, _ in charts(at)]
    marks = [[leaf["mark"] if isinstance(leaf["mark"], str) else leaf["mark"]["type"]
              for leaf in leaves(spec)] for spec in specs]
    assert marks == [["bar"], ["rule", "rule", "point"]]  # event study, associations
    _, data = charts(at)[1]
    grid = max(data.values(), key=len)
    assert (grid["lag_days"] > 0).all()  # no same-day cells
    # Of 12 × 3 daily and 2 × 4 weekly cells (44), the 3 without enough data before issue
    # 12 still lack it (32 of the old 35); Alex's runs carry heart rate and shoes, so
    # minutes, trimp and new shoes add 3 exposures × 3 lags: 32 + 9 = 41.
    assert len(grid) == 41
    assert (grid["exposure"].isin(["minutes", "trimp", "new_shoes"])).sum() == 9
    assert set(grid["finding"]) <= {"q < 0.05", "not significant"}
    assert tables.thresholds.flare_score == 4


def test_risk_page_says_which_exposures_a_runners_files_cannot_give(db):
    at = app("pages/risk.py", query={"athlete": "Bea (demo)"})  # a Garmin list: no shoes
    assert ("Not enough data for new shoes (first 14 days) [heuristic]: no run names its "
            "shoes.") in texts(at, "caption")
    _, data = charts(at)[-1]
    grid = max(data.values(), key=len)
    assert not grid["exposure"].isin(["new_shoes"]).any()  # no cells of zeros


def test_research_page_models_the_squad_and_exports_pseudonyms(db):
    at = app("pages/research.py")
    assert {m.label: m.value for m in at.metric}["Runners"] == f"{len(SQUAD)} of {len(SQUAD)}"
    partly, mixed = at.dataframe[0].value, at.dataframe[1].value
    # Only Alex's export names shoes: the other five are left out of the new-shoes models.
    assert partly.columns.tolist() == ["runner", "exposure", "reason"]
    assert sorted(partly["runner"]) == sorted(set(SQUAD) - {"Alex (demo)"})
    assert set(partly["reason"]) == {"no run names its shoes"}
    assert mixed.columns[:3].tolist() == ["exposure", "part", "pain points per SD"]
    # the spline check is for the within part only: a dash, never 'None', for the between
    assert (mixed.loc[mixed["part"] == "between", "non-linear? p"] == "–").all()
    # a tiny p reads "< 0.001", never "0.000" (the demo's cadence curve: p ≈ 5e-8)
    assert not mixed[["q (BH)", "non-linear? p"]].isin(["0.000"]).any().any()
    assert "< 0.001" in set(mixed["non-linear? p"])
    assert not mixed.astype(str).map(lambda v: "None" in v or "nan" in v).any().any()
    assert set(mixed["part"]) == {"within", "between"}
    # effective degrees of freedom: positive, never more than the runners less one
    assert ((mixed["df"].astype(float) > 0) & (mixed["df"].astype(float)
                                               <= mixed["runners"] - 1)).all()
    # The 8 distance exposures, minutes and trimp (every demo runner's files carry heart
    # rate) × within/between; new shoes, with one runner, has no between-runner spread.
    assert len(mixed) == (8 + 2) * 2
    forest, data = charts(at)[0]
    assert forest["layer"][-1]["mark"]["type"] == "square"  # one estimate per runner
    rows = next(frame for frame in data.values() if "athlete_id" in frame)
    assert set(rows["athlete_id"]) <= set(SQUAD) and len(rows) >= 5
    at.selectbox[0].select("new_shoes").run()  # Alex alone names shoes: no estimates
    assert any(i.value.startswith("No runner has a per-runner estimate for new shoes")
               for i in at.info)
    # An export prepared with real dates is not offered once the shift box is ticked again
    at.checkbox[0].uncheck().run()
    next(b for b in at.button if b.label == "Prepare the export").click().run()
    offered = [b.proto.label for b in at.get("download_button")]
    assert "Download the research export (zip, real dates)" in offered
    at.checkbox[0].check().run()
    assert not any("research export" in b.proto.label for b in at.get("download_button"))
    next(b for b in at.button if b.label == "Prepare the export").click().run()
    assert not at.exception
    offered = [b.proto.label for b in at.get("download_button")]
    assert "Download the research export (zip, dates shifted)" in offered
    assert not any("real dates" in label for label in offered)
    blob = at.session_state["research_zip_shifted"]
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        names = {n.split("/")[-1] for n in archive.namelist()}
        assert {"daily.csv", "episodes_injurytools.csv", "acwr_load.csv",
                "data_dictionary.csv", "README.md"} <= names
        text = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".csv"))
    assert b"Alex" not in text and b"demo" not in text  # names never leave as such


def test_coach_ranks_the_squad_and_opens_an_overview(db):
    at = app("pages/coach.py")
    expected = roster([roster_row(i, n, tables_of(db, n)) for i, n in enumerate(SQUAD)])
    shown = at.dataframe[0].value
    assert shown["athlete"].tolist() == expected["name"].tolist()
    assert shown["triage"].tolist() == expected["triage"].tolist()
    assert shown["which flags"].tolist() == expected["flag_titles"].replace("", "–").tolist()
    assert list(shown.columns[:3]) == ["athlete", "latest pain", "flags now"]  # phone: first
    assert "persistent pain" in shown["which flags"].iloc[0]  # Dana's story leads the roster
    top = expected["name"].iloc[0]
    at.session_state["roster"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.get("download_button")[0].proto.label == f"Download {top}'s one-page report (HTML)"
    next(b for b in at.button if b.label == f"Open {top}'s overview").click().run()
    assert at.title[0].value == f"{top}: overview"


def test_settings_save_and_reset_thresholds(db):
    at = app("pages/settings.py")
    field = next(n for n in at.number_input if n.label == "caution above (%)")
    field.set_value(15.0)
    at.button(key="FormSubmitter:thresholds-Save thresholds").click().run()
    assert not at.exception
    with Store(db) as store:
        assert store.athlete(ALEX, create=False).settings[SETTINGS_KEY] == {
            "weekly_change_caution_pct": 15.0}
    at.button(key="FormSubmitter:thresholds-Reset to the defaults").click().run()
    with Store(db) as store:
        assert SETTINGS_KEY not in store.athlete(ALEX, create=False).settings


def test_import_upload_then_again_is_a_duplicate(db):
    run = synth_run(np.random.default_rng(9), "2026-01-05 07:00", duration_s=900)
    data = gpx_bytes(run)
    at = app("pages/import_data.py")
    for expected in ("imported", "already stored"):
        at.file_uploader[0].set_value(("morning.gpx", data, "application/gpx+xml")).run()
        next(b for b in at.button if b.label == "Import").click().run()
        assert not at.exception
        result = at.dataframe[0].value
        assert result["result"].tolist() == [expected]
    with Store(db) as store:  # the default runner: a new one, never a demo runner
        mine = store.activities(store.athlete("me", create=False).id)
    assert (mine["start_time"] == run.start).sum() == 1


def test_import_lists_guessed_sports_to_confirm_or_change(db):
    run = synth_run(np.random.default_rng(10), "2026-01-07 07:00", duration_s=900,
                    name="Wednesday")
    at = app("pages/import_data.py")
    assert not any(s.value == "Sports kneeload guessed" for s in at.subheader)
    at.file_uploader[0].set_value(("x.gpx", gpx_bytes(run, sport=None), "application/gpx+xml")
                                  ).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert any(s.value == "Sports kneeload guessed" for s in at.subheader)
    table = at.data_editor[0].value
    assert table["sport"].tolist() == ["run"]
    assert table["why"].iloc[0].startswith("cadence ")  # Garmin strides, doubled
    at.session_state["guessed_sports"] = {"edited_rows": {0: {"sport": "hike"}},
                                          "added_rows": [], "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label == "Confirm these sports").click().run()
    assert not at.exception
    with Store(db) as store:
        stored = store.activities(store.athlete("me", create=False).id)
    mine = stored[stored.start_time == run.start]
    assert (mine.sport.tolist(), mine.sport_source.tolist()) == (["hike"], ["user"])
    assert not any(s.value == "Sports kneeload guessed" for s in at.subheader)


def test_import_from_a_missing_path_says_so(db, tmp_path, monkeypatch):
    monkeypatch.setenv("KNEELOAD_LOCAL_ROOTS", str(tmp_path))
    at = app("pages/import_data.py")
    at.text_input(key="local_path").set_value(f"{tmp_path}/export.zip").run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    shown = [text.replace("\\", "") for text in texts(at, "error")]  # Markdown escapes off
    assert shown == [f"Not read: nothing found at {tmp_path}/export.zip; check the path (a "
                     "folder or a .zip)"]


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/diary.py", "pages/risk.py",
                                  "pages/coach.py", "pages/research.py",
                                  "pages/import_data.py", "pages/settings.py",
                                  "pages/start.py"])
def test_every_page_renders_with_a_title_and_no_error(db, page):
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception
    assert at.title and at.title[0].value
    assert at.sidebar.caption[-1].value.startswith("Decision support")
