"""The live handoff over HTTP: states, the bot's offer, silence while people answer, agent
replies reaching the live bus and the inbox stream, permissions and workspace isolation, and
the email fallback. On the production backend the bus is Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.conversations import service as conversations
from customercare.db.engine import transaction
from customercare.live.service import conversation_channel, inbox_channel
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy.permissions import Role
from tests.support.live_listener import listening
from tests.support.mail_server import MailServer, running_mail_server
from tests.support.tenancy_people import Person, make_member

C = "/api/v1/conversations"


def chat(tenant: Any, message: str, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        "/api/v1/chat", headers=tenant.headers, json={"message": message, **fields}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def conversation(tenant: Any, conversation_id: str) -> dict[str, Any]:
    response = tenant.client.get(f"{C}/{conversation_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def handed_off(tenant: Any, **fields: Any) -> str:
    reply = chat(tenant, "I want to talk to a human", **fields)
    assert reply["decision"] == "handoff"
    conversation_id: str = reply["conversation_id"]
    return conversation_id


@pytest.fixture
def agent(runtime: Runtime, tenant: Any) -> Person:
    return make_member(runtime, workspace_id=tenant.workspace_id, role=Role.agent)


def test_the_states_from_open_to_resolved_and_back_to_the_bot(tenant: Any, agent: Person) -> None:
    conversation_id = handed_off(tenant)
    assert conversation(tenant, conversation_id)["status"] == "handed_off"
    headers = agent.headers(tenant.workspace_id)

    claimed = tenant.client.post(f"{C}/{conversation_id}/claim", headers=headers)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "assigned"
    assert claimed.json()["assigned_user_id"] == agent.user_id
    # Claiming it again is no error; listing filters by the new states.
    assert tenant.client.post(f"{C}/{conversation_id}/claim", headers=headers).status_code == 200
    listed = tenant.client.get(C, headers=tenant.headers, params={"status": "assigned"}).json()
    assert [item["id"] for item in listed["items"]] == [conversation_id]

    resolved = tenant.client.post(f"{C}/{conversation_id}/resolve", headers=headers)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_at"] is not None
    tickets = tenant.client.get("/api/v1/handoff-tickets", headers=tenant.headers).json()
    assert [t["status"] for t in tickets["items"]] == ["closed"]
    # Resolving twice, or claiming a resolved conversation, is a conflict.
    assert tenant.client.post(f"{C}/{conversation_id}/resolve", headers=headers).status_code == 409
    assert tenant.client.post(f"{C}/{conversation_id}/claim", headers=headers).status_code == 409

    # The visitor writes again: the bot answers.
    reply = chat(tenant, "How do I reset my password?", conversation_id=conversation_id)
    assert reply["decision"] == "no_answer"
    assert reply["message_id"] is not None
    assert conversation(tenant, conversation_id)["status"] == "open"


def test_claiming_from_another_agent_needs_force(
    runtime: Runtime, tenant: Any, agent: Person
) -> None:
    other = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.admin)
    conversation_id = handed_off(tenant)
    path = f"{C}/{conversation_id}/claim"
    assert tenant.client.post(path, headers=agent.headers(tenant.workspace_id)).status_code == 200
    refused = tenant.client.post(path, headers=other.headers(tenant.workspace_id))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"]
    # Nor may the other agent reply while it is held.
    reply = tenant.client.post(
        f"{C}/{conversation_id}/agent-messages",
        headers=other.headers(tenant.workspace_id),
        json={"content": "Hi"},
    )
    assert reply.status_code == 409
    forced = tenant.client.post(
        path, headers=other.headers(tenant.workspace_id), json={"force": True}
    )
    assert forced.status_code == 200
    assert forced.json()["assigned_user_id"] == other.user_id


def test_an_open_conversation_cannot_be_claimed_or_replied_to(tenant: Any, agent: Person) -> None:
    conversation_id = chat(tenant, "Hello there")["conversation_id"]
    headers = agent.headers(tenant.workspace_id)
    assert tenant.client.post(f"{C}/{conversation_id}/claim", headers=headers).status_code == 409
    response = tenant.client.post(
        f"{C}/{conversation_id}/agent-messages", headers=headers, json={"content": "Hi"}
    )
    assert response.status_code == 409
    assert tenant.client.post(f"{C}/{conversation_id}/resolve", headers=headers).status_code == 409


def test_a_yes_to_the_offer_hands_off_and_anything_else_clears_it(tenant: Any) -> None:
    first = chat(tenant, "How do I reset my password?")
    assert first["decision"] == "no_answer"
    assert first["handoff_offered"] is True
    conversation_id = first["conversation_id"]
    assert conversation(tenant, conversation_id)["handoff_offered"] is True

    # A new real question is no acceptance; the bot answers it (and offers again).
    second = chat(tenant, "What are your opening hours?", conversation_id=conversation_id)
    assert second["decision"] == "no_answer"
    assert conversation(tenant, conversation_id)["status"] == "open"

    accepted = chat(tenant, "yes please", conversation_id=conversation_id)
    assert accepted["decision"] == "handoff"
    state = conversation(tenant, conversation_id)
    assert state["status"] == "handed_off"
    assert state["handoff_offered"] is False
    tickets = tenant.client.get("/api/v1/handoff-tickets", headers=tenant.headers).json()
    assert [t["reason"] for t in tickets["items"]] == ["no_answer"]


def test_a_yes_without_an_offer_is_just_a_message(tenant: Any) -> None:
    reply = chat(tenant, "ja")
    assert reply["decision"] != "handoff"
    offered = chat(tenant, "Where is my parcel?")
    assert offered["handoff_offered"] is True
    declined = chat(tenant, "no thanks", conversation_id=offered["conversation_id"])
    assert declined["decision"] != "handoff"
    after = chat(tenant, "ok", conversation_id=offered["conversation_id"])
    # The offer was answered by "no thanks" and offered again; "ok" accepts the new one.
    assert after["decision"] == "handoff"


def test_the_bot_is_silent_while_people_answer(
    runtime: Runtime, tenant: Any, agent: Person
) -> None:
    conversation_id = handed_off(tenant)
    with listening(
        runtime.live, inbox_channel(tenant.workspace_id), conversation_channel(conversation_id)
    ) as heard:
        reply = chat(tenant, "Are you there?", conversation_id=conversation_id)
        event = heard.wait_for("visitor_message")
    assert reply["decision"] == "handoff"
    assert reply["message_id"] is None
    assert reply["answer"] == ""
    assert reply["handoff_offered"] is False
    assert reply["confidence"] is None
    assert reply["citations"] == []
    assert event.data["message"]["content"] == "Are you there?"
    assert event.workspace_id == tenant.workspace_id
    # Both channels heard it: the inbox and the agent's view of the conversation.
    assert heard.types().count("visitor_message") == 2
    messages = conversation(tenant, conversation_id)["messages"]
    assert [(m["role"], m["status"]) for m in messages][-1] == ("user", "complete")
    assert [m["role"] for m in messages].count("assistant") == 1  # the handoff reply only


def test_the_bot_stays_silent_on_the_streaming_channel_too(tenant: Any) -> None:
    conversation_id = handed_off(tenant)
    response = tenant.client.post(
        "/api/v1/chat",
        headers=tenant.headers,
        json={"message": "hello?", "conversation_id": conversation_id, "stream": True},
    )
    assert response.status_code == 200
    events = [line[7:] for line in response.text.splitlines() if line.startswith("event: ")]
    assert events == ["conversation", "citations", "decision", "done"]


def test_an_agent_reply_reaches_the_conversation_channel(
    runtime: Runtime, tenant: Any, agent: Person
) -> None:
    conversation_id = handed_off(tenant)
    with listening(
        runtime.live, conversation_channel(conversation_id), inbox_channel(tenant.workspace_id)
    ) as heard:
        response = tenant.client.post(
            f"{C}/{conversation_id}/agent-messages",
            headers=agent.headers(tenant.workspace_id),
            json={"content": "Hi, I'm here to help."},
        )
        assert response.status_code == 201, response.text
        message = heard.wait_for("agent_message")
        status = heard.wait_for("status")
        claimed = heard.wait_for("claimed")
        typing = tenant.client.post(
            f"{C}/{conversation_id}/typing", headers=agent.headers(tenant.workspace_id)
        )
        assert typing.status_code == 204
        heard.wait_for("typing")
    body = response.json()
    assert body["role"] == "agent"
    assert body["author_name"] == "Test person"
    assert body["author_user_id"] == agent.user_id
    assert message.data["message"]["content"] == "Hi, I'm here to help."
    assert message.data["message"]["author_name"] == "Test person"
    assert status.data == {"status": "assigned", "agent_name": "Test person"}
    assert claimed.data["assigned_user_id"] == agent.user_id
    assert conversation(tenant, conversation_id)["status"] == "assigned"


def test_an_api_key_replies_as_support(tenant: Any) -> None:
    conversation_id = handed_off(tenant)
    response = tenant.client.post(
        f"{C}/{conversation_id}/agent-messages", headers=tenant.headers, json={"content": "Hi"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["author_name"] == "Support"
    assert response.json()["author_user_id"] is None


@pytest.mark.parametrize("content", ["", "   ", "x" * 4001])
def test_bad_agent_messages_are_422(tenant: Any, agent: Person, content: str) -> None:
    conversation_id = handed_off(tenant)
    response = tenant.client.post(
        f"{C}/{conversation_id}/agent-messages",
        headers=agent.headers(tenant.workspace_id),
        json={"content": content},
    )
    assert response.status_code == 422


def _read_sse(lines: Iterator[str], wanted: set[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind in wanted:
            seen[kind] = line[6:]
            if set(seen) == wanted:
                return seen
    raise AssertionError(f"stream ended; saw {sorted(seen)}")


def test_the_inbox_stream_receives_handoffs_and_visitor_messages(
    tenant: Any, agent: Person
) -> None:
    headers = agent.headers(tenant.workspace_id)
    with tenant.client.stream("GET", "/api/v1/inbox/events", headers=headers) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == ": subscribed"
        conversation_id = handed_off(tenant)
        chat(tenant, "Still waiting", conversation_id=conversation_id)
        seen = _read_sse(lines, {"handoff", "visitor_message"})
    assert conversation_id in seen["handoff"]
    assert "Still waiting" in seen["visitor_message"]


def test_the_conversation_stream_receives_agent_messages(tenant: Any, agent: Person) -> None:
    conversation_id = handed_off(tenant)
    headers = agent.headers(tenant.workspace_id)
    with tenant.client.stream("GET", f"{C}/{conversation_id}/events", headers=headers) as stream:
        lines = stream.iter_lines()
        assert next(lines) == ": subscribed"
        tenant.client.post(
            f"{C}/{conversation_id}/agent-messages", headers=headers, json={"content": "Hello!"}
        )
        seen = _read_sse(lines, {"agent_message", "status"})
    assert "Hello!" in seen["agent_message"]
    assert '"status":"assigned"' in seen["status"]


def test_viewers_read_but_do_not_act(runtime: Runtime, tenant: Any) -> None:
    viewer = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.viewer)
    headers = viewer.headers(tenant.workspace_id)
    conversation_id = handed_off(tenant)
    for path, body in [
        ("claim", None),
        ("agent-messages", {"content": "hi"}),
        ("resolve", None),
        ("typing", None),
    ]:
        response = tenant.client.post(f"{C}/{conversation_id}/{path}", headers=headers, json=body)
        assert response.status_code == 403, path
    assert tenant.client.get(C, headers=headers, params={"status": "handed_off"}).status_code == 200


def test_another_workspace_sees_nothing(make_tenant: Any, runtime: Runtime) -> None:
    owner, other = make_tenant("Mine"), make_tenant("Theirs")
    stranger = make_member(runtime, workspace_id=other.workspace_id, role=Role.agent)
    conversation_id = handed_off(owner)
    for headers in (other.headers, stranger.headers(other.workspace_id)):
        for path, body in [
            ("claim", {"force": True}),
            ("agent-messages", {"content": "hi"}),
            ("resolve", None),
            ("typing", None),
        ]:
            response = owner.client.post(
                f"{C}/{conversation_id}/{path}", headers=headers, json=body
            )
            assert response.status_code == 404, path
        events = owner.client.get(f"{C}/{conversation_id}/events", headers=headers)
        assert events.status_code == 404
    # A member of the other workspace cannot name this one either.
    outsider = owner.client.get(
        "/api/v1/inbox/events", headers=stranger.headers(owner.workspace_id)
    )
    assert outsider.status_code == 404
    assert conversation(owner, conversation_id)["status"] == "handed_off"


# -- email when the visitor has left -------------------------------------------------------


@pytest.fixture(scope="module")
def mail() -> Iterator[MailServer]:
    with running_mail_server() as server:
        yield server


@pytest.fixture(scope="module")
def mail_runtime(runtime: Runtime, mail: MailServer) -> Iterator[Runtime]:
    changes: dict[str, Any] = mail.settings() | {"public_url": "https://support.example.com"}
    settings: Settings = runtime.settings.model_copy(update=changes)
    # Shares the database and stores; its own mailer and live bus.
    copy = Runtime(
        settings=settings,
        engine=runtime.engine,
        sessions=runtime.sessions,
        vector_store=runtime.vector_store,
        jobs=runtime.jobs,
        _embedder=runtime.embedder,
    )
    yield copy
    copy.live.close()


@pytest.fixture
def mail_api(mail_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=mail_runtime)) as client:
        yield client


def test_a_reply_is_mailed_only_when_nobody_watches(
    mail_runtime: Runtime, mail_api: TestClient, mail: MailServer, tenant: Any, agent: Person
) -> None:
    tenant.client = mail_api
    headers = agent.headers(tenant.workspace_id)
    address = f"visitor-{uuid.uuid4().hex[:10]}@example.com"
    conversation_id = handed_off(tenant, contact_email=address)
    path = f"{C}/{conversation_id}/agent-messages"

    with listening(mail_runtime.live, conversation_channel(conversation_id)):
        watched = mail_api.post(path, headers=headers, json={"content": "Are you still there?"})
    assert watched.status_code == 201, watched.text
    assert watched.json()["emailed"] is False

    away = mail_api.post(
        path, headers=headers, json={"content": "Try this: <script>alert(1)</script>\nBye"}
    )
    assert away.status_code == 201, away.text
    assert away.json()["emailed"] is True
    received = mail.wait_for(address)
    assert received.message.get_content_type() == "text/plain"
    # Quoted as plain text, line by line: nothing is rendered.
    assert "> Try this: <script>alert(1)</script>\n> Bye" in received.text.replace("\r\n", "\n")
    assert "https://support.example.com" in received.text
    assert "Test person" in received.subject
    assert len(mail.messages_to(address)) == 1  # the watched reply was not mailed


def test_the_mail_links_back_to_the_page_with_the_open_hash(
    mail_runtime: Runtime, mail_api: TestClient, mail: MailServer, tenant: Any
) -> None:
    tenant.client = mail_api
    address = f"visitor-{uuid.uuid4().hex[:10]}@example.com"
    conversation_id = handed_off(tenant, contact_email=address)
    with transaction(mail_runtime.sessions) as session:
        row = conversations.get_conversation_or_raise(
            session, workspace_id=tenant.workspace_id, conversation_id=conversation_id
        )
        conversations.set_page_url(row, "https://shop.example.com/help?x=1#old")
    response = mail_api.post(
        f"{C}/{conversation_id}/agent-messages", headers=tenant.headers, json={"content": "Done"}
    )
    assert response.json()["emailed"] is True
    assert "https://shop.example.com/help?x=1#ccgpt-open" in mail.wait_for(address).text


def test_no_address_no_mail(mail_api: TestClient, tenant: Any) -> None:
    tenant.client = mail_api
    conversation_id = handed_off(tenant)
    response = mail_api.post(
        f"{C}/{conversation_id}/agent-messages", headers=tenant.headers, json={"content": "Hi"}
    )
    assert response.json()["emailed"] is False
