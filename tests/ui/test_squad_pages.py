"""The dashboard in squad mode through AppTest (signed-in users simulated with AppTest's
`user`): the gate, role menus, the phone pain page, deep links, account, administration,
invitations, and what squad mode switches off."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from analysis.store import Store
from tests.ui.conftest import APP, app

NOW = int(time.time())


@pytest.fixture
def squad_db(tmp_path, monkeypatch) -> str:
    """Anna and Ben (athletes), coach C of Harriers (Anna only), a researcher, an admin."""
    url = f"sqlite:///{tmp_path / 'squad.db'}"
    monkeypatch.setenv("KNEELOAD_DB", url)
    monkeypatch.setenv("KNEELOAD_MODE", "squad")
    with Store(url) as store:
        store.add_user("a@club.test", "athlete", athlete="Anna")
        store.add_user("b@club.test", "athlete", athlete="Ben")
        store.add_user("c@club.test", "coach")
        store.add_user("boss@club.test", "admin")
        store.create_squad("Harriers")
        store.add_coach("Harriers", "c@club.test")
        store.add_to_squad("Harriers", "Anna")
    return url


def signed_in(email: str | None, query: dict | None = None, exp: int = NOW + 3600,
              page: str | None = None) -> AppTest:
    """The dashboard as `email` (None: signed out), whose ID token expires at `exp`."""
    return app(page, query=query, user={"is_logged_in": False} if email is None else
               {"is_logged_in": True, "email": email, "exp": exp, "name": "New Runner"})


def text(test: AppTest) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "error", "success",
                                  "subheader") for e in test.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_signed_out_sees_only_the_sign_in(squad_db):
    test = AppTest.from_file(str(APP), default_timeout=120)
    test.secrets["auth"] = {"client_id": "kneeload"}  # the provider is configured
    test.user = {"is_logged_in": False}
    test.query_params["athlete"] = "Anna"
    test.run()
    assert [b.label for b in test.button] == ["Sign in"]
    assert "Anna" not in text(test)


def test_without_a_provider_squad_mode_says_how_to_set_it_up(squad_db):
    test = signed_in(None)
    assert "sign-in is not set up" in test.error[0].value and not test.button


def test_an_expired_id_token_means_signing_in_again(squad_db):
    test = signed_in("a@club.test", exp=NOW - 10)
    assert "Your sign-in has expired" in text(test)
    assert [b.label for b in test.button] == ["Sign in"]


def test_an_email_without_an_account_gets_no_access(squad_db):
    test = signed_in("stranger@else.test")
    assert "has no access to this kneeload yet" in text(test)
    assert [b.label for b in test.button] == ["Sign out"]


def test_one_tap_stores_todays_pain_and_details_are_optional(squad_db):
    test = signed_in("a@club.test")
    assert test.title[0].value == "Knee today"
    test.pills(key="tap_score").set_value(3).run()
    with Store(squad_db) as store:
        pain = store.pain(store.athlete("Anna", create=False).id)
    assert pain["score"].tolist() == [3]
    assert pain[["side", "timing"]].isna().all().all()
    assert "Saved: 3/10 for today." in text(test)
    test.segmented_control(key="tap_side").set_value("left")
    test.pills(key="tap_provokers").set_value(["stairs"])
    test.button(key="FormSubmitter:details-Add details").click().run()
    with Store(squad_db) as store:
        pain = store.pain(store.athlete("Anna", create=False).id)
    assert pain[["score", "side", "provokers"]].values.tolist() == [[3, "left", "stairs"]]


def test_a_deep_link_to_someone_else_is_refused_and_changes_nothing(squad_db):
    with Store(squad_db) as store:
        before = len(store.audit_log())
    test = signed_in("a@club.test", {"athlete": "Ben"})
    assert any("Not allowed" in e.value for e in test.error)
    assert "Ben" not in text(test).replace("'Ben'", "")
    with Store(squad_db) as store:
        assert len(store.audit_log()) == before


def test_each_role_opens_on_its_own_page(squad_db):
    assert signed_in("a@club.test").title[0].value == "Knee today"
    assert signed_in("c@club.test").title[0].value == "Coach: squad roster"
    assert signed_in("boss@club.test").title[0].value == "Administration"


def test_account_consent_and_leaving_a_squad(squad_db):
    test = signed_in("a@club.test", page="pages/account.py")
    test.toggle[0].set_value(True).run()
    with Store(squad_db) as store:
        anna = store.athlete("Anna", create=False)
        assert store.research_consent(anna.id)
    test.checkbox[0].check().run()
    test.button(key="go-1").click().run()
    with Store(squad_db) as store:
        assert store.acting_as("c@club.test").athletes().empty


def test_the_admin_adds_an_account_and_reads_the_audit_log(squad_db):
    test = signed_in("boss@club.test")
    test.text_input[0].input("new@club.test")
    test.selectbox[0].select("coach")
    test.button(key="FormSubmitter:add_user-Add or change the account").click().run()
    with Store(squad_db) as store:
        assert store.user("new@club.test").role == "coach"
    assert "user added" in set(test.dataframe[-1].value["action"])


def test_an_invitation_link_joins_once(squad_db):
    with Store(squad_db) as store:
        token = store.invite("Harriers")
    test = signed_in("nora@club.test", {"invite": token})
    test.text_input[0].input("Nora")
    test.button[0].click().run()
    with Store(squad_db) as store:
        assert store.acting_as("c@club.test").athletes()["name"].tolist() == ["Anna", "Nora"]
    again = signed_in("b@club.test", {"invite": token})
    assert any("used already" in e.value for e in again.error)


def test_squad_mode_reads_no_server_paths(squad_db):
    test = signed_in("a@club.test", page="pages/import_data.py")
    assert "Path to a Strava export folder or .zip" not in [t.label for t in test.text_input]
    assert test.selectbox[0].options == ["Anna"]  # no new runners either


def test_a_tampered_invitation_is_refused_and_changes_nothing(squad_db):
    with Store(squad_db) as store:
        token = store.invite("Harriers")
    test = signed_in("b@club.test", {"invite": token[:-3] + "abc"})
    assert "Invitation refused: this invitation link is not valid." in text(test)
    with Store(squad_db) as store:
        assert store.acting_as("c@club.test").athletes()["name"].tolist() == ["Anna"]
        assert store.invitation(token) == "Harriers"  # the real link still works


def test_a_tap_after_the_sign_in_lapsed_stores_nothing(squad_db):
    test = signed_in("a@club.test")
    test.user = {"is_logged_in": True, "email": "a@club.test", "exp": NOW - 1}
    test.pills(key="tap_score").set_value(7).run()
    assert not test.exception
    assert "Your sign-in has expired" in text(test)
    with Store(squad_db) as store:
        assert store.pain(store.athlete("Anna", create=False).id).empty
