"""A squad deployment in a real browser: a real OpenID Connect provider (oidc-provider-mock)
on 127.0.0.1, `streamlit run app.py` in squad mode on PostgreSQL, Debian's Chromium driven
by Playwright. Athletes A (Anna) and B (Ben), coach C of a squad holding Anna only, a
researcher; Anna consents to research, Ben does not."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from analysis.ingest import ReadOptions, read_sources
from analysis.pain import PainEntry
from analysis.store import Store
from analysis.synth import gpx_bytes
from tests.conftest import ROOT, need
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM, SETTLED, free_port, launch
from tests.store.conftest import run_at

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

PG_URL = os.environ.get("KNEELOAD_TEST_PG_URL")
COOKIE_SECRET = "kneeload-e2e-" + uuid.uuid4().hex
PHONE = {"width": 390, "height": 844}


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{url} did not come up:\n{log.read_text()}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def database():
    """A fresh PostgreSQL schema holding the squad."""
    need(PG_URL is not None, "no PostgreSQL server: set KNEELOAD_TEST_PG_URL (see .ci/run)")
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url = url.render_as_string(hide_password=False)
    with Store(url) as store:
        for email, role, athlete in (("a@club.test", "athlete", "Anna"),
                                     ("b@club.test", "athlete", "Ben"),
                                     ("c@club.test", "coach", None),
                                     ("r@club.test", "researcher", None),
                                     ("boss@club.test", "admin", None)):
            store.add_user(email, role, athlete=athlete)
        store.create_squad("Harriers")
        store.add_coach("Harriers", "c@club.test")
        store.add_to_squad("Harriers", "Anna")
        today = pd.Timestamp.now(tz="UTC").normalize()
        for seed, name in enumerate(("Anna", "Ben")):
            athlete = store.athlete(name, create=False)
            files = [(f"{name}{i}.gpx", gpx_bytes(run_at(today - pd.Timedelta(days=3 * i,
                                                                               hours=-7),
                                                          seed=seed * 10 + i, duration_s=300)))
                     for i in range(1, 12)]
            store.import_results(athlete.id, list(read_sources(files, ReadOptions(workers=1))))
            store.add_pain(athlete.id, [PainEntry((today - pd.Timedelta(days=d)).date(),
                                                  2 + seed) for d in range(1, 5)])
        store.set_research_consent(store.athlete("Anna", create=False).id, True)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on a free loopback port: anyone may sign in as any `sub`, which
    becomes their email; ID tokens live 10 minutes."""
    port = free_port()
    log = tmp_path_factory.mktemp("idp") / "idp.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port",
             str(port), "--token-max-age", "600"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/.well-known/openid-configuration", process, log)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(database, provider, tmp_path_factory):
    """The dashboard in squad mode with [auth] pointing at the provider."""
    need(CHROMIUM.exists(), f"Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    port = free_port()
    folder = tmp_path_factory.mktemp("squad")
    url = f"http://127.0.0.1:{port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        'client_id = "kneeload"\nclient_secret = "kneeload-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    env = {**os.environ, "KNEELOAD_DB": database, "KNEELOAD_MODE": "squad"}
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
             "--secrets.files", str(secrets)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_until_up(f"{url}/_stcore/health", process, log)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as playwright:
        opened = launch(playwright)
        yield opened
        opened.close()


def settle(page) -> None:
    from playwright.sync_api import expect

    page.wait_for_selector(SETTLED)
    expect(page.locator("[data-testid='stSpinner']")).to_have_count(0)
    page.wait_for_selector(SETTLED)


def open_app(browser, server: str, path: str = "", viewport: dict | None = None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server}/{path}")
    settle(page)
    return page


def sign_in(page, email: str) -> None:
    """Through the sign-in button and the provider's form, back to the app."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("input[name=sub]")
    page.fill("input[name=sub]", email)
    page.get_by_role("button", name="Authorize").click()
    settle(page)
    expect(page.get_by_text(f"Signed in as {email}")).to_be_attached()


def visit(page, server: str, path: str) -> None:
    page.goto(f"{server}/{path}")
    settle(page)


def body(page) -> str:
    return page.locator("[data-testid='stApp']").inner_text()


def test_nothing_without_signing_in(browser, server):
    from playwright.sync_api import expect

    page = open_app(browser, server, "overview?athlete=Anna")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert "Anna" not in body(page) and "Ben" not in body(page)
    page.context.close()


def test_athlete_a_sees_herself_and_never_b(browser, server):
    from playwright.sync_api import expect

    page = open_app(browser, server, viewport=PHONE)
    sign_in(page, "a@club.test")
    expect(page.get_by_role("heading", name="Knee today")).to_be_visible()
    # One tap stores today's score.
    page.get_by_role("radio", name="3", exact=True).click()
    settle(page)
    expect(page.get_by_text("Saved: 3/10 for today.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "squad-knee-today-390.png"), full_page=True)
    page.get_by_role("radio", name="left", exact=True).click()
    page.get_by_role("button", name="Add details").click()
    settle(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in ("overview", "diary", "risk", "import_data", "settings", "account", "coach",
                 "research", "admin", "overview?athlete=Anna"):
        visit(page, server, path)  # pages not in her menu open her default page instead
        text = body(page)
        assert "Ben" not in text, path
        assert "Anna" in text or path in ("import_data", "account"), path
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
    visit(page, server, "overview?athlete=Ben")
    expect(page.get_by_text("Not allowed:")).to_be_visible()
    assert "Ben: overview" not in body(page)
    visit(page, server, "overview?athlete=Nobody")  # unknown: the same refusal
    expect(page.get_by_text("Not allowed:")).to_be_visible()
    expect(page.get_by_text("Read it from this computer")).to_have_count(0)
    page.context.close()


def test_coach_sees_a_not_b_and_the_report_fits_a_phone(browser, server, database, tmp_path):
    from playwright.sync_api import expect

    page = open_app(browser, server)
    sign_in(page, "c@club.test")
    expect(page.get_by_role("heading", name="Coach: squad roster")).to_be_visible()
    roster = page.locator("[data-testid='stDataFrame']").first
    expect(roster).to_be_visible()
    assert "Ben" not in body(page)
    visit(page, server, "overview?athlete=Anna")  # a shared deep link
    expect(page.get_by_role("heading", name="Anna: overview")).to_be_visible()
    visit(page, server, "overview?athlete=Ben")  # a tampered one
    expect(page.get_by_text("Not allowed:")).to_be_visible()
    assert "Ben: overview" not in body(page)
    visit(page, server, "")  # the roster is the coach's first page
    roster = page.locator("[data-testid='stDataFrame']").first
    expect(roster.locator("[role=gridcell]", has_text="Anna")).to_be_attached()
    box = roster.bounding_box()  # the grid draws on a canvas: tick row 1's marker (Anna)
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Anna's one-page report (HTML)").click()
    link = page.locator("[data-testid='stCode']").inner_text().strip()
    assert link == f"{server}/overview?athlete=Anna"
    report = tmp_path / "report.html"
    download.value.save_as(report)
    assert ("c@club.test", "Anna") in audited(database, "view")
    assert audited(database, "export")[-1] == ("c@club.test", "Anna")  # the report
    assert all(athlete != "Ben" for _, athlete in audited(database, "view"))
    phone = page.context.browser.new_context(viewport=PHONE).new_page()
    phone.goto(report.as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(ARTIFACTS / "squad-report-390.png"), full_page=True)
    phone.context.close()
    page.context.close()


def test_researcher_sees_only_pseudonyms_of_consenting_athletes(browser, server, database,
                                                              tmp_path):
    from playwright.sync_api import expect

    page = open_app(browser, server)
    sign_in(page, "r@club.test")
    expect(page.get_by_role("heading", name="Research: load and knee pain across runners")
           ).to_be_visible()
    assert "Anna" not in body(page) and "Ben" not in body(page)
    page.get_by_role("button", name="Prepare the export").click()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the research export (zip, dates shifted)").click()
    saved = tmp_path / "research.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        daily = pd.read_csv(io.BytesIO(archive.read("kneeload-research/daily.csv")))
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert daily["runner"].nunique() == 1  # Anna only: Ben did not consent
    assert b"Anna" not in everything and b"Ben" not in everything
    assert audited(database, "research export")[-1] == ("r@club.test", None)
    visit(page, server, "overview?athlete=Anna")  # no identified data at all
    assert "Anna: overview" not in body(page)
    page.context.close()


def test_logout_ends_access(browser, server):
    from playwright.sync_api import expect

    page = open_app(browser, server)
    sign_in(page, "a@club.test")
    visit(page, server, "overview")
    expect(page.get_by_role("heading", name="Anna: overview")).to_be_visible()
    page.get_by_role("button", name="Sign out").first.click()
    # kneeload drops its cookie, then the provider ends its own session and sends us back.
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{server}/**")
    settle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    for path in ("", "overview", "overview?athlete=Anna"):
        visit(page, server, path)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert "Anna" not in body(page)
    page.context.close()


def _cookie(server: str, value: str) -> dict:
    return {"name": "_streamlit_user", "value": value, "url": server}


def _signed(payload: dict, secret: str = COOKIE_SECRET, age_days: float = 0.0) -> str:
    """The user cookie as Streamlit signs it (itsdangerous), signed `age_days` ago."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age_days * 86400)

    serializer = URLSafeTimedSerializer(secret, salt="_streamlit_user", signer=Aged)
    return serializer.dumps(json.dumps(payload))


@pytest.mark.parametrize("case", ["forged", "too old", "token expired"])
def test_forged_and_expired_session_cookies_are_refused(browser, server, case):
    from playwright.sync_api import expect

    now = int(time.time())
    claims = {"email": "a@club.test", "is_logged_in": True, "provider": "default",
              "origin": server, "iat": now - 60, "exp": now + 600}
    value = {"forged": _signed(claims, secret="not-the-secret-" + "x" * 20),
             "too old": _signed(claims, age_days=40),
             "token expired": _signed({**claims, "exp": now - 5})}[case]
    context = browser.new_context()
    context.add_cookies([_cookie(server, value)])
    page = context.new_page()
    page.goto(f"{server}/overview")
    settle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your sign-in has expired" if case == "token expired"
                            else "Your sign-in is no longer valid")).to_be_visible()
    assert "Anna" not in body(page)
    context.close()


