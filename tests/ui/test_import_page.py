"""Import page: a row per activity, the right and full reason for a failure, warnings shown,
uploads cleared, and no runner made (nor a demo runner chosen) by default."""

from __future__ import annotations

import numpy as np

from analysis.store import Store
from analysis.synth import fit_bytes, gpx_bytes, synth_run
from tests.ui.conftest import app

NOT_GPX = b"date,pain\n2026-01-02,3\n"  # a diary saved under the wrong name


def import_files(at, files: list[tuple[str, bytes, str]]):
    at.file_uploader[0].set_value(files).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    return at


def test_the_default_runner_is_never_a_demo_runner(db):
    at = app("pages/import_data.py")
    assert at.selectbox[0].value == "New runner…"
    assert at.text_input[0].value == "me"


def test_a_row_per_activity_with_reasons_and_warnings(db):
    good = synth_run(np.random.default_rng(9), "2026-01-05 07:00", duration_s=900)
    walk = synth_run(np.random.default_rng(8), "2026-01-06 08:00", duration_s=1200,
                     speed_mps=1.4, sport="walk")
    cut = fit_bytes(synth_run(np.random.default_rng(3), "2026-01-07 07:00", duration_s=1200))
    at = import_files(app("pages/import_data.py"), [
        ("morning.gpx", gpx_bytes(good), "application/gpx+xml"),
        ("walk.gpx", gpx_bytes(walk, sport="walking"), "application/gpx+xml"),
        ("notes.gpx", NOT_GPX, "application/gpx+xml"),
        ("cut.fit", cut[:29000], "application/octet-stream")])
    table = at.dataframe[0].value.set_index("file")
    assert table.loc["morning.gpx", ["date", "sport", "running load", "result"]].tolist() == [
        good.start.date().isoformat(), "run", "counted", "imported"]
    assert table.loc["walk.gpx", ["sport", "running load"]].tolist() == ["walk", "not counted"]
    assert table.loc["notes.gpx", ["date", "sport", "km", "result"]].tolist() == [
        "–", "–", "–", "could not be read"]
    assert table.loc["morning.gpx", "km"] == f"{good.distance[-1] / 1000:.2f}"
    assert [e.value.replace("\\", "") for e in at.error] == [  # as shown: no escapes
        "notes.gpx: named .gpx, but the content is not GPX (XML): it is plain text"]
    assert any(w.value.replace("\\", "").startswith("cut.fit: file ends early (cut at byte "
                                                     "29000") for w in at.warning)
    assert at.file_uploader[0].value in (None, [])  # cleared for the next import
    with Store(db) as store:
        assert "me" in set(store.athletes()["name"])


def test_nothing_stored_creates_no_runner(db):
    at = import_files(app("pages/import_data.py"), [("notes.gpx", NOT_GPX, "text/plain")])
    assert [w.value for w in at.warning] == [
        "Nothing was stored, so no runner called me was created."]
    with Store(db) as store:
        assert "me" not in set(store.athletes()["name"])
