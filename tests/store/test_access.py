"""Authorisation in the store: every repository method refuses an actor who may not touch
the data, changes nothing when it refuses, and writes views and exports to the audit log.
On SQLite and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import datetime as dt
import inspect
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from analysis.ingest import ReadOptions, read_sources
from analysis.pain import PainEntry
from analysis.store import AccessDenied, Store, UnknownAthlete, User
from analysis.store.access import SIGNED_OUT_ROLE
from analysis.store.models import metadata
from analysis.synth import gpx_bytes
from tests.store.conftest import run_at

DAY = dt.date(2024, 5, 6)


@dataclass
class Squad:
    """A small deployment: athletes A and B, coach C of a squad holding A only, a
    researcher R, an admin; A consents to research, B does not."""

    base: Store
    a: int
    b: int
    b_entry: int
    b_activity: str

    def as_(self, email: str) -> Store:
        return self.base.acting_as(email)


@pytest.fixture
def squad(store: Store) -> Squad:
    a = store.add_user("a@club.test", "athlete", athlete="Anna").athlete_id
    b = store.add_user("b@club.test", "athlete", athlete="Ben").athlete_id
    store.add_user("c@club.test", "coach")
    store.add_user("r@club.test", "researcher")
    store.add_user("admin@club.test", "admin")
    store.create_squad("Harriers")
    store.add_coach("Harriers", "c@club.test")
    store.add_to_squad("Harriers", "Anna")
    run = read_sources([("b.gpx", gpx_bytes(run_at("2024-05-05T07:00:00Z", duration_s=120)))],
                       ReadOptions(workers=1))
    store.import_results(b, list(run))
    [entry] = store.add_pain(b, [PainEntry(DAY, 4, note="Ben's knee")])
    store.add_pain(a, [PainEntry(DAY, 2, note="Anna's knee")])
    store.set_research_consent(a, True)
    return Squad(store, a, b, entry, store.activities(b).activity_id.iloc[0])


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table (to show a refusal changed nothing)."""
    with store.engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(sa.select(table)).all()), key=repr)
                for name, table in metadata.tables.items()}


# Each public Store method called on Ben's data (or on administration) by someone who may
# not: (method name, actor, call). Athlete Anna, coach C (Anna's squad only), researcher R.
def _b_calls(s: Squad) -> list[tuple[str, str, Callable[[Store], Any]]]:
    b, entry, act = s.b, s.b_entry, s.b_activity
    ben_file = [("again.gpx", gpx_bytes(run_at("2024-05-07T07:00:00Z", duration_s=90)))]
    calls = []
    for who in ("a@club.test", "c@club.test", "r@club.test"):
        calls += [
            ("athlete", who, lambda st: st.athlete("Ben", create=False)),
            ("data_version", who, lambda st: st.data_version(b)),
            ("update_athlete", who, lambda st: st.update_athlete(b, tz="Europe/Paris")),
            ("delete_athlete", who, lambda st: st.delete_athlete(b)),
            ("activities", who, lambda st: st.activities(b)),
            ("samples", who, lambda st: st.samples(act, b)),
            ("set_sport", who, lambda st: st.set_sport(b, act, "ride")),
            ("import_results", who,
             lambda st: st.import_results(b, read_sources(ben_file, ReadOptions(workers=1)))),
            ("imported_hashes", who, lambda st: st.imported_hashes(b)),
            ("import_log", who, lambda st: st.import_log(b)),
            ("pain", who, lambda st: st.pain(b)),
            ("add_pain", who, lambda st: st.add_pain(b, [PainEntry(DAY, 9)])),
            ("update_pain", who, lambda st: st.update_pain(b, entry, score=0)),
            ("delete_pain", who, lambda st: st.delete_pain(b, entry)),
            ("write_export", who, lambda st: st.write_export(b, io.BytesIO())),
            ("export_athlete", who, lambda st: st.export_athlete(b)),
            ("set_research_consent", who, lambda st: st.set_research_consent(b, True)),
            ("research_consent", who, lambda st: st.research_consent(b)),
            ("leave_squad", who, lambda st: st.leave_squad("Harriers", b)),
            ("user", who, lambda st: st.user("b@club.test")),
            ("users", who, lambda st: st.users()),
            ("add_user", who, lambda st: st.add_user("x@club.test", "admin")),
            ("remove_user", who, lambda st: st.remove_user("b@club.test")),
            ("create_squad", who, lambda st: st.create_squad("Mine")),
            ("add_coach", who, lambda st: st.add_coach("Harriers", "c@club.test")),
            ("add_to_squad", who, lambda st: st.add_to_squad("Harriers", "Ben")),
            ("audit_log", who, lambda st: st.audit_log()),
            ("acting_as", who, lambda st: st.acting_as("admin@club.test")),
        ]
    calls += [  # what only some roles may not do
        ("invite", "a@club.test", lambda st: st.invite("Harriers")),
        ("invite", "r@club.test", lambda st: st.invite("Harriers")),
        ("research_data", "a@club.test", lambda st: st.research_data()),
        ("research_data", "c@club.test", lambda st: st.research_data()),
        ("research_cohort", "a@club.test", lambda st: st.research_cohort()),
        ("research_version", "a@club.test", lambda st: st.research_version()),
        ("log_export", "c@club.test", lambda st: st.log_export(b, "report")),
        ("accept_invitation", "c@club.test", lambda st: st.accept_invitation("whatever")),
        ("accept_invitation", "r@club.test", lambda st: st.accept_invitation("whatever")),
        ("invitation", "a@club.test", lambda st: st.invitation("forged-token")),
        ("add_pain", "admin@club.test", lambda st: st.add_pain(b, [PainEntry(DAY, 1)])),
        ("update_athlete", "admin@club.test", lambda st: st.update_athlete(b, units="mi")),
    ]
    return calls


