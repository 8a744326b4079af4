"""The Inbox page over the real answer engine and live handoff: the queue, a transcript with
citations, confidence, latency and feedback, claim, reply and resolve as an agent, the live
inbox stream for the browser; tenants never see each other; viewers read only; bad input is a
page with the error, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from customercare.runtime import Runtime
from customercare.tenancy.service import Role
from tests.conftest import Tenant
from tests.integration.dashboard.conftest import sign_in_as
from tests.support.tenancy_people import make_member

C = "/api/v1/conversations"
ROAMING = b"# Roaming\n\nRoaming in the EU is free on every Lumen plan, up to 20 GB a month.\n"


def chat(tenant: Tenant, message: str, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        "/api/v1/chat", headers=tenant.headers, json={"message": message, **fields}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def handed_off(tenant: Tenant) -> str:
    reply = chat(tenant, "I want to talk to a human")
    assert reply["decision"] == "handoff"
    conversation_id: str = reply["conversation_id"]
    return conversation_id


def test_an_agent_claims_replies_and_resolves(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Inbox agent")
    conversation_id = handed_off(tenant)
    agent = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.agent)
    token = sign_in_as(browser, agent)
    inbox = browser.get("/app/inbox")
    assert inbox.status_code == 200
    queue = inbox.text.split('id="queue"')[1].split("</section>")[0]
    assert f"/app/inbox/{conversation_id}" in queue
    assert 'src="/app/static/inbox.js"' in inbox.text
    detail = browser.get(f"/app/inbox/{conversation_id}")
    assert "I want to talk to a human" in detail.text
    assert ">Claim<" in detail.text
    url = f"/app/inbox/{conversation_id}"
    assert browser.post(f"{url}/claim", data={"csrf_token": token}).status_code == 303
    sent = browser.post(
        f"{url}/reply", data={"csrf_token": token, "content": "Hello, this is Ana."}
    )
    assert sent.status_code == 303
    body = tenant.client.get(f"{C}/{conversation_id}", headers=tenant.headers).json()
    assert body["status"] == "assigned"
    assert any(m["content"] == "Hello, this is Ana." for m in body["messages"])
    assert browser.post(f"{url}/resolve", data={"csrf_token": token}).status_code == 303
    body = tenant.client.get(f"{C}/{conversation_id}", headers=tenant.headers).json()
    assert body["status"] == "resolved"
    assert "Hello, this is Ana." in browser.get(url).text


def test_a_transcript_shows_citations_confidence_latency_and_feedback(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Inbox transcript")
    document = tenant.ingest("roaming.md", ROAMING)
    reply = chat(tenant, "Is roaming in the EU free?")
    assert reply["decision"] == "answered", reply
    rated = tenant.client.post(
        f"{C}/{reply['conversation_id']}/messages/{reply['message_id']}/feedback",
        headers=tenant.headers,
        json={"rating": "up", "comment": "Clear answer"},
    )
    assert rated.status_code in (200, 201), rated.text
    admin = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.admin)
    sign_in_as(browser, admin)
    page = browser.get(f"/app/inbox/{reply['conversation_id']}")
    assert page.status_code == 200
    assert "decision answered" in page.text
    assert "confidence" in page.text
    assert " ms" in page.text
    assert f"/app/knowledge/{document['id']}" in page.text
    assert "Feedback: <strong>up</strong>" in page.text
    assert "Clear answer" in page.text


def test_the_browser_gets_the_inbox_stream_with_its_cookie(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Inbox live")
    agent = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.agent)
    sign_in_as(browser, agent)
    with browser.stream("GET", "/app/inbox/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines: Iterator[str] = stream.iter_lines()
        assert next(lines) == ": subscribed"
        conversation_id = handed_off(tenant)
        for line in lines:
            if line == "event: handoff":
                assert conversation_id in next(lines)
                break
    queue = browser.get("/app/inbox/queue")
    assert f"/app/inbox/{conversation_id}" in queue.text


def test_a_member_of_another_workspace_never_sees_the_conversations(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Inbox owner side")
    conversation_id = handed_off(tenant)
    other: Tenant = make_tenant("Inbox other side")
    stranger = make_member(runtime, workspace_id=other.workspace_id, role=Role.owner)
    token = sign_in_as(browser, stranger)
    assert conversation_id not in browser.get("/app/inbox").text
    assert conversation_id not in browser.get("/app/inbox/queue").text
    url = f"/app/inbox/{conversation_id}"
    assert browser.get(url).status_code == 404
    for action, extra in (("claim", {}), ("reply", {"content": "hi"}), ("resolve", {})):
        refused = browser.post(f"{url}/{action}", data={"csrf_token": token, **extra})
        assert refused.status_code == 404, action
    browser.cookies.set("ccgpt_workspace", tenant.workspace_id)
    assert browser.get(url).status_code == 404
    body = tenant.client.get(f"{C}/{conversation_id}", headers=tenant.headers).json()
    assert body["status"] == "handed_off"


def test_a_viewer_reads_but_cannot_act(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Inbox viewer")
    conversation_id = handed_off(tenant)
    viewer = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.viewer)
    token = sign_in_as(browser, viewer)
    url = f"/app/inbox/{conversation_id}"
    page = browser.get(url)
    assert page.status_code == 200
    assert ">Claim<" not in page.text
    assert "/reply" not in page.text
    for action, extra in (("claim", {}), ("reply", {"content": "hi"}), ("resolve", {})):
        refused = browser.post(f"{url}/{action}", data={"csrf_token": token, **extra})
        assert refused.status_code == 403, action


def test_bad_input_is_a_page_with_the_error(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Inbox bad input")
    conversation_id = handed_off(tenant)
    open_one = chat(tenant, "Hello there")["conversation_id"]
    agent = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.agent)
    token = sign_in_as(browser, agent)
    url = f"/app/inbox/{conversation_id}"
    assert browser.post(f"{url}/claim").status_code == 403
    assert browser.post(f"{url}/reply", data={"content": "hi"}).status_code == 403
    empty = browser.post(f"{url}/reply", data={"csrf_token": token, "content": "   "})
    assert empty.status_code == 400
    assert "write a reply of 1 to 4000 characters" in empty.text
    too_long = browser.post(f"{url}/reply", data={"csrf_token": token, "content": "x" * 4001})
    assert too_long.status_code == 400
    conflict = browser.post(f"/app/inbox/{open_one}/resolve", data={"csrf_token": token})
    assert conflict.status_code == 409
    assert "cannot be resolved" in conflict.text
    assert browser.get("/app/inbox?status=bogus").status_code == 400
    assert browser.get("/app/inbox/no-such-conversation").status_code == 404
