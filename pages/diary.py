"""Pain diary: a quick entry in one click, editing past entries, CSV import and export."""


import pandas as pd
import streamlit as st

from analysis import runlist
from analysis.pain import PainError, parse_entry, parse_pain_csv
from analysis.safetext import csv_text, file_stem
from analysis.schema import PAIN_PROVOKERS, PAIN_SIDES, PAIN_TIMINGS
from pages import ui

ui.require_app()

TIMING_WORDS = {"during_run": "during a run", "after_run": "after a run",
                "next_morning": "next morning", "daily_worst": "worst of the day"}
TIMING_CODES = {words: code for code, words in TIMING_WORDS.items()}

current = ui.athlete()
st.title(f"Pain diary: {ui.plain(current.name)}" if current else "Pain diary")
st.caption("Knee pain on the 0–10 scale (0 none, 10 worst imaginable). Several entries a "
           "day are fine; a day without an entry counts as unknown, not pain-free.")
ui.disclaimer()
if current is None:
    current = ui.store().athlete(None)  # a lone runner never has to set anything up

today = ui.today(current)  # the athlete's day, not the machine's
activities = ui.frames(current)[0]
st.subheader("How is the knee?")
# Outside the form, so that the runs offered below are those before the chosen day.
day = st.columns([1, 2])[0].date_input("Day", value=today, max_value=today,
                                      format="YYYY-MM-DD", key="entry_day")
recent = {"": "none", **runlist.recent_runs(activities, day, days=14).to_dict()}
with st.form("quick_entry", clear_on_submit=True, border=True):
    score = st.slider("Pain (0–10)", 0, 10, 0, key="entry_score")
    first, second = st.columns([1, 2])
    side = first.segmented_control("Side", PAIN_SIDES, default=None, key="entry_side")
    # Radio buttons wrap onto a second line on a phone (pills and a segmented control
    # would be cut off there).
    timing = second.radio("When", PAIN_TIMINGS, index=PAIN_TIMINGS.index("daily_worst"),
                          format_func=TIMING_WORDS.get, key="entry_timing", horizontal=True)
    provokers = st.pills("Worse with", PAIN_PROVOKERS, selection_mode="multi",
                         key="entry_provokers")
    note = st.text_input("Note", placeholder="optional", key="entry_note")
    run = st.selectbox("The run it refers to", list(recent), key="entry_run",
                       format_func=recent.get,  # a dict's method: session state pickles it
                       help="Your runs of the 14 days up to the chosen day; link the entry "
                            "to the run it is about (pain during it, after it, or the next "
                            "morning).")
    if st.form_submit_button("Save entry", type="primary"):
        try:
            entry = parse_entry(day, score, side, timing, provokers, run or None, note,
                                today=today)
            ui.store().add_pain(current.id, [entry])
            st.toast(f"Saved: {score}/10 on {day:%d %b %Y}.")
        except PainError as exc:
            st.error(ui.plain("Not saved: " + "; ".join(exc.problems)))

st.subheader("Entries")
pain = ui.frames(current)[1]
if pain.empty:
    st.info("No entries yet.")
else:
    shown = pd.DataFrame({
        "entry_id": pain["entry_id"].astype("int64"),
        "date": pain["date"].dt.date,
        "score": pain["score"].astype("int64"),
        "side": pain["side"].astype("object"),
        "timing": pain["timing"].astype("object").map(TIMING_WORDS),
        "provokers": pain["provokers"].fillna("").astype("object"),
        "note": pain["note"].fillna("").astype("object"),
    }).sort_values(["date", "entry_id"], ascending=False).reset_index(drop=True)
    edited = st.data_editor(
        shown, key="pain_editor", hide_index=True, width="stretch",  # at most 10 rows tall
        num_rows="dynamic", disabled=["entry_id"],
        column_config={
            "entry_id": None,
            "date": st.column_config.DateColumn("date", max_value=today, required=True),
            "score": st.column_config.NumberColumn("pain", min_value=0, max_value=10, step=1,
                                                   required=True),
            "side": st.column_config.SelectboxColumn("side", options=list(PAIN_SIDES)),
            "timing": st.column_config.SelectboxColumn("when",
                                                       options=list(TIMING_WORDS.values())),
            "provokers": st.column_config.TextColumn(
                "worse with", help="comma-separated: " + ", ".join(PAIN_PROVOKERS)),
        })
    if st.button("Save changes", disabled=edited.equals(shown)):
        problems, changes = [], 0
        before = shown.set_index("entry_id")
        kept = set(edited["entry_id"].dropna().astype(int))
        for entry_id in set(before.index) - kept:
            ui.store().delete_pain(current.id, int(entry_id))
            changes += 1
        for number, row in edited.iterrows():
            values = [row["date"], row["score"], row["side"], TIMING_CODES.get(row["timing"]),
                      row["provokers"], None, row["note"]]
            try:
                entry = parse_entry(*values, today=today)
            except PainError as exc:
                problems.append(f"row {number + 1}: {'; '.join(exc.problems)}")
                continue
            if pd.isna(row["entry_id"]):
                ui.store().add_pain(current.id, [entry])
                changes += 1
            elif not before.loc[int(row["entry_id"])].equals(row.drop("entry_id")):
                ui.store().update_pain(current.id, int(row["entry_id"]), date=entry.date,
                                       score=entry.score, side=entry.side,
                                       timing=entry.timing, provokers=entry.provokers,
                                       note=entry.note)
                changes += 1
        for problem in problems:
            st.error(ui.plain(problem))
        st.toast(f"Saved {changes} change(s).")
        if not problems:
            st.rerun()

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Import a diary (CSV)")
    st.caption("Columns `date` and `pain` at least; optional side, timing, provokers, note. "
               "The whole file is checked first; nothing is saved if a row is wrong.")
    upload = st.file_uploader("Diary CSV", type=["csv", "txt"], key="diary_upload")
    if upload is not None:
        try:
            diary = parse_pain_csv(upload.getvalue(), today=today)
        except PainError as exc:
            st.error(f"{ui.plain(upload.name)} was not imported; fix these rows and try again:")
            st.dataframe(pd.DataFrame({"problem": exc.problems}), hide_index=True,
                         width="stretch")
        else:
            st.write(f"{len(diary.entries)} entries ready"
                     + (f" ({len(diary.lines_without_score)} rows without a score left out)"
                        if diary.lines_without_score else "") + ".")
            if st.button("Add them to the diary", type="primary"):
                added = ui.store().add_pain(current.id, diary.entries, skip_duplicates=True)
                st.toast(f"Added {len(added)} entries ({len(diary.entries) - len(added)} "
                         "were already there).")
with right:
    st.subheader("Export")
    export = pain.assign(date=pain["date"].dt.strftime("%Y-%m-%d")).drop(columns="entry_id")
    st.download_button("Download the diary as CSV", csv_text(export).encode(),
                       file_name=f"kneeload-pain-{file_stem(current.name)}-{today}.csv",
                       mime="text/csv", disabled=pain.empty)
