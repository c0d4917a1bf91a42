"""Diary page: saving edits with empty cells, and "today" on the athlete's clock."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import time_machine

from analysis.pain import parse_entry
from analysis.schema import RUN_SPORTS
from analysis.store import Store
from tests.ui.conftest import app

ALEX = "Alex (demo)"


def test_saving_an_untouched_entry_without_a_side_works(db):
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        [entry_id] = store.add_pain(alex.id, [parse_entry(dt.date(2026, 1, 2), 2)])
    at = app("pages/diary.py")
    table = at.data_editor[0].value
    assert entry_id in set(table["entry_id"])
    newest, score = int(table["entry_id"].iloc[0]), (int(table["score"].iloc[0]) + 1) % 11
    at.session_state["pain_editor"] = {"edited_rows": {0: {"score": score}}, "added_rows": [],
                                       "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == []
    with Store(db) as store:
        pain = store.pain(alex.id).set_index("entry_id")
    assert pain.loc[newest, "score"] == score
    assert pain.loc[entry_id, "score"] == 2 and pd.isna(pain.loc[entry_id, "side"])


# 12:30 UTC on 1 March 2027 is already 2 March, 02:30, on Kiritimati (UTC+14).
ACROSS_THE_DATE_LINE = dt.datetime(2027, 3, 1, 12, 30, tzinfo=dt.UTC)


def test_today_is_the_athletes_day_across_the_date_line(db):
    with Store(db) as store:
        alex = store.update_athlete(store.athlete(ALEX, create=False).id,
                                    tz="Pacific/Kiritimati")
        before = len(store.pain(alex.id))
    with time_machine.travel(ACROSS_THE_DATE_LINE, tick=False):
        at = app("pages/diary.py")
        assert at.date_input(key="entry_day").value == dt.date(2027, 3, 2)
        at.slider(key="entry_score").set_value(3)
        at.button(key="FormSubmitter:quick_entry-Save entry").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == []
    with Store(db) as store:
        pain = store.pain(alex.id)
    assert len(pain) == before + 1
    assert pain["date"].max() == dt.datetime(2027, 3, 2)


def test_a_day_after_the_athletes_today_is_refused(db):
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        store.update_athlete(alex.id, tz="Pacific/Pago_Pago")  # UTC−11: still 1 March
    with time_machine.travel(ACROSS_THE_DATE_LINE, tick=False):
        at = app("pages/diary.py")
        assert at.date_input(key="entry_day").value == dt.date(2027, 3, 1)
        added = len(at.data_editor[0].value) + 1  # an added row comes last
        at.session_state["pain_editor"] = {
            "edited_rows": {}, "deleted_rows": [],
            "added_rows": [{"date": "2027-03-02", "score": 1}]}
        at.run()
        next(b for b in at.button if b.label == "Save changes").click().run()
    shown = [e.value.replace("\\", "") for e in at.error]  # Markdown escapes dropped
    assert shown == [f"row {added}: date 2027-03-02 lies in the future"]


def test_the_runs_offered_are_those_before_the_chosen_day(db):
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        runs = store.activities(alex.id)
    first = runs.sort_values("start_time").iloc[0]
    day = pd.Timestamp(first["local_date"]).date()
    label = f"{pd.Timestamp(day):%a %-d %b} · "
    at = app("pages/diary.py")
    assert not any(o.startswith(label) for o in at.selectbox(key="entry_run").options)
    at.date_input(key="entry_day").set_value(day).run()
    offered = at.selectbox(key="entry_run").options
    assert offered[0] == "none"
    assert offered[-1].startswith(label)  # the oldest last
    running = runs[runs["sport"].isin(RUN_SPORTS)]
    assert len(offered) == 1 + int(pd.to_datetime(running["local_date"]).dt.date.between(
        day - dt.timedelta(days=13), day).sum())
