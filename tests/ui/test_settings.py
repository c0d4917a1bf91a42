"""Settings page: thresholds are checked before they are stored; bad stored ones never lock
the dashboard."""

from __future__ import annotations

from analysis.store import Store
from analysis.thresholds import SETTINGS_KEY
from tests.ui.conftest import app

ALEX = "Alex (demo)"
BROKEN = {"weekly_change_caution_pct": 40.0}  # above the high band (30 %)


def stored(db: str) -> dict:
    with Store(db) as store:
        return store.athlete(ALEX, create=False).settings


def test_invalid_thresholds_are_not_saved(db):
    at = app("pages/settings.py")
    next(n for n in at.number_input if n.label == "caution above (%)").set_value(40.0)
    at.button(key="FormSubmitter:thresholds-Save thresholds").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Not saved: the thresholds must satisfy ‘Weekly change: caution above (%)’ < "
        "‘Weekly change: high above (%)’."]
    assert SETTINGS_KEY not in stored(db)


def test_bad_stored_thresholds_still_open_every_page_and_reset_works(db):
    with Store(db) as store:
        alex = store.athlete(ALEX, create=False)
        store.update_athlete(alex.id, settings={**alex.settings, SETTINGS_KEY: BROKEN})
    for page in ("pages/overview.py", "pages/risk.py"):
        app(page)  # asserts no exception
    at = app("pages/settings.py")
    assert [e.value for e in at.error] == [
        "The stored thresholds are not valid (‘Weekly change: caution above (%)’ < "
        "‘Weekly change: high above (%)’), so kneeload uses the defaults. Change them below, "
        "or reset them."]
    assert next(n for n in at.number_input if n.label == "caution above (%)").value == 10.0
    at.button(key="FormSubmitter:thresholds-Reset to the defaults").click().run()
    assert not at.exception
    assert SETTINGS_KEY not in stored(db)
    assert [e.value for e in at.error] == []
