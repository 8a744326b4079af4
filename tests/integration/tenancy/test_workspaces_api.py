"""Workspaces, members, invitations, API keys and the audit log over HTTP."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from customercare.db.engine import transaction
from customercare.mail import NullMailer
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.tenancy.api_keys import LAST_USE_RESOLUTION
from customercare.tenancy.models import ApiKey
from customercare.tenancy.permissions import Role
from customercare.tenancy.service import Principal
from tests.support.tenancy_people import Person, make_member, make_person


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, text: str) -> None:
        self.sent.append((to, subject, text))


@pytest.fixture
def mailer(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> RecordingMailer:
    recording = RecordingMailer()
    monkeypatch.setattr(runtime, "_mailer", recording)
    return recording


def new_workspace(client: TestClient, owner: Person, name: str = "Acme") -> str:
    response = client.post("/api/v1/workspaces", headers=owner.headers(), json={"name": name})
    assert response.status_code == 201, response.text
    workspace_id: str = response.json()["id"]
    return workspace_id


def test_a_signed_in_person_creates_a_workspace_and_owns_it(
    client: TestClient, runtime: Runtime
) -> None:
    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner)
    members = client.get("/api/v1/workspace/members", headers=owner.headers(workspace_id))
    assert members.status_code == 200
    [member] = members.json()["items"]
    assert (member["user_id"], member["role"], member["email"]) == (
        owner.user_id,
        "owner",
        owner.email,
    )
    events = client.get("/api/v1/audit-events", headers=owner.headers(workspace_id)).json()
    assert [event["action"] for event in events["items"]] == ["workspace.created"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}],
)
def test_creating_a_workspace_needs_a_person(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/workspaces", headers=headers, json={"name": "x"})
    assert response.status_code == 401


def test_an_api_key_cannot_create_a_workspace(tenant: Any) -> None:
    response = tenant.client.post("/api/v1/workspaces", headers=tenant.headers, json={"name": "x"})
    assert response.status_code == 401


def test_role_changes_follow_the_owner_rules(client: TestClient, runtime: Runtime) -> None:
    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner)
    admin = make_member(runtime, workspace_id=workspace_id, role=Role.admin)
    agent = make_member(runtime, workspace_id=workspace_id, role=Role.agent)

    def patch(actor: Person, user_id: str, role: str) -> Any:
        return client.patch(
            f"/api/v1/workspace/members/{user_id}",
            headers=actor.headers(workspace_id),
            json={"role": role},
        )

    assert patch(admin, agent.user_id, "viewer").json()["role"] == "viewer"
    # Only an owner makes or unmakes an owner.
    assert patch(admin, agent.user_id, "owner").status_code == 403
    assert patch(admin, owner.user_id, "admin").status_code == 403
    # The last owner cannot be demoted, even by themselves.
    last = patch(owner, owner.user_id, "admin")
    assert last.status_code == 409
    assert "owner" in last.json()["error"]["message"]
    assert patch(owner, admin.user_id, "owner").status_code == 200
    assert patch(owner, owner.user_id, "admin").status_code == 200
    assert patch(agent, admin.user_id, "viewer").status_code == 403  # viewer: no members:write
    assert patch(admin, "no-such-user", "agent").status_code == 404
    events = client.get("/api/v1/audit-events", headers=admin.headers(workspace_id)).json()
    changes = [e for e in events["items"] if e["action"] == "member.role_changed"]
    assert {"from": "owner", "to": "admin"} in [e["details"] for e in changes]


def test_removing_and_leaving(client: TestClient, runtime: Runtime) -> None:
    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner)
    admin = make_member(runtime, workspace_id=workspace_id, role=Role.admin)
    agent = make_member(runtime, workspace_id=workspace_id, role=Role.agent)
    url = "/api/v1/workspace/members/{}"
    assert (
        client.delete(url.format(owner.user_id), headers=admin.headers(workspace_id)).status_code
        == 403
    )
    assert (
        client.delete(url.format(owner.user_id), headers=owner.headers(workspace_id)).status_code
        == 409
    )
    assert (
        client.post("/api/v1/workspace/leave", headers=owner.headers(workspace_id)).status_code
        == 409
    )
    assert (
        client.delete(url.format(agent.user_id), headers=admin.headers(workspace_id)).status_code
        == 204
    )
    # A removed member's token no longer opens the workspace: it does not exist for them.
    assert client.get("/api/v1/workspace", headers=agent.headers(workspace_id)).status_code == 404
    assert (
        client.post("/api/v1/workspace/leave", headers=admin.headers(workspace_id)).status_code
        == 204
    )
    members = client.get("/api/v1/workspace/members", headers=owner.headers(workspace_id)).json()
    assert [m["user_id"] for m in members["items"]] == [owner.user_id]
    actions = [
        e["action"]
        for e in client.get("/api/v1/audit-events", headers=owner.headers(workspace_id)).json()[
            "items"
        ]
    ]
    assert actions[:2] == ["member.left", "member.removed"]


def test_an_api_key_cannot_leave(tenant: Any) -> None:
    response = tenant.client.post("/api/v1/workspace/leave", headers=tenant.headers)
    assert response.status_code == 403


def test_invitation_is_mailed_single_use_and_for_its_address_only(
    client: TestClient, runtime: Runtime, mailer: RecordingMailer
) -> None:
    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner, "Invites")
    invitee = make_person(runtime)
    stranger = make_person(runtime)
    response = client.post(
        "/api/v1/workspace/invitations",
        headers=owner.headers(workspace_id),
        json={"email": invitee.email.upper(), "role": "agent"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert "token" not in body
    assert "token_hash" not in body
    [(to, subject, text)] = mailer.sent
    assert to == invitee.email
    assert "Invites" in subject
    match = re.search(r"token=(\S+)", text)
    assert match is not None
    token = match.group(1)
    accept = "/api/v1/invitations/accept"
    assert client.post(accept, headers=stranger.headers(), json={"token": token}).status_code == 403
    accepted = client.post(accept, headers=invitee.headers(), json={"token": token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "agent"
    assert client.post(accept, headers=invitee.headers(), json={"token": token}).status_code == 404
    assert client.get("/api/v1/workspace", headers=invitee.headers(workspace_id)).status_code == 200
    listing = client.get(
        "/api/v1/workspace/invitations", headers=owner.headers(workspace_id)
    ).json()
    assert listing["items"][0]["accepted_at"] is not None
    actions = {
        e["action"]
        for e in client.get("/api/v1/audit-events", headers=owner.headers(workspace_id)).json()[
            "items"
        ]
    }
    assert {"invitation.created", "invitation.accepted"} <= actions


def test_revoked_or_expired_invitations_do_not_work(
    client: TestClient, runtime: Runtime, mailer: RecordingMailer
) -> None:
    from datetime import timedelta

    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner)
    invitee = make_person(runtime)
    with transaction(runtime.sessions) as session:
        expired = tenancy.create_invitation(
            session,
            settings=runtime.settings,
            mailer=NullMailer(),
            email="someone-else@example.com",
            role=Role.viewer,
            actor=Principal(workspace_id, user_id=owner.user_id, role=Role.owner),
            valid_for=timedelta(seconds=-1),
        )
        revoked = tenancy.create_invitation(
            session,
            settings=runtime.settings,
            mailer=NullMailer(),
            email=invitee.email,
            role=Role.viewer,
            actor=Principal(workspace_id, user_id=owner.user_id, role=Role.owner),
            valid_for=timedelta(days=1),
        )
    response = client.delete(
        f"/api/v1/workspace/invitations/{revoked.invitation.id}",
        headers=owner.headers(workspace_id),
    )
    assert response.status_code == 204
    accept = "/api/v1/invitations/accept"
    for token in (revoked.token, expired.token):
        response = client.post(accept, headers=invitee.headers(), json={"token": token})
        assert response.status_code in (403, 404)
    assert (
        client.post(accept, headers=invitee.headers(), json={"token": revoked.token}).status_code
        == 404
    )


def test_only_an_owner_invites_an_owner(
    client: TestClient, runtime: Runtime, mailer: RecordingMailer
) -> None:
    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner)
    admin = make_member(runtime, workspace_id=workspace_id, role=Role.admin)
    body = {"email": "boss@example.com", "role": "owner"}
    url = "/api/v1/workspace/invitations"
    assert client.post(url, headers=admin.headers(workspace_id), json=body).status_code == 403
    assert client.post(url, headers=owner.headers(workspace_id), json=body).status_code == 201


def test_allowed_domains_are_validated_origins(tenant: Any) -> None:
    url = "/api/v1/workspace"
    ok = tenant.client.patch(
        url,
        headers=tenant.headers,
        json={"allowed_domains": ["https://Shop.Example/", "https://shop.example:8443"]},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["allowed_domains"] == ["https://shop.example", "https://shop.example:8443"]
    for bad in ("http://shop.example", "https://*.example", "https://shop.example/path", "shop"):
        response = tenant.client.patch(url, headers=tenant.headers, json={"allowed_domains": [bad]})
        assert response.status_code == 422, bad
    events = tenant.client.get("/api/v1/audit-events", headers=tenant.headers).json()["items"]
    assert events[0]["action"] == "workspace.updated"
    assert events[0]["actor_api_key_id"] is not None


def test_api_keys_are_shown_once_listed_without_secrets_and_revocable(tenant: Any) -> None:
    client = tenant.client
    created = client.post(
        "/api/v1/api-keys",
        headers=tenant.headers,
        json={"name": "backend", "scopes": ["search", "documents:read"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()
    secret = key["secret"]
    assert secret.startswith("ccgpt_")
    assert key["prefix"] in secret
    assert sorted(key["scopes"]) == ["documents:read", "search"]
    widget = client.post(
        "/api/v1/api-keys",
        headers=tenant.headers,
        json={"name": "widget", "scopes": ["admin"], "publishable": True},
    ).json()
    assert (widget["kind"], widget["scopes"]) == ("publishable", ["chat"])
    listing = client.get("/api/v1/api-keys", headers=tenant.headers)
    assert secret not in listing.text
    assert widget["secret"] not in listing.text
    assert "key_hash" not in listing.text
    names = {item["name"] for item in listing.json()["items"]}
    assert {"backend", "widget", "test"} <= names
    new_headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/search", params={"q": "x"}, headers=new_headers).status_code == 200
    # Its scopes do not reach further.
    assert client.get("/api/v1/api-keys", headers=new_headers).status_code == 403
    assert client.delete(f"/api/v1/api-keys/{key['id']}", headers=tenant.headers).status_code == 204
    assert client.get("/api/v1/search", params={"q": "x"}, headers=new_headers).status_code == 401
    [revoked] = [
        item
        for item in client.get("/api/v1/api-keys", headers=tenant.headers).json()["items"]
        if item["id"] == key["id"]
    ]
    assert revoked["revoked_at"] is not None
    assert revoked["last_used_at"] is not None
    events = client.get("/api/v1/audit-events", headers=tenant.headers)
    assert secret not in events.text
    actions = [e["action"] for e in events.json()["items"]]
    assert actions.count("api_key.created") == 2
    assert "api_key.revoked" in actions


def test_api_key_needs_a_known_scope(tenant: Any) -> None:
    response = tenant.client.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "x", "scopes": ["root"]}
    )
    assert response.status_code == 422


def test_audit_log_is_for_owners_and_admins(client: TestClient, runtime: Runtime) -> None:
    owner = make_person(runtime)
    workspace_id = new_workspace(client, owner)
    for role in (Role.agent, Role.viewer):
        member = make_member(runtime, workspace_id=workspace_id, role=role)
        response = client.get("/api/v1/audit-events", headers=member.headers(workspace_id))
        assert response.status_code == 403
    admin = make_member(runtime, workspace_id=workspace_id, role=Role.admin)
    assert (
        client.get("/api/v1/audit-events", headers=admin.headers(workspace_id)).status_code == 200
    )


def test_deleting_a_document_is_audited(tenant: Any) -> None:
    document = tenant.ingest("faq.md", b"# FAQ\n\nWe ship worldwide.\n")
    response = tenant.client.delete(f"/api/v1/documents/{document['id']}", headers=tenant.headers)
    assert response.status_code == 204
    events = tenant.client.get("/api/v1/audit-events", headers=tenant.headers).json()["items"]
    assert (events[0]["action"], events[0]["target_id"]) == ("document.deleted", document["id"])


def test_audit_events_page_backwards(tenant: Any) -> None:
    for name in ("a", "b", "c"):
        tenant.client.post("/api/v1/api-keys", headers=tenant.headers, json={"name": name})
    first = tenant.client.get(
        "/api/v1/audit-events", headers=tenant.headers, params={"limit": 2}
    ).json()["items"]
    assert len(first) == 2
    rest = tenant.client.get(
        "/api/v1/audit-events",
        headers=tenant.headers,
        params={"limit": 50, "before": first[-1]["created_at"]},
    ).json()["items"]
    assert {e["id"] for e in rest}.isdisjoint({e["id"] for e in first})
    assert len(rest) >= 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/workspace/invitations", {"email": "not-an-address", "role": "agent"}),
        ("post", "/api/v1/workspace/invitations", {"email": "new@example.com", "role": "king"}),
        ("patch", "/api/v1/workspace/members/someone", {"role": "king"}),
        ("post", "/api/v1/api-keys", {"name": "", "scopes": ["chat"]}),
        ("get", "/api/v1/audit-events?limit=0", None),
        ("get", "/api/v1/handoff-tickets?status=lost", None),
    ],
)
def test_bad_input_to_the_new_endpoints_is_a_422_error_body(
    tenant: Any, method: str, path: str, body: dict[str, Any] | None
) -> None:
    send = getattr(tenant.client, method)
    response = send(path, headers=tenant.headers, **({"json": body} if body is not None else {}))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    # Nothing was created by a refused request.
    invitations = tenant.client.get("/api/v1/workspace/invitations", headers=tenant.headers)
    assert invitations.json()["items"] == []


def test_a_keys_last_use_is_recorded_to_the_minute(tenant: Any, runtime: Runtime) -> None:
    def last_used() -> datetime | None:
        with runtime.sessions() as session:
            key = session.scalars(
                select(ApiKey).where(ApiKey.workspace_id == tenant.workspace_id)
            ).one()
            return key.last_used_at

    search = {"q": "refunds"}
    assert last_used() is None
    assert tenant.client.get("/api/v1/search", params=search, headers=tenant.headers).is_success
    first = last_used()
    assert first is not None
    # Within the minute: no write on every request.
    assert tenant.client.get("/api/v1/search", params=search, headers=tenant.headers).is_success
    assert last_used() == first
    earlier = first - LAST_USE_RESOLUTION - timedelta(seconds=1)
    with transaction(runtime.sessions) as session:
        session.execute(
            update(ApiKey)
            .where(ApiKey.workspace_id == tenant.workspace_id)
            .values(last_used_at=earlier)
        )
    assert tenant.client.get("/api/v1/search", params=search, headers=tenant.headers).is_success
    latest = last_used()
    assert latest is not None
    assert latest >= first
