"""Knee risk: this week's flags with rule, value and evidence; what came before flares; the
lagged associations; and the pain-gated return-to-run proposal."""

import pandas as pd
import streamlit as st

from analysis import charts
from analysis.pain import flare_rule_words
from analysis.risk import no_flags_words, pain_says_stop
from analysis.stats.report import shared_words
from analysis.units import format_value
from pages import ui

ui.require_app()

LEVEL_STYLE = {"high": (":material/error:", st.error),
               "caution": (":material/warning:", st.warning),
               "info": (":material/info:", st.info)}

current = ui.athlete()
st.title(f"Knee risk: {ui.plain(current.name)}" if current else "Knee risk")
ui.disclaimer()
if ui.no_data(current):
    st.stop()
shown = ui.view(current)
tables = shown.tables
units = ui.units()

window = tables.thresholds.current_days
st.subheader("Flags now")
st.caption(f"The last complete week, and runs and pain of the last {window} days (the window "
           "is a setting).")
flags = shown.flags
if not flags:
    (st.info if shown.recent.empty else st.success)(no_flags_words(shown.recent))
for flag in flags:
    icon, box = LEVEL_STYLE[flag.level]
    measured = format_value(flag.value, flag.unit, units)
    threshold = format_value(flag.threshold, flag.unit, units)
    numbers = "" if measured == "–" else (f"  \n**Measured:** {measured} · **threshold:** "
                                          f"{threshold}")
    box(f"**{flag.rule}** ({flag.date:%a %d %b}){numbers}  \n"
        f"*{' '.join(('Evidence', flag.strength)).strip()}:* {flag.evidence}", icon=icon)

report = ui.nof1(current)
st.subheader("What changed before your flares")
rule = tables.thresholds
st.caption(f"{flare_rule_words(rule).capitalize()}. Exploratory, your own data only; the "
           "weeks before flares are compared with the weeks before quiet days.")
if report.flares.empty:
    st.info("No flare in the diary so far.")
else:
    flares = report.flares
    st.dataframe(pd.DataFrame({
        "flare began": flares["onset"].dt.date, "worst pain": flares["peak_pain"],
        "settled": flares["recovered"].dt.date, "days": flares["duration_days"]}),
        hide_index=True, width="stretch")
    if report.event_study.empty:
        st.info("Comparing the weeks before flares needs at least 2 flares with 28 days of "
                "history before them.")
    else:
        st.altair_chart(charts.event_study_chart(report.event_study), width="stretch")

st.subheader("What went with your pain")
if report.enough_data:
    st.caption("Each dot: the difference in the day's worst pain that went with 1 standard "
               "deviation more of the exposure (or with a raised flag) that many days (or "
               "weeks) before, with the pain before the exposure taken into account, and its "
               "95 % interval. Filled red only where it survives the correction for "
               f"{len(report.associations)} tests. An association, not a cause.")
    if report.shared:
        st.caption(shared_words(report.shared, charts.EXPOSURE_WORDS))
    st.altair_chart(charts.associations_chart(report.associations), width="stretch")
else:
    st.info(report.message)
if report.unknown:
    st.caption("Not enough data for " + "; ".join(
        f"{charts.EXPOSURE_WORDS[name]}: {why}" for name, why in report.unknown.items())
        + ".")
with st.expander("How this was computed"):
    st.write(report.message)

st.subheader("Return to running: a proposal")
stop = pain_says_stop(tables)
if stop:
    st.warning(f"Your pain says stop running for now (above {rule.pain_stop_above:g}/10 in the "
               f"last {window} days, in a run, or lasting): cross-train and strengthen, then "
               "return gradually as proposed below.", icon=":material/pause_circle:")
elif not st.toggle("Show a return-to-run plan", key=f"want-plan-{current.id}",
                   help="For coming back after a break or a flare. Your recent pain does "
                        "not call for one."):
    st.caption("Your recent pain does not call for a return-to-run plan. Switch it on if you "
               "are coming back after a break.")
    st.stop()
plan = shown.plan()
st.caption(plan.disclaimer)
st.markdown(f"**Ready to start:** {'yes' if plan.ready else 'not yet'}. {plan.when}")
for note in plan.notes:
    st.info(note)
st.markdown(f"**The gate:** {plan.rule}  \n**Progression:** {plan.progression}  \n"
            f"**Evidence:** {plan.evidence}")
weeks = plan.weeks
table = {
    "week": weeks["week"], "from": weeks["week_start"].dt.date, "status": weeks["status"],
    "running (min/week)": weeks["run_min"],
    "change (%)": weeks["change_pct"].map(lambda pct: "–" if pd.isna(pct) else f"{pct:+.1f}"),
    "sessions": weeks["phase"], "terrain": weeks["terrain"], "held back": weeks["held"],
    "why": weeks["reason"]}
if plan.start is None:  # waiting for the pain rule: no dates yet
    del table["from"]
st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
with st.expander("Sessions, day by day"):
    sessions = plan.sessions
    st.dataframe(pd.DataFrame({
        "week": sessions["week"],
        "day": sessions["day"] if plan.start is None else sessions["date"].dt.strftime(
            "%a %d %b"),
        "running (min)": sessions["run_min"], "session": sessions["description"]}),
        hide_index=True, width="stretch")