# Methods that refuse no one (they only narrow what they return) or that every actor may
# call on their own behalf; each has its own test below.
NARROWING = {"athletes", "squads", "scope", "close"}


def test_every_public_method_is_refused_to_someone(squad: Squad):
    methods = {name for name, member in inspect.getmembers(Store, inspect.isfunction)
               if not name.startswith("_")}
    covered = {name for name, _, _ in _b_calls(squad)}
    assert methods - NARROWING == covered, "a Store method without an authorisation test"


def test_refusals_raise_and_change_nothing(squad: Squad):
    before = snapshot(squad.base)
    for name, who, call in _b_calls(squad):
        with pytest.raises((AccessDenied, UnknownAthlete)) as refused:
            call(squad.as_(who))
        assert isinstance(refused.value, AccessDenied), (name, who, refused.value)
        assert "\n" not in str(refused.value) and str(refused.value), (name, who)
    assert snapshot(squad.base) == before


def test_listings_narrow_to_what_each_may_see(squad: Squad):
    def names(st: Store) -> list[str]:
        return st.athletes()["name"].tolist()

    assert names(squad.as_("a@club.test")) == ["Anna"]
    assert names(squad.as_("b@club.test")) == ["Ben"]
    assert names(squad.as_("c@club.test")) == ["Anna"]
    assert names(squad.as_("r@club.test")) == []
    assert names(squad.as_("admin@club.test")) == ["Anna", "Ben"]
    assert squad.as_("c@club.test").squads()["name"].tolist() == ["Harriers"]
    assert squad.as_("b@club.test").squads().empty
    assert squad.as_("a@club.test").squads()["athletes"].tolist() == ["Anna"]
    assert squad.as_("a@club.test").athlete().name == "Anna"  # no name: their own


def test_forbidden_and_unknown_names_get_the_same_refusal(squad: Squad):
    coach = squad.as_("c@club.test")
    with pytest.raises(AccessDenied) as forbidden:
        coach.athlete("Ben", create=False)
    with pytest.raises(AccessDenied) as unknown:
        coach.athlete("Nobody", create=False)
    assert str(forbidden.value).replace("Ben", "X") == str(unknown.value).replace("Nobody", "X")
    with pytest.raises(AccessDenied):  # creating is the local owner's alone
        coach.athlete("Newcomer")
    assert "Newcomer" not in squad.base.athletes()["name"].tolist()


def test_a_coach_reads_their_squad_and_every_view_is_audited(squad: Squad):
    coach = squad.as_("c@club.test")
    anna = coach.athlete("Anna", create=False)
    assert coach.pain(anna.id)["note"].tolist() == ["Anna's knee"]
    coach.activities(anna.id)
    with pytest.raises(AccessDenied):  # read-only for others' data
        coach.add_pain(anna.id, [PainEntry(DAY, 1)])
    coach.export_athlete(anna.id)
    log = squad.base.audit_log()
    mine = log[log["actor"] == "c@club.test"]
    assert mine[["action", "athlete", "detail"]].values.tolist() == [
        ["view", "Anna", "pain diary"], ["view", "Anna", "activities"],
        ["export", "Anna", "whole record"]]
    # Anna reading her own diary is not a view of someone else's data.
    squad.as_("a@club.test").pain(squad.a)
    assert len(squad.base.audit_log()) == len(log)


def test_leaving_the_squad_ends_the_coachs_access_at_once(squad: Squad):
    coach = squad.as_("c@club.test")  # bound before the change: the scope is read per call
    assert coach.pain(squad.a)["score"].tolist() == [2]
    squad.as_("a@club.test").leave_squad("Harriers")
    with pytest.raises(AccessDenied):
        coach.pain(squad.a)
    assert coach.athletes().empty


def test_a_removed_account_loses_access_at_once(squad: Squad):
    anna = squad.as_("a@club.test")
    squad.as_("admin@club.test").remove_user("a@club.test")
    with pytest.raises(AccessDenied, match="disabled"):
        anna.pain(squad.a)
    with pytest.raises(AccessDenied, match="disabled"):
        squad.base.acting_as("a@club.test")
    squad.base.add_user("a@club.test", "athlete", athlete="Anna")  # re-enabled, data kept
    assert squad.as_("a@club.test").pain(squad.a)["score"].tolist() == [2]


