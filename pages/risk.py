"""Knee risk: this week's flags with rule, value and evidence; what came before flares; the
lagged associations; and the pain-gated return-to-run proposal."""

import pandas as pd
import streamlit as st

from analysis.plan import return_to_run_plan
from analysis.risk import current_from
from pages import ui

LEVEL_STYLE = {"high": ("🔴", st.error), "caution": ("🟠", st.warning), "info": ("🔵", st.info)}

current = ui.athlete()
st.title(f"Knee risk: {current.name}" if current else "Knee risk")
ui.disclaimer()
if ui.no_data(current):
    st.stop()
tables = ui.tables(current)
units = ui.units()

st.subheader("Flags now")
flags = current_from(tables)
if not flags:
    st.success("No flags in the last 7 days: no single-run spike, weekly jump, cadence drop "
               "or pain-rule breach.")
for flag in flags:
    icon, box = LEVEL_STYLE[flag.level]
    measured = "" if pd.isna(flag.value) else (
        f" **Measured:** {flag.value:.3g} {flag.unit} (threshold {flag.threshold:g}).")
    box(f"{icon} **{flag.rule}** — {flag.date:%a %d %b}.{measured}\n\n"
        f"*Evidence {flag.strength}:* {flag.evidence}")

st.subheader("Return to running: a proposal")
plan = return_to_run_plan(*ui.frames(current), tables.thresholds, tables.today,
                          tz=current.tz)
st.caption(plan.disclaimer)
for note in plan.notes:
    st.info(note)
st.markdown(f"**The gate:** {plan.rule}  \n**Progression:** {plan.progression}  \n"
            f"**Evidence:** {plan.evidence}")
st.dataframe(plan.weeks.drop(columns=["week_start"], errors="ignore"), hide_index=True,
             width="stretch")
with st.expander("Sessions, day by day"):
    st.dataframe(plan.sessions, hide_index=True, width="stretch")
