"""One today, one set of numbers: `kneeload analyze --format json` and the Knee risk page
show the same statistics for the same athlete (both go through analysis.athlete)."""

from __future__ import annotations

import json

import pandas as pd

from analysis.athlete import AthleteView
from analysis.cli import main
from analysis.store import Store
from tests.ui.conftest import app, charts

ALEX = "Alex (demo)"


def test_cli_json_and_the_risk_page_show_identical_numbers(db, capsys):
    assert main(["analyze", "--db", db, "--athlete", ALEX, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    with Store(db) as store:
        today = AthleteView.local_today(store.athlete(ALEX, create=False))
    assert payload["today"] == f"{today:%Y-%m-%d}"  # the athlete's own today, not the data's
    assert "not medical advice" in payload["disclaimer"]

    at = app("pages/risk.py")
    _, data = charts(at)[1]  # after the event-study chart
    shown = max(data.values(), key=len).set_index(["exposure", "lag_days"]).sort_index()
    cli = pd.DataFrame(payload["associations"]).set_index(["exposure", "lag_days"]).sort_index()
    assert len(cli) == len(shown) > 20
    assert shown["row"].notna().all()  # every cell named, the flags too
    assert "spike flag raised · 1 d" in set(shown["row"])
    assert list(shown.index) == list(cli.index)
    for column in ("estimate", "ci_low", "ci_high", "p_value", "q_value"):
        assert shown[column].tolist() == cli[column].tolist(), column

    flares = at.dataframe[0].value
    assert [f"{day}" for day in flares["flare began"]] == [
        flare["onset"] for flare in payload["flares"]]
