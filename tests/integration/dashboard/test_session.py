"""Dashboard sign-in, sign-out, workspace switcher and creation: real accounts (Argon2
passwords, JWTs, refresh-token families), real tenancy, through the app's HTTP stack."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from customercare.accounts import service as accounts
from customercare.app import create_app
from customercare.dashboard.session import ACCESS_COOKIE, REFRESH_COOKIE, WORKSPACE_COOKIE
from customercare.db.engine import transaction
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Role
from tests.integration.dashboard.conftest import csrf_of, sign_in_as
from tests.support.tenancy_people import add_member, make_member, make_person

PASSWORD = "Correct-horse-42"  # pragma: allowlist secret
WRONG_PASSWORD = "Wrong-password-1"  # pragma: allowlist secret


@pytest.fixture
def account(runtime: Runtime) -> tuple[str, str]:
    """An account with a password, member (owner) of one workspace: (email, workspace id)."""
    with transaction(runtime.sessions) as session:
        user = accounts.create_user(
            session,
            settings=runtime.settings,
            email=f"owner-{id(session)}@example.com",
            password=PASSWORD,
            verified=True,
        )
        session.flush()
        workspace = tenancy.create_workspace_for_user(session, name="Lumen", user_id=user.id)
        return user.email, workspace.id


def sign_in_form(browser: TestClient) -> str:
    response = browser.get("/app/sign-in")
    assert response.status_code == 200
    return csrf_of(response)


def test_the_dashboard_sends_strangers_to_sign_in(browser: TestClient) -> None:
    response = browser.get("/app")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in"


def test_sign_in_page_works_under_the_strict_csp(browser: TestClient) -> None:
    response = browser.get("/app/sign-in")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    html = response.text
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script
    assert "style=" not in html
    assert "<style" not in html
    assert '<script src="/app/static/htmx.min.js"' in html
    static = browser.get("/app/static/htmx.min.js")
    assert static.status_code == 200
    assert "max-age" in static.headers["cache-control"]
    assert browser.get("/app/static/dashboard.css").status_code == 200


def test_sign_in_with_a_password_sets_safe_cookies_and_shows_the_workspaces(
    browser: TestClient, account: tuple[str, str]
) -> None:
    email, _ = account
    token = sign_in_form(browser)
    response = browser.post(
        "/app/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    cookies = response.headers.get_list("set-cookie")
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        cookie = next(c for c in cookies if c.startswith(f"{name}="))
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
        assert "Path=/app" in cookie
        assert "Secure" not in cookie  # plain http here; Secure over https
    home = browser.get("/app")
    assert home.status_code == 200
    assert "Lumen" in home.text
    assert email in home.text


def test_sign_in_over_https_marks_the_cookies_secure(
    runtime: Runtime, account: tuple[str, str]
) -> None:
    email, _ = account
    with TestClient(
        create_app(runtime=runtime), base_url="https://testserver", follow_redirects=False
    ) as client:
        token = sign_in_form(client)
        response = client.post(
            "/app/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
        )
    assert response.status_code == 303
    assert all("Secure" in c for c in response.headers.get_list("set-cookie") if "ccgpt_" in c)


def test_a_wrong_password_shows_the_error_not_a_500(
    browser: TestClient, account: tuple[str, str]
) -> None:
    email, _ = account
    token = sign_in_form(browser)
    response = browser.post(
        "/app/sign-in",
        data={
            "csrf_token": token,
            "email": email,
            "password": WRONG_PASSWORD,
        },
    )
    assert response.status_code == 401
    assert "invalid email or password" in response.text
    assert ACCESS_COOKIE not in response.headers.get("set-cookie", "")


def test_sign_in_refuses_a_missing_csrf_token_and_an_empty_form(browser: TestClient) -> None:
    sign_in_form(browser)
    missing = browser.post("/app/sign-in", data={"email": "a@example.com", "password": "x"})
    assert missing.status_code == 403
    assert "did not come from this site" in missing.text
    token = csrf_of(browser.get("/app/sign-in"))
    empty = browser.post("/app/sign-in", data={"csrf_token": token, "email": "", "password": ""})
    assert empty.status_code == 400
    assert "enter your email address and your password" in empty.text


def test_sign_out_needs_csrf_and_ends_the_session_server_side(
    browser: TestClient, runtime: Runtime
) -> None:
    person = make_person(runtime)
    token = sign_in_as(browser, person)
    assert browser.post("/app/sign-out").status_code == 403
    response = browser.post("/app/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in"
    # The old token is refused even if a copy of the cookie is replayed.
    browser.cookies.set(ACCESS_COOKIE, person.token)
    assert browser.get("/app").status_code == 303


def test_an_expired_access_token_is_renewed_with_the_refresh_token(
    browser: TestClient, account: tuple[str, str]
) -> None:
    email, _ = account
    token = sign_in_form(browser)
    browser.post("/app/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    browser.cookies.set(ACCESS_COOKIE, "not.a-valid.token", domain="testserver.local", path="/app")
    response = browser.get("/app")
    assert response.status_code == 200
    assert any(c.startswith(f"{ACCESS_COOKIE}=") for c in response.headers.get_list("set-cookie"))


def test_the_switcher_changes_workspace_among_memberships_only(
    browser: TestClient, runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as session:
        first = tenancy.create_workspace(session, name="Alpha support").id
        second = tenancy.create_workspace(session, name="Beta support").id
        foreign = tenancy.create_workspace(session, name="Gamma support").id
    person = make_member(runtime, workspace_id=first, role=Role.admin)
    add_member(runtime, workspace_id=second, user_id=person.user_id, role=Role.viewer)
    token = sign_in_as(browser, person)
    home = browser.get("/app")
    assert 'id="workspace-switcher"' in home.text
    assert "Gamma support" not in home.text
    switched = browser.post("/app/workspace", data={"csrf_token": token, "workspace_id": second})
    assert switched.status_code == 303
    assert any(
        c.startswith(f"{WORKSPACE_COOKIE}={second}")
        for c in switched.headers.get_list("set-cookie")
    )
    refused = browser.post("/app/workspace", data={"csrf_token": token, "workspace_id": foreign})
    assert refused.status_code == 404
    assert "no such workspace" in refused.text
    assert browser.post("/app/workspace", data={"workspace_id": second}).status_code == 403


def test_create_a_workspace_with_a_bad_name_and_a_good_one(
    browser: TestClient, runtime: Runtime
) -> None:
    person = make_person(runtime)
    token = sign_in_as(browser, person)
    assert "not a member of any workspace" in browser.get("/app").text
    bad = browser.post("/app/workspaces", data={"csrf_token": token, "name": "   "})
    assert bad.status_code == 400
    assert "a workspace needs a name" in bad.text
    assert browser.post("/app/workspaces", data={"name": "Delta"}).status_code == 403
    made = browser.post("/app/workspaces", data={"csrf_token": token, "name": "Delta desk"})
    assert made.status_code == 303
    with transaction(runtime.sessions) as session:
        mine = tenancy.list_memberships_for_user(session, user_id=person.user_id)
    assert [(name, role) for _, name, role in mine] == [("Delta desk", "owner")]
