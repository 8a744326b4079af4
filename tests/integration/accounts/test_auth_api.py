"""Accounts over HTTP with real components: mails go over SMTP to a loopback server, tokens
are real JWTs, throttling counts in the runtime's counter store (Redis on production)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from customercare.accounts.models import EmailToken, User
from customercare.accounts.tokens import ACCESS_AUDIENCE, ALGORITHM, ISSUER, secret_key
from customercare.app import create_app
from customercare.audit.models import AuditEvent
from customercare.db.engine import transaction
from customercare.ids import utcnow
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.models import Membership
from tests.support.mail_server import MailServer, running_mail_server

PASSWORD = "Correct-horse-42"  # pragma: allowlist secret
OTHER_PASSWORD = "Battery-staple-77"  # pragma: allowlist secret
AUTH = "/api/v1/auth"
TOKEN_IN_LINK = re.compile(r"\?token=([A-Za-z0-9_\-]+)")


@pytest.fixture(scope="module")
def mail() -> Iterator[MailServer]:
    with running_mail_server() as server:
        yield server


@pytest.fixture(scope="module")
def auth_runtime(runtime: Runtime, mail: MailServer) -> Runtime:
    """The session's runtime with mail going to the loopback server and cheap Argon2."""
    changes: dict[str, Any] = mail.settings() | {
        "argon2_time_cost": 1,
        "argon2_memory_cost": 8,
        "argon2_parallelism": 1,
        "public_url": "https://support.example.com",
    }
    settings: Settings = runtime.settings.model_copy(update=changes)
    # Shares the database and stores; never closed here (the session's runtime owns them).
    return Runtime(
        settings=settings,
        engine=runtime.engine,
        sessions=runtime.sessions,
        vector_store=runtime.vector_store,
        jobs=runtime.jobs,
        _embedder=runtime.embedder,
    )


@pytest.fixture
def api(auth_runtime: Runtime) -> Iterator[TestClient]:
    # A client address of its own per test: per-address throttling of one test never leaks
    # into another (nor, on Redis, into the next run).
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    with TestClient(create_app(runtime=auth_runtime), client=(address, 50000)) as client:
        yield client


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


def link_token(mail: MailServer, address: str, *, count: int = 1) -> str:
    message = mail.wait_for(address, count=count)
    match = TOKEN_IN_LINK.search(message.text)
    assert match, message.text
    assert "https://support.example.com/" in message.text
    return match.group(1)


def sign_up(api: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = api.post(
        f"{AUTH}/sign-up", json={"email": email, "password": password, "name": "Ada"}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def sign_in(api: TestClient, email: str, password: str = PASSWORD) -> Any:
    return api.post(f"{AUTH}/sign-in", json={"email": email, "password": password})


def signed_in(api: TestClient, email: str | None = None) -> tuple[str, dict[str, Any]]:
    address = email or new_email()
    if email is None:
        sign_up(api, address)
    response = sign_in(api, address)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return address, tokens


def me(api: TestClient, access_token: str) -> Any:
    return api.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {access_token}"})


def audit_actions(runtime: Runtime, user_id: str) -> list[AuditEvent]:
    with transaction(runtime.sessions) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.actor_user_id == user_id)
                .order_by(AuditEvent.created_at)
            )
        )


def test_sign_up_mails_a_link_that_verifies_once(api: TestClient, mail: MailServer) -> None:
    email = new_email()
    user = sign_up(api, email.upper())
    assert user["email"] == email
    assert "password" not in json.dumps(user)
    message = mail.wait_for(email)
    assert message.subject == "Confirm your email address"
    token = link_token(mail, email)
    _, tokens = signed_in(api, email)
    assert me(api, tokens["access_token"]).json()["email_verified"] is False

    first = api.post(f"{AUTH}/verify-email", json={"token": token})
    assert first.status_code == 200, first.text
    assert me(api, tokens["access_token"]).json()["email_verified"] is True
    second = api.post(f"{AUTH}/verify-email", json={"token": token})
    assert second.status_code == 400
    assert second.json()["error"]["code"] == "invalid_token"