def test_an_invitation_works_once_and_a_guest_becomes_an_athlete(squad: Squad):
    token = squad.as_("c@club.test").invite("Harriers")
    guest = squad.base.acting_as("new@club.test")
    assert guest.scope().user.role == "guest" and guest.athletes().empty
    assert guest.invitation(token) == "Harriers"
    assert guest.accept_invitation(token, name="Nora") == "Harriers"
    nora = squad.as_("new@club.test")
    assert nora.athlete().name == "Nora"
    assert squad.as_("c@club.test").athletes()["name"].tolist() == ["Anna", "Nora"]
    before = snapshot(squad.base)
    with pytest.raises(AccessDenied, match="used already"):
        squad.as_("b@club.test").accept_invitation(token)
    with pytest.raises(AccessDenied, match="not valid"):
        squad.as_("b@club.test").accept_invitation(token[:-2] + "xx")
    assert snapshot(squad.base) == before


def test_an_expired_invitation_is_refused(squad: Squad):
    token = squad.base.invite("Harriers", days=0)
    with pytest.raises(AccessDenied, match="expired"):
        squad.as_("b@club.test").accept_invitation(token)
    assert squad.as_("c@club.test").athletes()["name"].tolist() == ["Anna"]


def test_research_sees_consenting_athletes_under_pseudonyms(squad: Squad, monkeypatch):
    monkeypatch.setenv("KNEELOAD_MODE", "squad")
    researcher = squad.as_("r@club.test")
    [(name, activities, pain)] = researcher.research_data("export")
    assert name.startswith("R-") and name not in ("Anna", "Ben")
    assert pain["score"].tolist() == [2] and pain["note"].isna().all()
    assert squad.base.research_data()[0][0] == "Anna"  # the operator, consenting only too
    key = researcher.research_version()
    squad.as_("a@club.test").set_research_consent(squad.a, False)
    assert researcher.research_version() != key
    assert researcher.research_data("export") == []  # the next export leaves her out
    squad.as_("b@club.test").set_research_consent(squad.b, True)
    [(_, activities, _)] = researcher.research_data("models")
    assert len(activities) == 1 and activities[["name", "source_file"]].isna().all().all()
    actions = squad.base.audit_log()["action"].tolist()
    assert actions.count("research export") == 2 and "consent withdrawn" in actions


def test_research_cohort_lists_who_lacks_consent_and_reads_athletes_as_it_goes(
        squad: Squad, monkeypatch):
    monkeypatch.setenv("KNEELOAD_MODE", "squad")
    cohort = squad.as_("r@club.test").research_cohort("models")
    [anna] = cohort.names
    [(ben, reason)] = cohort.left_out
    assert anna.startswith("R-") and ben.startswith("R-") and anna != ben
    assert reason == "no research consent"
    squad.base.add_pain(squad.a, [PainEntry(DAY + dt.timedelta(days=1), 5)])
    # records are read when iterated (one athlete at a time), not when chosen
    [(name, _, pain)] = cohort.athletes()
    assert name == anna and pain["score"].tolist() == [2, 5]


def test_research_version_follows_only_the_data_research_uses(squad: Squad, monkeypatch):
    monkeypatch.setenv("KNEELOAD_MODE", "squad")
    researcher = squad.as_("r@club.test")
    key = researcher.research_version()
    squad.base.add_pain(squad.b, [PainEntry(DAY + dt.timedelta(days=2), 3)])  # Ben: no consent
    assert researcher.research_version() == key  # the cached models still hold
    squad.base.add_pain(squad.a, [PainEntry(DAY + dt.timedelta(days=2), 3)])  # Anna consents
    assert researcher.research_version() != key


def test_personal_mode_research_uses_everyone_and_the_owner_leaves_no_trail(
        squad: Squad, monkeypatch):
    monkeypatch.delenv("KNEELOAD_MODE", raising=False)
    before = len(squad.base.audit_log())
    assert [name for name, _, _ in squad.base.research_data("export")] == ["Anna", "Ben"]
    assert squad.base.research_cohort().left_out == ()  # the owner's own data
    squad.base.export_athlete(squad.b)
    squad.base.delete_athlete(squad.b)
    assert len(squad.base.audit_log()) == before
    assert "Ben" not in set(squad.base.audit_log()["athlete"].dropna())


def test_a_lapsed_session_may_do_nothing(squad: Squad):
    lapsed = squad.base.acting_as(User("nobody", SIGNED_OUT_ROLE))
    token = squad.base.invite("Harriers")
    before = snapshot(squad.base)
    for call in (lambda st: st.athletes(), lambda st: st.squads(),
                 lambda st: st.accept_invitation(token), lambda st: st.pain(squad.a)):
        with pytest.raises(AccessDenied, match="not signed in"):
            call(lapsed)
    assert snapshot(squad.base) == before
