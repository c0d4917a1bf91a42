"""Knee today: the athlete's phone page. One tap stores today's pain; side, timing and what
provoked it can be added afterwards. Laid out for a 390 px wide screen."""

import streamlit as st

from analysis.pain import parse_entry
from analysis.schema import PAIN_PROVOKERS, PAIN_SIDES, PAIN_TIMINGS
from analysis.store import AccessDenied
from pages import ui

ui.require_app()

TIMING_WORDS = {"during_run": "during a run", "after_run": "after a run",
                "next_morning": "next morning", "daily_worst": "worst of the day"}

current = ui.store().athlete(None)  # always their own
today = ui.today(current)


def save_score() -> None:
    """The tap: store today's score at once."""
    score = st.session_state.get("tap_score")
    if score is None:
        return
    st.session_state["tap_score"] = None
    entry = parse_entry(today, score, None, None, (), None, "", today=today)
    try:
        [entry_id] = ui.store().add_pain(current.id, [entry])
    except AccessDenied:  # the sign-in lapsed since the page was drawn: the gate says so
        return
    st.session_state["tapped"] = (entry_id, int(score))


st.title("Knee today")
st.caption(f"{ui.plain(current.name)} · {today:%A %d %B} · tap your knee pain: 0 none, 10 worst "
           "imaginable.")
st.pills("Pain today (0–10)", list(range(11)), key="tap_score", on_change=save_score,
         label_visibility="collapsed")

tapped = st.session_state.get("tapped")
if tapped:
    entry_id, score = tapped
    st.success(f"Saved: {score}/10 for today.", icon=":material/check_circle:")
    with st.form("details", border=True):
        st.caption("Optional details")
        side = st.segmented_control("Side", PAIN_SIDES, key="tap_side")
        timing = st.segmented_control("When", PAIN_TIMINGS, format_func=TIMING_WORDS.get,
                                      key="tap_timing")
        provokers = st.pills("Worse with", PAIN_PROVOKERS, selection_mode="multi",
                             key="tap_provokers")
        if st.form_submit_button("Add details", type="primary", width="stretch"):
            ui.store().update_pain(current.id, entry_id, side=side, timing=timing,
                                   provokers=tuple(provokers))
            st.session_state.pop("tapped")
            st.toast("Details added.")
            st.rerun()
    if st.button("Undo this entry", width="stretch"):
        ui.store().delete_pain(current.id, entry_id)
        st.session_state.pop("tapped")
        st.rerun()

pain = ui.store().pain(current.id)
logged = pain[pain["date"].dt.date == today]
if len(logged):
    st.caption("Today so far: " + ", ".join(f"{s}/10" for s in logged["score"]))
ui.disclaimer()
