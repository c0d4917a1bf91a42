"""Administration from the command line (user, squad, audit) and `--as EMAIL` on every data
command: the dashboard's rules exactly; a refusal exits 3 with one line on stderr, prints
nothing on stdout and changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from analysis.cli import build_parser, main
from analysis.store import Store
from analysis.synth import gpx_bytes
from tests.store.conftest import run_at
from tests.store.test_access import snapshot


@pytest.fixture
def club(db_url, monkeypatch, tmp_path, capsys) -> dict:
    """Set up through the CLI: athletes Anna (in Harriers, coached by c@) and Ben, a
    researcher, an admin; a run and pain for each athlete."""
    monkeypatch.setenv("KNEELOAD_DB", db_url)
    monkeypatch.setenv("KNEELOAD_MODE", "squad")
    gpx = tmp_path / "run.gpx"
    gpx.write_bytes(gpx_bytes(run_at("2024-03-01T07:00:00Z", duration_s=300)))
    diary = tmp_path / "diary.csv"
    diary.write_text("date,pain\n2024-03-02,5\n")
    for argv in (["user", "add", "a@club.test", "--role", "athlete", "--athlete", "Anna"],
                 ["user", "add", "b@club.test", "--role", "athlete", "--athlete", "Ben"],
                 ["user", "add", "c@club.test", "--role", "coach"],
                 ["user", "add", "r@club.test", "--role", "researcher"],
                 ["user", "add", "boss@club.test", "--role", "admin"],
                 ["squad", "create", "Harriers"],
                 ["squad", "add-coach", "Harriers", "c@club.test"],
                 ["squad", "add-athlete", "Harriers", "Anna"],
                 ["ingest", str(gpx), "--as", "a@club.test"],
                 ["ingest", str(gpx), "--as", "b@club.test"],
                 ["pain", "add", "--score", "3", "--date", "2024-03-01", "--as", "a@club.test"],
                 ["pain", "add", "--score", "6", "--date", "2024-03-01", "--as", "b@club.test"]):
        assert main(argv) == 0, argv
    capsys.readouterr()
    return {"url": db_url, "gpx": str(gpx), "diary": str(diary), "out": tmp_path / "out"}


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused_commands(club: dict) -> list[list[str]]:
    """Every command that opens the database, as athlete Anna acting on Ben or on
    administration (each command is listed; see the completeness test)."""
    ben = ["--athlete", "Ben"]
    return [
        ["ingest", club["gpx"], *ben], ["activities", *ben],
        ["activities", "set-sport", "x", "ride", *ben],
        ["athlete", "export", "Ben", str(club["out"] / "ben.zip")],
        ["athlete", "delete", "Ben", "--yes"], ["athlete", "set", "Ben", "--units", "mi"],
        ["pain", "add", "--score", "1", *ben], ["pain", "import", club["diary"], *ben],
        ["pain", "export", *ben], ["weekly", *ben], ["risk", *ben], ["plan", *ben],
        ["analyze", *ben], ["cohort"], ["export-research", str(club["out"] / "research")],
        ["user", "add", "x@club.test", "--role", "admin"], ["user", "remove", "b@club.test"],
        ["user", "list"], ["squad", "create", "Mine"],
        ["squad", "add-coach", "Harriers", "a@club.test"],
        ["squad", "add-athlete", "Harriers", "Ben"], ["squad", "invite", "Harriers"],
        ["audit"],
    ]


def test_every_database_command_is_in_the_refusal_test(club):
    commands = set()
    for name, sub in build_parser()._subparsers._group_actions[0].choices.items():
        nested = [a for a in sub._actions if a.dest == "action"]
        pairs = list(nested[0].choices.items()) if nested else []
        if not nested or not nested[0].required:  # `activities` runs bare or with an action
            pairs.append((None, sub))
        for action, parser in pairs:
            if any(a.dest == "as_user" for a in parser._actions):
                commands.add(" ".join(filter(None, (name, action))))
    listed = {" ".join(a for a in argv[:2] if not a.startswith(("-", "/")))
              for argv in refused_commands(club)}
    listed = {c if c.split()[0] in ("athlete", "pain", "user", "squad") or
              c == "activities set-sport" else c.split()[0]
              for c in listed}
    assert commands - {"athletes", "squad list"} == listed


def test_refusals_exit_3_say_one_line_and_change_nothing(club, capsys):
    with Store(club["url"]) as store:
        before = snapshot(store)
    for argv in refused_commands(club):
        code, out, err = cli(capsys, *argv, "--as", "a@club.test")
        assert (code, out) == (3, ""), argv
        assert err.startswith("kneeload: refused: ") and err.count("\n") == 1, (argv, err)
    assert not club["out"].exists()
    with Store(club["url"]) as store:
        assert snapshot(store) == before


def test_the_coach_reads_the_squad_and_may_not_write(club, capsys):
    code, out, _ = cli(capsys, "pain", "export", "--athlete", "Anna", "--as", "c@club.test")
    assert code == 0 and out.splitlines()[1].startswith("1,2024-03-01,3,")
    code, out, err = cli(capsys, "pain", "add", "--score", "1", "--athlete", "Anna",
                         "--as", "c@club.test")
    assert (code, out) == (3, "") and "may not change" in err
    code, out, _ = cli(capsys, "athletes", "--as", "c@club.test")
    assert [line.split(",")[1] for line in out.splitlines()[1:]] == ["Anna"]
    code, _, err = cli(capsys, "pain", "export", "--athlete", "Ben", "--as", "c@club.test")
    assert code == 3 and "may not see an athlete named 'Ben'" in err


def test_an_unknown_or_disabled_account_gets_nothing(club, capsys):
    code, out, _ = cli(capsys, "pain", "export", "--athlete", "Anna", "--as", "who@else.test")
    assert (code, out) == (3, "")
    assert cli(capsys, "user", "remove", "a@club.test")[0] == 0
    code, out, err = cli(capsys, "pain", "export", "--as", "a@club.test")
    assert (code, out) == (3, "") and "disabled" in err


def test_audit_lists_views_and_exports(club, capsys):
    cli(capsys, "weekly", "--athlete", "Anna", "--as", "c@club.test")
    cli(capsys, "athlete", "export", "Anna", str(club["out"].with_suffix(".zip")),
        "--as", "c@club.test")
    code, out, err = cli(capsys, "export-research", str(club["out"]), "--as", "r@club.test")
    assert code == 0 and "0 athletes" in out  # nobody consented yet
    assert err.count(": no research consent — left out\n") == 2  # Anna and Ben, pseudonyms
    assert "Anna" not in err and "Ben" not in err
    code, out, _ = cli(capsys, "audit", "--format", "json", "--as", "boss@club.test")
    events = [(e["actor"], e["action"], e["athlete"]) for e in json.loads(out)["audit"]]
    assert ("c@club.test", "view", "Anna") in events
    assert ("c@club.test", "export", "Anna") in events
    assert ("r@club.test", "research export", None) in events
    code, out, _ = cli(capsys, "audit")
    assert out.splitlines()[0] == "at,actor,role,action,athlete,detail"


def test_squad_listing_and_invitation_link(club, capsys):
    code, out, _ = cli(capsys, "squad", "list", "--format", "json")
    assert json.loads(out)["squads"] == [{"id": 1, "name": "Harriers",
                                          "coaches": "c@club.test", "athletes": "Anna"}]
    code, out, _ = cli(capsys, "squad", "invite", "Harriers", "--url", "https://knee.club/",
                       "--as", "c@club.test")
    assert code == 0 and out.startswith("https://knee.club/?invite=")
    token = out.strip().split("=", 1)[1]
    with Store(club["url"]) as store:
        assert store.acting_as("new@club.test").accept_invitation(token) == "Harriers"
    code, out, _ = cli(capsys, "user", "list")
    assert "new@club.test,athlete,new@club.test,True" in out


def test_the_cohort_lists_athletes_without_consent_as_left_out(club, capsys):
    with Store(club["url"]) as store:
        store.set_research_consent(store.athlete("Anna", create=False).id, True)
    code, out, _ = cli(capsys, "cohort", "--format", "json", "--workers", "1",
                       "--as", "r@club.test")
    payload = json.loads(out)
    assert code == 0 and "0 of 1 athletes" in payload["message"]  # Anna was read
    reasons = sorted(row["reason"] for row in payload["left_out"])
    assert reasons == ["no complete week of runs or diary", "no research consent"]
    assert all(row["athlete_id"].startswith("R-") for row in payload["left_out"])
