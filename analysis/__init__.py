"""kneeload's core: reading exports, storage, load metrics, statistics and chart builders.

Nothing in this package imports Streamlit; the dashboard pages and the CLI both call it.
"""
