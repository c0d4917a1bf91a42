"""kneeload dashboard: page setup, navigation and the shared sidebar."""

import streamlit as st

from pages import ui


def main() -> None:
    """Register the pages, show the sidebar and run the chosen page."""
    st.set_page_config(page_title="kneeload", page_icon="🦵", layout="wide")
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
    })
    pages = ui.PAGES
    if ui.athletes()["activities"].sum() == 0:
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
    ui.sidebar()
    navigation.run()


# Streamlit runs this file as __main__; worker processes (parallel imports and cohort
# models) re-import it as __mp_main__ and must not run the app.
if __name__ == "__main__":
    main()
