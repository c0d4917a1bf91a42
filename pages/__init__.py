"""Dashboard pages (Streamlit scripts wired up by app.py) and their shared widgets (ui.py)."""
