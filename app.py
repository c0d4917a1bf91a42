"""kneeload dashboard: page setup, the sign-in gate (squad mode), navigation and the shared
sidebar."""

import streamlit as st

from analysis.deployment import squad_mode
from analysis.store import AccessDenied, UnknownAthlete
from pages import ui

# Squad mode: the pages each role sees, the first one opening. Every read and write is
# still checked by the store; this only keeps menus to what the role can use.
ROLE_PAGES = {
    "athlete": ["log_pain", "overview", "diary", "risk", "import", "settings", "account"],
    "coach": ["coach", "overview", "risk", "account"],
    "researcher": ["research", "account"],
    "admin": ["admin", "coach", "overview", "risk", "research", "account"],
}


def main() -> None:
    """Register the pages, check who is signed in, show the sidebar and run the page."""
    st.set_page_config(page_title="kneeload", page_icon=":material/directions_run:", layout="wide")
    ui.PAGES.update({
        "start": st.Page("pages/start.py", title="Start", icon=":material/flag:"),
        "overview": st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:"),
        "diary": st.Page("pages/diary.py", title="Pain diary", icon=":material/edit_note:"),
        "risk": st.Page("pages/risk.py", title="Knee risk", icon=":material/warning:"),
        "coach": st.Page("pages/coach.py", title="Coach", icon=":material/groups:"),
        "research": st.Page("pages/research.py", title="Research", icon=":material/science:"),
        "import": st.Page("pages/import_data.py", title="Import",
                          icon=":material/upload_file:"),
        "settings": st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        "log_pain": st.Page("pages/log_pain.py", title="Knee today",
                            icon=":material/touch_app:"),
        "admin": st.Page("pages/admin.py", title="Administration",
                         icon=":material/admin_panel_settings:"),
        "account": st.Page("pages/account.py", title="Account", icon=":material/person:"),
    })
    pages = ui.PAGES
    ui.spare_the_collector()
    who = ui.gate()
    if squad_mode():
        navigation = st.navigation([pages[name] for name in ROLE_PAGES[who.role]])
    elif ui.athletes()["activities"].sum() == 0:
        navigation = st.navigation([pages["start"], pages["import"], pages["diary"],
                                    pages["settings"]])
    else:
        navigation = st.navigation({
            "Runner": [pages["overview"], pages["diary"], pages["risk"]],
            "Squad and research": [pages["coach"], pages["research"]],
            "Data": [pages["import"], pages["settings"], pages["start"]],
        })
    target = st.session_state.pop("go_to", None)  # set by buttons that open another page
    if target:
        st.switch_page(pages[target])
    try:
        ui.sidebar()
        navigation.run()
    except AccessDenied as refused:  # the store said no, whichever page or link asked
        ui.refused(refused)
    except UnknownAthlete as missing:  # e.g. an athlete account whose athlete was deleted
        st.info(f"{ui.plain(missing)}.")


# Streamlit runs this file as __main__; worker processes (parallel imports and cohort
# models) re-import it as __mp_main__ and must not run the app.
if __name__ == "__main__":
    main()
