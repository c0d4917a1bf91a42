"""The Research page counts who was modelled of those stored, names who was left out and
why, and offers the model tables as formula-safe CSV."""

from __future__ import annotations

import pandas as pd

from analysis.pain import PainEntry
from analysis.store import Store
from tests.ui.conftest import app


def test_a_runner_left_out_is_counted_named_and_the_tables_download_safely(db):
    with Store(db) as store:
        odd = store.athlete("=HYPERLINK(1)")  # a name a spreadsheet would run
        store.add_pain(odd.id, [PainEntry(pd.Timestamp("2026-11-02").date(), 2)])
    at = app("pages/research.py")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Runners"] == "6 of 7"
    assert at.expander[0].label == "Runners left out of the models (1)"
    assert at.dataframe[0].value.values.tolist() == [
        ["=HYPERLINK(1)", "no complete week of runs or diary"]]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[0] == "Download the mixed-model table (CSV)"
    assert "Download the per-runner estimates (CSV)" in labels
