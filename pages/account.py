"""Account: who is signed in; an athlete's squads (leave one) and research consent
(withdraw at any time); a coach's invitation links; signing out."""

import streamlit as st

from pages import ui

ui.require_app()

who = ui.user()
st.title("Account")
st.write(f"Signed in as **{ui.plain(who.email)}**, {who.role}.")
joined = st.session_state.pop("joined", None)
if joined:
    st.success(f"You joined {ui.plain(joined)}. Its coaches can now see your runs and pain diary.")
squads = ui.store().squads()

if who.athlete_id is not None:
    st.subheader("Research")
    consent = ui.store().research_consent(who.athlete_id)
    agreed = st.toggle("Researchers may use my data, de-identified", value=consent,
                       help="Researchers never see your name, notes, files or GPS tracks, "
                            "only pseudonymised load and pain. Withdrawing takes effect from "
                            "the next export; exports made before cannot be recalled.")
    if agreed != consent:
        ui.store().set_research_consent(who.athlete_id, agreed)
        st.toast("Consent given." if agreed else "Consent withdrawn: the next research "
                 "export leaves your data out.")
        st.rerun()

    st.subheader("My squads")
    if squads.empty:
        st.caption("You are in no squad. A coach's invitation link adds you to one.")
    for squad in squads.itertuples():
        box = st.container(border=True)
        box.markdown(f"**{ui.plain(squad.name)}** · coached by "
                    f"{ui.plain(squad.coaches or 'nobody yet')}")
        if box.checkbox(f"Leave {ui.plain(squad.name)}: its coaches no longer see my data",
                        key=f"leave-{squad.id}") and box.button(f"Leave {ui.plain(squad.name)}",
                                                                key=f"go-{squad.id}"):
            ui.store().leave_squad(squad.name)
            st.toast(f"You left {ui.plain(squad.name)}.")
            st.rerun()

if who.role in ("coach", "admin") and not squads.empty:
    st.subheader("Invite an athlete")
    st.caption("The link works once and for 7 days: whoever opens it and signs in joins the "
               "squad as an athlete.")
    squad = st.selectbox("Squad", squads["name"].tolist(), key="invite_squad")
    if st.button("Create an invitation link"):
        st.session_state["invitation"] = ui.invitation_link(ui.store().invite(squad))
    if "invitation" in st.session_state:
        st.code(st.session_state["invitation"], language=None)

st.button("Sign out", on_click=st.logout, icon=":material/logout:", type="primary")
