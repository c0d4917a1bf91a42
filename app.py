"""kneeload dashboard: page setup, navigation and the shared sidebar."""

import streamlit as st

from pages import ui

st.set_page_config(page_title="kneeload", page_icon="🦵", layout="wide")

ui.PAGES.update({
    "start": st.Page("pages/start.py", title="Start", icon="🏁"),
    "overview": st.Page("pages/overview.py", title="Overview", icon="📈"),
    "diary": st.Page("pages/diary.py", title="Pain diary", icon="📝"),
    "risk": st.Page("pages/risk.py", title="Knee risk", icon="⚠️"),
    "coach": st.Page("pages/coach.py", title="Coach", icon="👥"),
    "research": st.Page("pages/research.py", title="Research", icon="🔬"),
    "import": st.Page("pages/import_data.py", title="Import", icon="📥"),
    "settings": st.Page("pages/settings.py", title="Settings", icon="⚙️"),
})
pages = ui.PAGES
empty = ui.athletes()["activities"].sum() == 0
if empty:
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
