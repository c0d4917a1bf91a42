"""Settings: the athlete's name, time zone, units and flag thresholds; export or delete."""

from dataclasses import fields

import streamlit as st

from analysis.safetext import file_stem
from analysis.thresholds import PAIN_POINTS, SETTINGS_KEY, Thresholds
from pages import ui

ui.require_app()

GROUPS = {
    "Flags now": {"current_days": "a flag counts as current for (days)"},
    "Weekly change": {"weekly_change_caution_pct": "caution above (%)",
                      "weekly_change_high_pct": "high above (%)"},
    "Single-run spike (run ÷ longest run of the window)": {
        "spike_small": "small band above (×)", "spike_medium": "medium band above (×)",
        "spike_large": "large band above (×)", "spike_window_days": "window (days)"},
    "Descent spike": {"descent_spike_ratio": "flag above (×)",
                      "descent_spike_min_m": "only from (m of descent)"},
    "Cadence": {"cadence_drop_pct": "flag a drop of more than (%)",
                "cadence_baseline_days": "baseline over (days)",
                "cadence_min_runs": "baseline needs (runs)"},
    "Pain rules (0–10)": {"pain_rule_max": "during a run, at most",
                          "pain_stop_above": "stop running above",
                          "persistent_pain_score": "persistent pain from",
                          "persistent_low_pain_score": "even mild pain from",
                          "persistent_pain_days": "persistent after (days)",
                          "persistent_pain_gap_days": "a gap ends it after (days)"},
    "Flares (for the statistics)": {"flare_score": "flare at pain of at least",
                                    "flare_quiet_days": "after days below it",
                                    "flare_recorded_days": "of which logged (days)",
                                    "flare_min_rise": "rise above those days' mean",
                                    "flare_persist_days": "persists on (logged days)",
                                    "flare_persist_window": "of the first (logged days)"},
    "Acute:chronic ratio": {"acute_days": "acute window (days)",
                            "chronic_days": "chronic window (days)",
                            "acwr_min_days": "history needed (days)",
                            "acwr_uncoupled_min_days": "uncoupled needs (days)"},
    "Return-to-run plan": {"plan_increase_pct": "weekly increase (%)",
                           "plan_start_run_min": "start at least (min/week)",
                           "plan_start_fraction": "start at share of recent volume",
                           "plan_target_run_min": "target at least (min/week)",
                           "plan_session_min": "walk–run until a session is (min)",
                           "plan_sessions_per_week": "sessions per week",
                           "plan_terrain_weeks": "weeks per terrain step"},
}

LABELS = {key: f"{group.split(' (')[0]}: {label}" for group, labels in GROUPS.items()
          for key, label in labels.items()}


def readable(problem: str) -> str:
    """A threshold error with the fields named as the form labels them."""
    for key in sorted(LABELS, key=len, reverse=True):  # longest first: no partial names
        problem = problem.replace(key, f"‘{LABELS[key]}’")
    return problem.removeprefix("invalid thresholds: ")


current = ui.athlete()
st.title("Settings")
if current is None:
    current = ui.store().athlete(None)

with st.form("athlete"):
    st.subheader(ui.plain(current.name))
    name = st.text_input("Name", value=current.name)
    zones = ui.time_zones()
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
            st.error(ui.plain(exc))
        else:
            st.session_state["selected_athlete"] = updated.name
            st.rerun()

st.subheader("Flag thresholds")
st.caption("Defaults follow the evidence summarised in kneeload's domain notes; change them "
           "only with a reason (for example a physiotherapist's advice).")
defaults = Thresholds().to_dict()
usable, problem = Thresholds.usable(current.settings)
if problem:
    st.error(f"The stored thresholds are not valid ({readable(problem)}), so kneeload uses "
             "the defaults. Change them below, or reset them.", icon=":material/error:")
chosen = usable.to_dict()
types = {f.name: f.type for f in fields(Thresholds)}
with st.form("thresholds"):
    values = {}
    for group, labels in GROUPS.items():
        st.markdown(f"**{group}**")
        columns = st.columns(4)
        for i, (key, label) in enumerate(labels.items()):
            whole = "int" in str(types[key])
            values[key] = columns[i % 4].number_input(
                label, value=chosen[key], step=1 if whole else 1.0 if key in PAIN_POINTS else 0.1,
                help=f"default {defaults[key]:g} (`{key}`)", format="%d" if whole else "%g")
    save, reset = st.columns([1, 5])
    if save.form_submit_button("Save thresholds", type="primary"):
        try:
            Thresholds.from_dict(values)
        except ValueError as exc:
            st.error(f"Not saved: the thresholds must satisfy {readable(str(exc))}.",
                     icon=":material/error:")
        else:
            overrides = {k: v for k, v in values.items() if v != defaults[k]}
            settings = {**current.settings, SETTINGS_KEY: overrides}
            ui.store().update_athlete(current.id, settings=settings)
            st.toast("Thresholds saved.", icon=":material/check:")
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
                           file_name=f"kneeload-{file_stem(current.name)}.zip",
                           mime="application/zip")
with right:
    sure = st.checkbox(f"Yes, delete {ui.plain(current.name)} and all their runs and pain entries")
    if st.button("Delete athlete", disabled=not sure):
        ui.store().delete_athlete(current.id)
        st.session_state.pop("selected_athlete", None)
        st.rerun()