def test_an_expired_verification_link_is_refused(
    api: TestClient, mail: MailServer, auth_runtime: Runtime
) -> None:
    email = new_email()
    user = sign_up(api, email)
    token = link_token(mail, email)
    with transaction(auth_runtime.sessions) as session:
        session.execute(
            update(EmailToken)
            .where(EmailToken.user_id == user["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    response = api.post(f"{AUTH}/verify-email", json={"token": token})
    assert response.status_code == 400
    assert api.post(f"{AUTH}/verify-email", json={"token": "not-a-token"}).status_code == 400


def test_sign_up_refuses_duplicates_and_weak_passwords(api: TestClient) -> None:
    email = new_email()
    sign_up(api, email)
    again = api.post(f"{AUTH}/sign-up", json={"email": f" {email.upper()} ", "password": PASSWORD})
    assert again.status_code == 409
    assert email not in again.text
    for weak in ("Short-1", "alllowercaseletters", "1234567890123"):
        response = api.post(f"{AUTH}/sign-up", json={"email": new_email(), "password": weak})
        assert response.status_code == 422, weak
    fresh = new_email()
    same_as_email = api.post(f"{AUTH}/sign-up", json={"email": fresh, "password": fresh.upper()})
    assert same_as_email.status_code == 422
    response = api.post(f"{AUTH}/sign-up", json={"email": new_email(), "password": "aaaaaaaaaa"})
    assert "at least 10 characters" in response.json()["error"]["message"]


def test_wrong_password_and_unknown_email_get_the_same_401(api: TestClient) -> None:
    email, tokens = signed_in(api)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] > 0
    profile = me(api, tokens["access_token"])
    assert profile.status_code == 200
    assert profile.json()["email"] == email
    assert profile.json()["memberships"] == []

    wrong = sign_in(api, email, OTHER_PASSWORD)
    unknown = sign_in(api, new_email(), PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthenticated"


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_forged_and_defective_access_tokens_are_refused(
    api: TestClient, auth_runtime: Runtime
) -> None:
    _, tokens = signed_in(api)
    valid = tokens["access_token"]
    claims = _claims(valid)
    key = secret_key(auth_runtime.settings)
    now = utcnow()
    good = {**claims, "iat": now, "exp": now + timedelta(minutes=5)}
    header, payload, signature = valid.split(".")
    tampered_payload = _b64({**claims, "sub": uuid.uuid4().hex})
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "wrong key": jwt.encode(good, "another-secret-key-of-decent-length!", algorithm=ALGORITHM),
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "expired": jwt.encode(
            {**good, "iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)},
            key,
            algorithm=ALGORITHM,
        ),
        "wrong audience": jwt.encode({**good, "aud": "someone-else"}, key, algorithm=ALGORITHM),
        "garbage": "not.a.jwt",
    }
    assert me(api, jwt.encode(good, key, algorithm=ALGORITHM)).status_code == 200
    assert good["aud"] == ACCESS_AUDIENCE
    assert good["iss"] == ISSUER
    for name, token in forged.items():
        response = me(api, token)
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
    assert api.get(f"{AUTH}/me").status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(api: TestClient) -> None:
    _, first = signed_in(api)
    rotated = api.post(f"{AUTH}/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(api, second["access_token"]).status_code == 200

    reused = api.post(f"{AUTH}/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    after = api.post(f"{AUTH}/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    assert me(api, second["access_token"]).status_code == 401
    assert me(api, first["access_token"]).status_code == 401
    unknown = api.post(f"{AUTH}/refresh", json={"refresh_token": "no-such-token"})
    assert unknown.status_code == 401


def test_sign_out_ends_the_session_at_once(api: TestClient, auth_runtime: Runtime) -> None:
    email, tokens = signed_in(api)
    _, other = signed_in(api, email)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api.post(f"{AUTH}/sign-out", headers=bearer).status_code == 204
    assert me(api, tokens["access_token"]).status_code == 401
    refreshed = api.post(f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    # Another session of the same person is untouched, and can end by its refresh token.
    assert me(api, other["access_token"]).status_code == 200
    by_refresh = api.post(f"{AUTH}/sign-out", json={"refresh_token": other["refresh_token"]})
    assert by_refresh.status_code == 204
    assert me(api, other["access_token"]).status_code == 401
    assert api.post(f"{AUTH}/sign-out").status_code == 401

    user_id = me_id(auth_runtime, email)
    actions = [event.action for event in audit_actions(auth_runtime, user_id)]
    assert actions.count("auth.sign_in") == 2
    assert actions.count("auth.sign_out") == 2


def me_id(runtime: Runtime, email: str) -> str:
    with transaction(runtime.sessions) as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.id


def test_password_reset_by_mail_end_to_end(
    api: TestClient, mail: MailServer, auth_runtime: Runtime
) -> None:
    email, old_session = signed_in(api)
    requested = api.post(f"{AUTH}/password-reset/request", json={"email": email})
    assert requested.status_code == 202
    message = mail.wait_for(email, count=2)  # the first is the verification mail
    assert message.subject == "Reset your password"
    token = link_token(mail, email, count=2)

    weak = api.post(f"{AUTH}/password-reset", json={"token": token, "new_password": "short"})
    assert weak.status_code == 422
    # A refused password used the link up; ask again.
    api.post(f"{AUTH}/password-reset/request", json={"email": email})
    token = link_token(mail, email, count=3)
    done = api.post(f"{AUTH}/password-reset", json={"token": token, "new_password": OTHER_PASSWORD})
    assert done.status_code == 204, done.text
    again = api.post(f"{AUTH}/password-reset", json={"token": token, "new_password": PASSWORD})
    assert again.status_code == 400

    assert sign_in(api, email, PASSWORD).status_code == 401
    assert sign_in(api, email, OTHER_PASSWORD).status_code == 200
    assert me(api, old_session["access_token"]).status_code == 401
    old_refresh = {"refresh_token": old_session["refresh_token"]}
    assert api.post(f"{AUTH}/refresh", json=old_refresh).status_code == 401

    events = audit_actions(auth_runtime, me_id(auth_runtime, email))
    actions = {event.action for event in events}
    assert {"auth.sign_in", "auth.sign_in_failed", "auth.password_reset"} <= actions
    stored = json.dumps([event.details for event in events])
    for secret in (PASSWORD, OTHER_PASSWORD, token):
        assert secret not in stored


def test_reset_for_an_unknown_address_is_202_and_sends_nothing(
    api: TestClient, mail: MailServer
) -> None:
    email = new_email()
    response = api.post(f"{AUTH}/password-reset/request", json={"email": email})
    assert response.status_code == 202
    known = new_email()
    sign_up(api, known)
    known_response = api.post(f"{AUTH}/password-reset/request", json={"email": known})
    assert known_response.json() == response.json()
    mail.wait_for(known, count=2)
    assert mail.messages_to(email) == []


def test_failed_sign_ins_are_throttled_per_account(api: TestClient) -> None:
    email, _ = signed_in(api)
    for _ in range(5):
        assert sign_in(api, email, OTHER_PASSWORD).status_code == 401
    throttled = sign_in(api, email, OTHER_PASSWORD)
    assert throttled.status_code == 429
    retry_after = int(throttled.headers["retry-after"])
    assert 0 < retry_after <= 15 * 60
    error = throttled.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"]["retry_after"] == retry_after
    assert error["details"]["limit"] == "account"
    # Even the right password waits for the window to reset.
    assert sign_in(api, email, PASSWORD).status_code == 429


def test_a_success_resets_the_account_failures(api: TestClient) -> None:
    email, _ = signed_in(api)
    for _ in range(4):
        assert sign_in(api, email, OTHER_PASSWORD).status_code == 401
    assert sign_in(api, email, PASSWORD).status_code == 200
    for _ in range(4):
        assert sign_in(api, email, OTHER_PASSWORD).status_code == 401
    assert sign_in(api, email, PASSWORD).status_code == 200


def test_failed_sign_ins_are_throttled_per_address(api: TestClient) -> None:
    for _ in range(20):
        assert sign_in(api, new_email(), OTHER_PASSWORD).status_code == 401
    throttled = sign_in(api, new_email(), OTHER_PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["details"]["limit"] == "ip"
    assert "retry-after" in throttled.headers


def test_a_member_uses_the_api_with_an_access_token(api: TestClient, auth_runtime: Runtime) -> None:
    email, tokens = signed_in(api)
    user_id = me_id(auth_runtime, email)
    with transaction(auth_runtime.sessions) as session:
        member_of = tenancy.create_workspace(session, name="Member workspace")
        stranger_to = tenancy.create_workspace(session, name="Other workspace")
        session.add(Membership(workspace_id=member_of.id, user_id=user_id, role="viewer"))
    bearer = f"Bearer {tokens['access_token']}"

    own = api.get(
        "/api/v1/documents", headers={"Authorization": bearer, "X-Workspace-Id": member_of.id}
    )
    assert own.status_code == 200, own.text
    other = api.get(
        "/api/v1/documents", headers={"Authorization": bearer, "X-Workspace-Id": stranger_to.id}
    )
    assert other.status_code == 404
    profile = me(api, tokens["access_token"]).json()
    assert profile["memberships"] == [
        {"workspace_id": member_of.id, "workspace_name": "Member workspace", "role": "viewer"}
    ]
