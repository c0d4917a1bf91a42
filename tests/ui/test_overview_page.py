"""The overview a runner trusts: a period that ends at their data, sentences instead of
empty charts, only real flags counted, two periods side by side, load by time, shoes and
the run list; the risk page's window and return-to-run plan."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analysis.pain import PainEntry
from analysis.risk import current_from
from analysis.roster import roster_row
from analysis.store import Store
from analysis.thresholds import SETTINGS_KEY
from tests.overview.sam import add_run, store_sam
from tests.ui.conftest import app, charts, leaves
from tests.ui.test_pages import ALEX, tables_of


@pytest.fixture
def old_db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store_sam(url)
    monkeypatch.setenv("KNEELOAD_DB", url)
    return url


def weekly_data(at) -> pd.DataFrame:
    _, data = charts(at)[0]
    return next(frame for frame in data.values() if "band" in frame)


def infos(at) -> list[str]:
    return [element.value for element in at.info]


def test_old_runs_fill_the_overview_ending_at_the_latest_data(old_db):
    at = app()
    caption = next(c.value for c in at.caption if c.value.startswith("Showing"))
    # Six months back from 10 Mar 2015 would start in September 2014, before any data.
    assert caption.startswith("Showing 5 Jan 2015 – 10 Mar 2015 (65 days).")
    assert "latest run or diary entry is from 10 March 2015" in caption
    weeks = weekly_data(at)
    ran = weeks[weeks["load"] > 0]
    assert len(ran) == 9 and set(ran["load"]) == {16.0}  # 2 × 8 km a week, Jan–early March
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Last full week"] == "16.0 km"  # 2–8 Mar, the last week before 10 Mar
    assert metrics["Period total"] == "144.0 km"  # 18 runs × 8 km
    assert metrics["Latest pain"] == "2/10"


def test_today_is_one_click_away_and_an_empty_period_says_why(old_db):
    at = app()
    at.pills(key="period-end-1").set_value("today").run()
    assert not at.exception
    assert charts(at) == []  # no chart is drawn empty
    # Sam's last run was Thu 5 Mar 2015: the weekly load, descent, cadence, ACWR and the run
    # list all give that reason, none a history it lacks.
    no_runs = "No runs in this period (latest run 5 Mar 2015)."
    assert infos(at).count(no_runs) == 5
    assert any(text.startswith("No diary entries between") for text in infos(at))


def test_the_period_is_remembered_when_the_page_is_left(old_db):
    at = app()
    at.pills(key="period-1").set_value("4 weeks").run()
    at.switch_page("pages/diary.py").run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert at.pills(key="period-1").value == "4 weeks"
    caption = next(c.value for c in at.caption if c.value.startswith("Showing"))
    assert caption.startswith("Showing 11 Feb 2015 – 10 Mar 2015 (28 days).")


def test_free_dates_and_the_block_before_side_by_side(old_db):
    at = app()
    at.pills(key="period-1").set_value("Dates").run()
    at.date_input(key="dates-1").set_value((dt.date(2015, 2, 2), dt.date(2015, 3, 1))).run()
    at.toggle(key="compare-1").set_value(True).run()
    assert not at.exception
    assert any(h.value == "2 Feb 2015 – 1 Mar 2015 against 5 Jan 2015 – 1 Feb 2015"
               for h in at.subheader)
    table = at.dataframe[0].value.set_index("measure")
    # 2 Feb – 1 Mar: 8 runs (Mon/Thu × 4 weeks) = 64 km; 5 Jan – 1 Feb: 8 runs = 64 km.
    assert table.loc["running distance (km)", "this period"] == "64.0"
    assert table.loc["running distance (km)", "the block before"] == "64.0"
    assert table.loc["runs", "change (%)"] == "+0"
    assert table.loc["running time (h)", "this period"] == "6.0"  # 8 × 45 min
    assert table.loc["descent (m)", "change (%)"] == ""  # unknown: empty, never "None"
    # Counts are whole numbers: 8 runs, no diary day in either block.
    assert table.loc["runs", ["this period", "the block before"]].tolist() == ["8", "8"]
    assert table.loc["days with a diary entry", "this period"] == "0"


def test_load_in_minutes_and_heart_rate_load(old_db):
    at = app()
    at.segmented_control(key="measure-1").set_value("minutes").run()
    spec, _ = charts(at)[0]
    assert leaves(spec)[0]["encoding"]["y"]["title"] == "Running time (min/week)"
    assert set(weekly_data(at).query("load > 0")["load"]) == {90.0}  # 2 × 45 min
    at.segmented_control(key="measure-1").set_value("trimp").run()
    # 45 min at 150 bpm, rest 60, max 175 (the highest recorded): HRr = 90/115 = 0.7826;
    # 45 × 0.7826 × 0.64 × e^(1.92 × 0.7826) = 22.539 × e^1.5026 = 22.539 × 4.4934 = 101.28
    # per run, 202.6 a week
    loads = set(weekly_data(at).query("load > 0")["load"].round(1))
    assert loads == {202.6}


def test_shoes_their_mileage_and_the_new_pair_on_the_chart(old_db):
    at = app()
    mileage = next(f.value for f in at.dataframe if "shoes" in f.value and "runs" in f.value)
    # Old road: 5 Jan – 12 Feb, 12 runs = 96 km; New trail: 16 Feb – 5 Mar, 6 runs = 48 km.
    assert mileage["shoes"].tolist() == ["New trail", "Old road"]
    assert mileage["distance (km)"].tolist() == [48.0, 96.0]
    _, data = charts(at)[0]
    rule = next(frame for frame in data.values() if "shoe" in frame)
    assert rule["shoe"].tolist() == ["New trail"]
    assert pd.Timestamp(rule["local_date"].iloc[0]).strftime("%Y-%m-%d") == "2015-02-16"


def test_the_run_list_has_name_type_duration_pace_heart_rate_and_shoes(old_db):
    at = app()
    listing = next(f.value for f in at.dataframe if "pace" in f.value)
    first = listing.iloc[0]  # newest first: Thu 5 Mar 2015
    assert (str(first["date"]), first["name"], first["type"]) == ("2015-03-05", "Run 18", "run")
    assert (first["duration"], first["pace"], first["shoes"]) == ("45:00", "5:38 /km",
                                                                  "New trail")
    assert first["heart rate (bpm)"] == "150"  # 2700 s / 8 km = 337.5 s/km, shown 5:38


def test_axes_carry_years_and_the_calendar_keeps_single_entries_small(old_db):
    at = app()
    for spec, _ in charts(at):
        for leaf in leaves(spec):
            x = leaf.get("encoding", {}).get("x", {})
            if x.get("type") == "temporal" and x.get("axis"):
                assert "%Y" in x["axis"]["format"]
    calendar, data = charts(at)[-1]
    grey = leaves(calendar)[0]["encoding"]
    assert grey["x"]["type"] == "temporal" and "x2" in grey
    days = max(data.values(), key=len)
    assert len(days) >= 8 * 7 and days["pain_max"].notna().sum() == 1


def test_cadence_chart_has_a_titled_axis_with_ticks(db):
    at = app()
    cadence = next(spec for spec, _ in charts(at)
                   if any(leaf["mark"]["type"] == "circle" for leaf in leaves(spec)))
    y = leaves(cadence)[0]["encoding"]["y"]
    assert y["title"] == "vs own baseline (%)"
    assert y["axis"]["tickCount"] == 5 and y["scale"]["domain"][0] < -5 < y["scale"]["domain"][1]
    # One title on every layer, so the merged axis is neither switched off nor joined.
    assert {leaf["encoding"]["y"]["title"] for leaf in leaves(cadence)} == {y["title"]}
    assert all("axis" not in leaf["encoding"]["y"] for leaf in leaves(cadence)[1:])


def test_flags_now_counts_caution_and_high_only_as_the_coach_does(db):
    tables = tables_of(db)
    notes = [flag for flag in current_from(tables) if flag.level == "info"]
    row = roster_row(1, ALEX, tables)
    at = app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Flags now"] == str(row["high_flags"] + row["caution_flags"])
    assert notes  # the demo's week in progress is a note, and it is not counted


def test_the_risk_window_follows_the_settings(db):
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        store.update_athlete(alex.id, settings={SETTINGS_KEY: {"current_days": 3}})
    at = app("pages/risk.py")
    assert any("of the last 3 days" in c.value for c in at.caption)
    assert not any("last 7 days" in text for text in [c.value for c in at.caption]
                   + [s.value for s in at.success])


def test_the_return_to_run_plan_only_when_pain_says_stop_or_asked(db):
    at = app("pages/risk.py")
    assert not any("week" in frame.value.columns for frame in at.dataframe)
    assert any("does not call for a return-to-run plan" in c.value for c in at.caption)
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        today = pd.Timestamp.now(tz=alex.tz).date()
        store.add_pain(alex.id, [PainEntry(today, 5)])
    at = app("pages/risk.py")
    assert any("says stop running" in w.value for w in at.warning)
    assert any("week" in frame.value.columns for frame in at.dataframe)


def test_a_run_on_map_tiles_or_the_plain_drawing(db):
    at = app()
    at.session_state["run_list"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.toggle(key="map_tiles").set_value(True).run()
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    deck = json.loads(decks[0].proto.json)
    assert [layer["@@type"] for layer in deck["layers"]] == ["PathLayer", "ScatterplotLayer"]
    assert len(deck["layers"][0]["data"][0]["path"]) > 10  # the route's points, lon/lat
    at.toggle(key="map_tiles").set_value(False).run()
    assert len(at.get("deck_gl_json_chart")) == 0
    assert any(spec.get("projection", {}).get("type") == "mercator" for spec, _ in charts(at))


def test_a_diary_entry_linked_to_a_recent_run(db):
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        runs = store.activities(alex.id)
    latest = runs.sort_values("start_time").iloc[-1]  # the demo ends within the last week
    at = app("pages/diary.py")
    choice = at.selectbox(key="entry_run")
    assert choice.options[0] == "none"
    assert choice.options[1].startswith(f"{latest['local_date']:%a %-d %b} · {latest['name']}")
    at.slider(key="entry_score").set_value(3)
    choice.set_value(latest["activity_id"])
    at.button(key="FormSubmitter:quick_entry-Save entry").click().run()
    assert not at.exception
    with Store(db) as store:
        pain = store.pain(alex.id)
    assert pain.sort_values("entry_id").iloc[-1]["activity_id"] == latest["activity_id"]


def test_a_new_run_and_diary_entry_show_at_once_on_the_cached_overview(old_db):
    at = app()
    listing = next(f.value for f in at.dataframe if "pace" in f.value)
    assert len(listing) == 18
    add_run(old_db, 99, "2015-03-07 07:00", "Long one", 12, 4200, "New trail")
    with Store(old_db) as store:
        sam = store.athlete("Sam", create=False)
        store.add_pain(sam.id, [PainEntry(dt.date(2015, 3, 4), 6)])
    at.run()  # the same session: every table and chart comes from the cache unless stale
    assert not at.exception
    week = weekly_data(at).set_index("week_start").loc[pd.Timestamp("2015-03-02")]
    # Mon 2 and Thu 5 Mar (8 km each) and the new Sat 7 Mar (12 km): 28 km; worst pain 6.
    assert (week["load"], week["pain_max"]) == (28.0, 6.0)
    listing = next(f.value for f in at.dataframe if "pace" in f.value)
    assert len(listing) == 19 and listing["name"].iloc[0] == "Long one"
    days = max(charts(at)[-1][1].values(), key=len).set_index("date")["pain_max"]
    assert days.dropna().to_dict() == {pd.Timestamp("2015-03-04"): 6.0,
                                       pd.Timestamp("2015-03-10"): 2.0}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Period total"] == "156.0 km"  # 18 runs × 8 km + 12 km


def metric_help(at, label: str) -> str:
    return next(m.proto.help for m in at.metric if m.label == label)


def test_flags_now_is_no_all_clear_over_an_empty_window(old_db):
    at = app()
    metrics = {m.label: m.value for m in at.metric}
    # Today is years after Sam's last run (5 Mar 2015) and entry (10 Mar 2015).
    words = ("No runs or diary entries in the last 7 days (latest run 5 Mar 2015, latest pain "
             "entry 10 Mar 2015): nothing to flag.")
    assert (metrics["Flags now"], metric_help(at, "Flags now")) == ("–", words)
    at.switch_page("pages/risk.py").run()
    assert not at.success
    assert words in [i.value for i in at.info]


def test_a_diary_entry_today_ends_the_period_without_runs(old_db):
    with Store(old_db) as store:
        sam = store.athlete("Sam", create=False)
        store.add_pain(sam.id, [PainEntry(pd.Timestamp.now().date(), 3)])
    at = app()
    assert not at.exception
    no_runs = "No runs in this period (latest run 5 Mar 2015)."
    assert infos(at)[0] == no_runs + " Its diary entries are in the pain calendar below."
    assert infos(at).count(no_runs) == 4  # descent, cadence, ACWR, the run list
    assert len(charts(at)) == 1  # the pain calendar only
    metrics = {m.label: m.value for m in at.metric}
    # The period ends today: its total and the week so far, side by side.
    assert (metrics["Period total"], metrics["This week so far"]) == ("0.0 km", "0.0 km")
    assert metrics["Flags now"] == "0"  # the window holds today's entry, which breaks no rule
    at.switch_page("pages/risk.py").run()
    assert [s.value for s in at.success] == [
        "No flags in the last 7 days, but no runs in them to check (latest run 5 Mar 2015): "
        "the diary breaks no pain rule."]


def test_the_chosen_period_cannot_be_unchosen(old_db):
    at = app()
    at.pills(key="period-1").set_value("4 weeks").run()
    at.pills(key="period-1").set_value(None).run()  # a click on the chosen pill
    assert at.pills(key="period-1").value == "4 weeks"
    caption = next(c.value for c in at.caption if c.value.startswith("Showing"))
    assert caption.startswith("Showing 11 Feb 2015 – 10 Mar 2015 (28 days).")
    at.segmented_control(key="measure-1").set_value(None).run()
    assert at.segmented_control(key="measure-1").value == "distance"


def test_years_of_running_are_drawn_by_month(old_db):
    add_run(old_db, 98, "2012-01-02 07:00", "Early one", 10, 3000, "Old road")
    at = app()
    at.pills(key="period-1").set_value("All").run()
    assert not at.exception
    # 2 Jan 2012 – 10 Mar 2015 is 1164 days, over two years: one bar per calendar month.
    assert any(h.value == "Monthly running load and knee pain" for h in at.subheader)
    assert any(c.value.startswith("Bars: running distance (km/month), one per calendar month")
               for c in at.caption)
    months = weekly_data(at).set_index("week_start")
    assert len(months) == 39  # Jan 2012 to Mar 2015
    # Jan and Feb 2015: 8 Mondays and Thursdays each × 8 km; 2 and 5 Mar: 16 km.
    ran = months[months["load"] > 0]
    assert ran["load"].to_dict() == {pd.Timestamp("2012-01-01"): 10.0,
                                     pd.Timestamp("2015-01-01"): 64.0,
                                     pd.Timestamp("2015-02-01"): 64.0,
                                     pd.Timestamp("2015-03-01"): 16.0}
    # January 2012 begins before 2 Jan and March 2015 runs past 10 Mar: faded.
    partial = months["partial"] != "no"
    assert partial[partial].index.tolist() == [pd.Timestamp("2012-01-01"),
                                               pd.Timestamp("2015-03-01")]
    assert months.loc[pd.Timestamp("2015-03-01"), "pain_max"] == 2.0
