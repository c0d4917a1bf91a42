"""kneeload dashboard: navigation, page setup and the shared sidebar."""

import streamlit as st

st.set_page_config(page_title="kneeload", page_icon="🦵", layout="wide")
st.title("kneeload")
st.caption("Running load and knee pain. Decision support and self-study, not medical advice.")
st.info("The dashboard pages arrive with the dashboard issue; use `kneeload parse` meanwhile.")
