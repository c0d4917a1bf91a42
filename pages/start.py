"""Start: what kneeload does, the demo squad in one click, and the way to your own data."""

import streamlit as st

from analysis.demo import SQUAD, load_demo
from analysis.deployment import demo_allowed
from pages import ui

ui.require_app()

st.title("kneeload")
st.markdown("##### Running load and knee pain, side by side")
st.write(
    "kneeload reads your running exports (a whole Strava bulk export, GPX, TCX or FIT files, "
    "Garmin Connect CSV) and keeps a knee-pain diary. It shows what changed before pain "
    "flared — weekly jumps, single long-run spikes, descent, cadence — and what each flag "
    "rests on, from solid evidence to rules of thumb.")
ui.disclaimer()

left, right = st.columns(2, gap="large")
with left, st.container(border=True):
    if not demo_allowed():  # a club's shared database gets no generated runners
        st.info("The demo squad is for kneeload on your own computer.")
        st.stop()
    st.subheader("Try it with the demo squad")
    st.write(f"{len(SQUAD)} runners with generated data: Alex's year and a half with two "
             "flares of runner's knee after a trail block, and the squad mates for the coach "
             "view.")
    loaded = set(ui.athletes()["name"]) >= set(SQUAD)
    if st.button("Load the demo squad", type="primary", disabled=loaded,
                 help="Already loaded" if loaded else None):
        bar = st.progress(0.0, text="Reading the demo files…")
        counts = load_demo(ui.store(), progress=lambda done, total, name: bar.progress(
            done / total, text=f"Imported {name}"))
        st.session_state["selected_athlete"] = next(iter(SQUAD))
        st.session_state["go_to"] = "overview"
        st.toast(f"Loaded {sum(counts.values())} activities for {len(counts)} runners.")
        st.rerun()
    if loaded:
        st.success("The demo squad is loaded. Pick a runner in the sidebar.")
with right, st.container(border=True):
    st.subheader("Use your own data")
    st.write("Upload files or point kneeload at a Strava export on this computer. "
             "Importing the same export again never doubles anything.")
    st.page_link(ui.PAGES["import"], label="Import runs", icon=":material/upload_file:")
    st.page_link(ui.PAGES["diary"], label="Start a pain diary", icon=":material/edit_note:")
