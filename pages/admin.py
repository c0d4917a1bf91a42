"""Administration (squad mode, admins): accounts and roles, squads with coaches and
athletes, invitation links, deleting an athlete, and the audit log."""

import streamlit as st

from analysis.safetext import csv_text
from analysis.store.models import ROLES
from pages import ui

ui.require_app()

st.title("Administration")
data = ui.store()
if data.engine.dialect.name == "sqlite":
    st.warning("This squad runs on SQLite: fine for a trial; a club's server belongs on "
               "PostgreSQL (README, A squad deployment).")

st.subheader("Accounts")
st.caption("People sign in with their club or university account; kneeload stores no "
           "password. Removing an account ends its access at once; its data stay.")
st.dataframe(data.users(), hide_index=True, width="stretch")
with st.form("add_user", clear_on_submit=True):
    email, role, athlete = st.columns([3, 2, 3])
    new_email = email.text_input("Email")
    new_role = role.selectbox("Role", ROLES)
    new_athlete = athlete.text_input("Athlete (for athletes; default: the email)")
    if st.form_submit_button("Add or change the account", type="primary"):
        try:
            added = data.add_user(new_email, new_role, athlete=new_athlete.strip() or None)
            st.toast(f"{ui.plain(added.email)}: {added.role}.")
        except (ValueError, LookupError) as exc:
            st.error(ui.plain(exc))
active = data.users().query("active")["email"].tolist()
gone, go = st.columns([3, 1], vertical_alignment="bottom")
leaving = gone.selectbox("Remove an account", active, index=None)
if go.button("Remove", disabled=leaving is None):
    data.remove_user(leaving)
    st.rerun()

st.subheader("Squads")
squads = data.squads()
st.dataframe(squads.drop(columns="id"), hide_index=True, width="stretch")
with st.form("create_squad", clear_on_submit=True):
    name = st.text_input("New squad")
    if st.form_submit_button("Create squad"):
        try:
            data.create_squad(name)
            st.rerun()
        except ValueError as exc:
            st.error(ui.plain(exc))
if not squads.empty:
    names = squads["name"].tolist()
    left, right = st.columns(2, gap="large")
    with left.form("add_coach"):
        squad = st.selectbox("Squad", names, key="coach_squad")
        coach = st.text_input("Coach's email (an account with role coach)")
        if st.form_submit_button("Add coach"):
            try:
                data.add_coach(squad, coach)
                st.rerun()
            except (ValueError, LookupError) as exc:
                st.error(ui.plain(exc))
    with right.form("add_athlete"):
        squad = st.selectbox("Squad", names, key="athlete_squad")
        member = st.selectbox("Athlete", data.athletes()["name"].tolist())
        if st.form_submit_button("Add athlete"):
            data.add_to_squad(squad, member)
            st.rerun()
    squad = st.selectbox("Invite to", names, key="admin_invite")
    if st.button("Create an invitation link"):
        st.session_state["admin_invitation"] = ui.invitation_link(data.invite(squad))
    if "admin_invitation" in st.session_state:
        st.code(st.session_state["admin_invitation"], language=None)

st.subheader("Delete an athlete")
people = data.athletes()
doomed = st.selectbox("Athlete", people["name"].tolist(), index=None, key="doomed")
sure = st.checkbox("Yes, delete this athlete and all their runs and pain entries for good",
                   disabled=doomed is None)
if st.button("Delete athlete", disabled=not sure):
    data.delete_athlete(int(people.set_index("name").loc[doomed, "id"]))
    st.toast(f"Deleted {ui.plain(doomed)}.")
    st.rerun()

st.subheader("Audit log")
st.caption("Every view of another person's data, every export, and every change to "
           "accounts, squads and consent.")
log = data.audit_log()
st.dataframe(log.iloc[::-1], hide_index=True, width="stretch", height=320)
csv, js = st.columns(2)
csv.download_button("Download as CSV", csv_text(log).encode(),
                    file_name="kneeload-audit.csv", mime="text/csv")
js.download_button("Download as JSON", log.to_json(orient="records", date_format="iso",
                                                 indent=2).encode(),
                   file_name="kneeload-audit.json", mime="application/json")
