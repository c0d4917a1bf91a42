"""Coach: the squad ranked by pain and load spikes; open anyone's overview or report."""

import pandas as pd
import streamlit as st

from analysis.deployment import squad_mode
from analysis.roster import roster, roster_row
from analysis.safetext import file_stem
from pages import ui

ui.require_app()

st.title("Coach: squad roster")
st.caption("Ranked by triage score = mean pain of the last 7 days + its rise over the week "
           "before (a fall counts 0) + 2 per high flag + 1 per caution flag now. It orders "
           "attention; it is not a diagnosis.")
ui.disclaimer()

units = ui.units()
people = ui.athletes()
rows, reports = [], {}
for _, person in people.iterrows():
    athlete = ui.store().athlete(person["name"], create=False)
    if person["activities"] == 0 and person["pain_entries"] == 0:
        continue
    shown = ui.view(athlete)
    rows.append(roster_row(athlete.id, athlete.name, shown.tables))
    reports[athlete.name] = (athlete, shown)
if not rows:
    st.info("No athletes with data yet.")
    st.stop()

ranked = roster(rows)
flags = ranked["high_flags"].astype(str) + " high, " + ranked["caution_flags"].astype(str) \
    + " caution"
# What a coach needs at a glance comes first, so a phone shows it without scrolling sideways.
shown = pd.DataFrame({
    "athlete": ranked["name"],
    "latest pain": [ui.fmt(score, "{:.0f}/10") + ui.fmt(day, " ({:%d %b})", "")
                    for score, day in zip(ranked["latest_pain"], ranked["latest_pain_date"],
                                          strict=True)],
    "flags now": flags.where(ranked["high_flags"] + ranked["caution_flags"] > 0, "none"),
    "triage": ranked["triage"],
    f"last week ({units.distance})": (ranked["last_week_m"] / units.distance_m).map(ui.fmt),
    "change": ranked["last_week_change_pct"].map(lambda v: ui.fmt(v, "{:+.0f} %")),
    "pain trend (7 d)": ranked["pain_trend"].map(lambda v: ui.fmt(v, "{:+.1f}")),
    "which flags": ranked["flag_titles"].replace("", "–"),
})
picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun",
                      selection_mode="single-row", key="roster",
                      column_config={"triage": st.column_config.ProgressColumn(
                          "triage", min_value=0.0, format="%.1f", width="small",
                          max_value=float(max(ranked["triage"].max(), 1.0))),
                          "athlete": st.column_config.TextColumn(pinned=True),
                          "which flags": st.column_config.TextColumn(width="large")})
if picked and picked.selection.rows:
    name = ranked["name"].iloc[picked.selection.rows[0]]
    athlete, shown = reports[name]

    def open_overview(selected: str = name) -> None:
        st.session_state["selected_athlete"] = selected
        st.session_state["go_to"] = "overview"

    left, right = st.columns(2)
    left.button(f"Open {ui.plain(name)}'s overview", type="primary", on_click=open_overview)
    right.download_button(f"Download {ui.plain(name)}'s one-page report (HTML)",
                          shown.report_html(),
                          file_name=f"kneeload-report-{file_stem(name)}.html", mime="text/html",
                          on_click=ui.store().log_export, args=(athlete.id, "one-page report"))
    if squad_mode():
        st.caption("A link to share with another coach of the squad (it opens only for "
                   "those allowed to see this athlete):")
        st.code(ui.athlete_link("overview", name), language=None)
else:
    st.caption("Choose an athlete to open their overview or download a report to share.")