def test_invitation_joins_once_and_a_reused_link_is_refused(browser, server, database):
    from playwright.sync_api import expect

    with Store(database) as store:
        token = store.invite("Harriers")
    page = open_app(browser, server, f"?invite={token}")
    expect(page.get_by_text("You are invited to join Harriers")).to_be_visible()
    sign_in_page = page
    sign_in_page.get_by_role("button", name="Sign in").click()
    page.fill("input[name=sub]", "nora@club.test")
    page.get_by_role("button", name="Authorize").click()
    settle(page)
    visit(page, server, f"?invite={token}")  # signed in now: the link again
    page.get_by_label("Your name as your coach knows it").fill("Nora")
    page.get_by_role("button", name="Join Harriers").click()
    settle(page)
    expect(page.get_by_role("heading", name="Knee today")).to_be_visible()
    page.context.close()
    with Store(database) as store:
        assert store.acting_as("c@club.test").athletes()["name"].tolist() == ["Anna", "Nora"]
        before = store.users()

    other = open_app(browser, server)
    sign_in(other, "b@club.test")
    visit(other, server, f"?invite={token}")
    expect(other.get_by_text("this invitation link was used already")).to_be_visible()
    other.context.close()
    with Store(database) as store:
        assert store.users().equals(before)
        assert store.acting_as("c@club.test").athletes()["name"].tolist() == ["Anna", "Nora"]


def test_a_removed_account_keeps_no_access(browser, server, database, monkeypatch):
    from playwright.sync_api import expect

    page = open_app(browser, server)
    sign_in(page, "b@club.test")
    visit(page, server, "overview")
    expect(page.get_by_role("heading", name="Ben: overview")).to_be_visible()
    monkeypatch.setenv("KNEELOAD_MODE", "squad")  # the operator, on the squad's server
    with Store(database) as store:
        store.remove_user("b@club.test")
    visit(page, server, "overview")
    expect(page.get_by_text("this account is disabled or was removed")).to_be_visible()
    assert "Ben: overview" not in body(page)
    page.context.close()
    assert audited(database, "user removed")[-1:] == [("local owner", None)]


def audited(database: str, action: str) -> list[tuple[str, str | None]]:
    """(actor, athlete) of each audit entry of this kind, oldest first."""
    with Store(database) as store:
        log = store.audit_log()
    return [(actor, None if pd.isna(athlete) else athlete) for actor, athlete in
            log.loc[log["action"] == action, ["actor", "athlete"]].itertuples(
                index=False, name=None)]
