"""Research: cohort-level load–pain results and de-identified exports."""

import streamlit as st

st.title("Research")
st.info("Cohort statistics arrive with the statistics module.")
