"""The dashboard against hostile input (issue 10): user text is never rendered as Markdown,
files not read are named, local paths stay in their folders."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from analysis.safetext import markdown_literal
from analysis.store import Store
from analysis.synth import gpx_bytes, synth_run
from tests.ui.conftest import app

HOSTILE = "![pix](http://127.0.0.1:9/a.png) **Sam**"
ESCAPED = r"\!\[pix\](http\://127.0.0.1\:9/a.png) \*\*Sam\*\*"
RENDERED = ("title", "subheader", "caption", "markdown", "checkbox", "button", "error")


def shown(at) -> list[str]:
    """Every Markdown source and label on the page that mentions Sam."""
    values = []
    for kind in RENDERED:
        for element in at.get(kind):
            value = getattr(element, "label", None) or getattr(element, "value", "")
            if "Sam" in str(value):
                values.append(str(value))
    return values


def test_the_escape_is_what_markdown_shows_as_typed():
    assert markdown_literal(HOSTILE) == ESCAPED
    assert markdown_literal("# Sam\n1. x") == r"\# Sam 1. x"
    assert markdown_literal("1. Sam") == r"1\. Sam"
    assert markdown_literal("Alex (demo)") == "Alex (demo)"  # nothing to escape: unchanged


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/diary.py", "pages/risk.py",
                                  "pages/settings.py"])
def test_a_markdown_name_is_shown_as_plain_text(db, page):
    with Store(db) as store:
        alex = store.athlete("Alex (demo)", create=False)
        store.update_athlete(alex.id, name=HOSTILE)
    at = app(page)
    at.session_state["selected_athlete"] = HOSTILE
    at.run()
    assert not at.exception
    found = shown(at)
    assert found, "the name appears on the page"
    assert all(ESCAPED in value for value in found), found


def test_files_that_are_not_read_are_counted_and_named(db):
    run = synth_run(np.random.default_rng(11), "2026-01-09 07:00", duration_s=600)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("runs/a.gpx", gpx_bytes(run))
        archive.writestr("runs/notes.txt", b"not an activity")
        archive.writestr("runs/b.gpx.gzip", b"neither")
    at = app("pages/import_data.py")
    at.file_uploader[0].set_value(("runs.zip", buffer.getvalue(), "application/zip")).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Imported"] == "1" and metrics["Ignored (not activity files)"] == "2"
    table = at.dataframe[0].value
    assert table.to_dict("records") == [
        {"file": "runs.zip:runs/notes.txt", "result": "ignored",
         "details": "skipped (not an activity file)"},
        {"file": "runs.zip:runs/b.gpx.gzip", "result": "ignored",
         "details": "skipped (not an activity file)"},
        {"file": "runs.zip:runs/a.gpx", "result": "imported", "details": "1 new activity"}]


def test_a_local_path_outside_the_allowed_folders_is_refused(db, tmp_path, monkeypatch):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "escape").symlink_to("/etc")
    monkeypatch.setenv("KNEELOAD_LOCAL_ROOTS", str(allowed))
    at = app("pages/import_data.py")
    for path in ("/etc", f"{allowed}/escape", "relative/export"):
        at.text_input(key="local_path").set_value(path).run()
        next(b for b in at.button if b.label == "Import").click().run()
        assert not at.exception
        (error,) = [e.value for e in at.error]
        assert error.startswith("Not read: "), error
        assert "only folders and files under" in error or "give the full path" in error
    assert "import_report" not in at.session_state
