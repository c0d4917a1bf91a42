"""Settings: the athlete's name, time zone, units and flag thresholds; export or delete."""

from dataclasses import fields
from zoneinfo import available_timezones

import streamlit as st

from analysis.thresholds import SETTINGS_KEY, Thresholds
from pages import ui

GROUPS = {
    "Weekly change (%)": ("weekly_change_caution_pct", "weekly_change_high_pct"),
    "Single-run spike (× longest run of the window)": ("spike_small", "spike_medium",
                                                        "spike_large", "spike_window_days"),
    "Descent spike": ("descent_spike_ratio", "descent_spike_min_m"),
    "Cadence": ("cadence_drop_pct", "cadence_baseline_days", "cadence_min_runs"),
    "Pain rules (0–10)": ("pain_rule_max", "pain_stop_above", "persistent_pain_score",
                          "persistent_pain_days", "persistent_pain_gap_days"),
    "Flares (for the statistics)": ("flare_score", "flare_quiet_days"),
    "Acute:chronic ratio": ("acute_days", "chronic_days", "acwr_min_days",
                            "acwr_uncoupled_min_days"),
    "Return-to-run plan": ("plan_increase_pct", "plan_start_run_min", "plan_start_fraction",
                           "plan_target_run_min", "plan_session_min",
                           "plan_sessions_per_week", "plan_terrain_weeks"),
}

current = ui.athlete()
st.title("Settings")
if current is None:
    current = ui.store().athlete(None)

with st.form("athlete"):
    st.subheader(current.name)
    name = st.text_input("Name", value=current.name)
    zones = sorted(available_timezones())
    tz = st.selectbox("Time zone (used when a file has neither an offset nor GPS)",
                      ["(not set)", *zones],
                      index=zones.index(current.tz) + 1 if current.tz in zones else 0)
    units = st.radio("Units", ["km", "mi"], index=["km", "mi"].index(current.units),
                     format_func={"km": "kilometres and metres",
                                  "mi": "miles and feet"}.get, horizontal=True)
    if st.form_submit_button("Save", type="primary"):
        try:
            updated = ui.store().update_athlete(current.id, name=name, units=units,
                                                tz="" if tz == "(not set)" else tz)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.session_state["athlete"] = updated.name
            st.rerun()

st.subheader("Flag thresholds")
st.caption("Defaults follow the evidence summarised in kneeload's domain notes; change them "
           "only with a reason (for example a physiotherapist's advice).")
defaults = Thresholds().to_dict()
chosen = Thresholds.from_settings(current.settings).to_dict()
types = {f.name: f.type for f in fields(Thresholds)}
with st.form("thresholds"):
    values = {}
    for group, names in GROUPS.items():
        st.markdown(f"**{group}**")
        columns = st.columns(4)
        for i, key in enumerate(names):
            whole = "int" in str(types[key])
            values[key] = columns[i % 4].number_input(
                key.replace("_", " "), value=chosen[key], step=1 if whole else 0.1,
                help=f"default {defaults[key]:g}", format="%d" if whole else "%.2f")
    save, reset = st.columns([1, 5])
    if save.form_submit_button("Save thresholds", type="primary"):
        overrides = {k: v for k, v in values.items() if v != defaults[k]}
        settings = {**current.settings, SETTINGS_KEY: overrides}
        ui.store().update_athlete(current.id, settings=settings)
        st.toast("Thresholds saved.")
        st.rerun()
    if reset.form_submit_button("Reset to the defaults"):
        ui.store().update_athlete(current.id, settings={
            k: v for k, v in current.settings.items() if k != SETTINGS_KEY})
        st.toast("Thresholds reset to the defaults.")
        st.rerun()

st.subheader("Your data")
left, right = st.columns(2, gap="large")
with left:
    if st.button("Prepare an export of everything about this athlete"):
        st.session_state["athlete_export"] = (current.id, ui.store().export_athlete(current.id))
    prepared = st.session_state.get("athlete_export")
    if prepared and prepared[0] == current.id:
        st.download_button("Download the export (zip: CSV and Parquet)", prepared[1],
                           file_name=f"kneeload-{current.name}.zip", mime="application/zip")
with right:
    sure = st.checkbox(f"Yes, delete {current.name} and all their runs and pain entries")
    if st.button("Delete athlete", disabled=not sure):
        ui.store().delete_athlete(current.id)
        st.session_state.pop("athlete", None)
        st.rerun()
