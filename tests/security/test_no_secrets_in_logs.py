"""No secret ever reaches a log line or an error body: passwords, access and refresh tokens,
API keys, emailed tokens. The whole flow runs with every logger at DEBUG and captured."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from customercare.runtime import Runtime

PASSWORD = "Correct-Horse-Battery-42"  # pragma: allowlist secret
WRONG_PASSWORD = "Wrong-Horse-Battery-43"  # pragma: allowlist secret
WEAK_PASSWORD = "short7"  # pragma: allowlist secret


class RecordingMailer:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def send(self, to: str, subject: str, text: str) -> None:
        self.texts.append(text)

    def last_token(self) -> str:
        match = re.search(r"token=([^\s&]+)", self.texts[-1])
        assert match is not None, self.texts[-1]
        return match.group(1)


def test_a_full_flow_logs_no_secret(
    client: TestClient,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    mailer = RecordingMailer()
    monkeypatch.setattr(runtime, "_mailer", mailer)
    caplog.set_level(logging.DEBUG)
    secrets: dict[str, str] = {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "weak password": WEAK_PASSWORD,
    }
    error_bodies: list[str] = []

    def call(method: str, url: str, **kwargs: Any) -> Any:
        response = client.request(method, url, **kwargs)
        if response.status_code >= 400:
            error_bodies.append(response.text)
        return response

    with structlog.testing.capture_logs() as structured:
        # Canaries: prove both kinds of log line are captured.
        structlog.get_logger("canary").info("canary.structlog", value="canary-structlog-1")
        logging.getLogger("canary").info("canary-stdlib-2")
        email = "secret-flow@example.com"
        weak = call(
            "POST", "/api/v1/auth/sign-up", json={"email": email, "password": WEAK_PASSWORD}
        )
        assert weak.status_code == 422
        signed_up = call(
            "POST", "/api/v1/auth/sign-up", json={"email": email, "password": PASSWORD}
        )
        assert signed_up.status_code == 201, signed_up.text
        secrets["verification token"] = mailer.last_token()
        verified = call("POST", "/api/v1/auth/verify-email", json={"token": mailer.last_token()})
        assert verified.status_code == 200, verified.text
        signed_in = call(
            "POST", "/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        pair = signed_in.json()
        secrets["access token"] = pair["access_token"]
        secrets["refresh token"] = pair["refresh_token"]
        user = {"Authorization": f"Bearer {pair['access_token']}"}

        workspace = call("POST", "/api/v1/workspaces", headers=user, json={"name": "Secrets"})
        assert workspace.status_code == 201, workspace.text
        member = {**user, "X-Workspace-Id": workspace.json()["id"]}
        key = call(
            "POST", "/api/v1/api-keys", headers=member, json={"name": "server", "scopes": ["admin"]}
        )
        assert key.status_code == 201, key.text
        secrets["API key"] = key.json()["secret"]
        api = {"Authorization": f"Bearer {key.json()['secret']}"}
        invited = call(
            "POST",
            "/api/v1/workspace/invitations",
            headers=api,
            json={"email": "colleague@example.com", "role": "agent"},
        )
        assert invited.status_code == 201, invited.text
        secrets["invitation token"] = mailer.last_token()

        uploaded = call(
            "POST",
            "/api/v1/documents",
            headers=api,
            files={"file": ("faq.md", b"# Refunds\n\nRefunds take five days.\n")},
        )
        assert uploaded.status_code == 202, uploaded.text
        chat = call(
            "POST", "/api/v1/chat", headers=api, json={"message": "How long do refunds take?"}
        )
        assert chat.status_code == 200, chat.text

        failed = call(
            "POST", "/api/v1/auth/sign-in", json={"email": email, "password": WRONG_PASSWORD}
        )
        assert failed.status_code == 401
        refreshed = call(
            "POST", "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        secrets["rotated refresh token"] = refreshed.json()["refresh_token"]
        secrets["rotated access token"] = refreshed.json()["access_token"]
        # Reusing the rotated token (theft) and using wrong or revoked credentials fail...
        reused = call("POST", "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert reused.status_code == 401
        revoked_key = call("DELETE", f"/api/v1/api-keys/{key.json()['id']}", headers=member)
        assert revoked_key.status_code in (204, 401)  # the family was revoked by the reuse
        assert call("GET", "/api/v1/documents", headers=api).status_code in (200, 401)
        bad_token = call(
            "GET",
            "/api/v1/workspace",
            headers={**member, "Authorization": "Bearer " + pair["access_token"][:-4] + "AAAA"},
        )
        assert bad_token.status_code == 401
        accepted = call(
            "POST",
            "/api/v1/invitations/accept",
            headers=user,
            json={"token": secrets["invitation token"]},
        )
        assert accepted.status_code in (401, 403)

    captured = capfd.readouterr()
    logs = "\n".join(
        [
            *(repr(entry) for entry in structured),
            *(record.getMessage() + repr(record.__dict__) for record in caplog.records),
            captured.out,
            captured.err,
        ]
    )
    assert "canary-structlog-1" in logs
    assert "canary-stdlib-2" in logs
    for name, value in secrets.items():
        assert value not in logs, f"the {name} appears in the logs"
        for body in error_bodies:
            assert value not in body, f"the {name} appears in an error body: {body}"
    assert len(error_bodies) >= 4
