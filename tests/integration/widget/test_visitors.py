"""Visitors and their conversations: anonymous and verified visitors, and every visitor
endpoint kept to the visitor's own conversations, in its own workspace."""

from __future__ import annotations

import json
from typing import Any

import pytest

from customercare.live.service import LiveEvent, conversation_channel
from customercare.runtime import Runtime
from customercare.widget import service as widget
from tests.integration.widget.conftest import QUESTION, SHIPPING, Site
from tests.integration.widget.test_frame import settings_body

W = "/api/v1/widget"


def sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def chat(site: Site, token: str, visitor: str, message: str, **body: Any) -> list[Any]:
    response = site.client.post(
        f"{W}/chat", headers=site.bearer(token, visitor), json={"message": message, **body}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return sse(response.text)


@pytest.fixture
def shop(site: Site) -> Site:
    response = site.client.post(
        "/api/v1/documents", headers=site.admin, files={"file": ("shipping.md", SHIPPING)}
    )
    assert response.status_code in (200, 202), response.text
    patch = site.client.patch(
        "/api/v1/workspace", headers=site.admin, json={"answer_threshold": 0.0}
    )
    assert patch.status_code == 200
    return site


def test_anonymous_visitor_keeps_its_token_and_conversation(shop: Site) -> None:
    token = shop.frame_token()
    first = shop.visitor(token)
    assert first["verified"] is False
    assert first["conversation_id"] is None
    assert first["visitor_token"].startswith("ccwv_")
    events = chat(shop, token, first["visitor_token"], QUESTION)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "conversation"
    assert kinds[-1] == "done"
    conversation_id = events[0][1]["conversation_id"]
    again = shop.visitor(token, visitor_token=first["visitor_token"])
    assert again == {**first, "conversation_id": conversation_id}
    current = shop.client.get(
        f"{W}/conversation", headers=shop.bearer(token, first["visitor_token"])
    ).json()
    assert current["conversation"]["id"] == conversation_id
    assert [m["role"] for m in current["messages"]] == ["user", "assistant"]
    answer = current["messages"][1]
    assert answer["feedback"] is None
    assert set(answer) >= {"status", "decision", "citations", "author_name", "created_at"}
    # A second message without conversation_id continues the current conversation.
    more = chat(shop, token, first["visitor_token"], "And to Norway?")
    assert more[0][1]["conversation_id"] == conversation_id
    # A forgotten token gets a new visitor, not the old one.
    fresh = shop.visitor(token, visitor_token="ccwv_unknown")
    assert fresh["visitor_token"] != first["visitor_token"]
    assert fresh["conversation_id"] is None


def test_verified_visitors(site: Site) -> None:
    secret = site.client.post(f"{W}/identity-secret", headers=site.admin).json()["identity_secret"]
    on = site.client.put(
        f"{W}/settings", headers=site.admin, json=settings_body(verified_visitors=True)
    )
    assert on.status_code == 200
    token = site.frame_token()
    url = f"{W}/visitors"
    missing = site.client.post(url, headers=site.bearer(token), json={})
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "identity_required"
    bad = site.client.post(
        url, headers=site.bearer(token), json={"user_id": "42", "user_hash": "00" * 32}
    )
    assert bad.status_code == 403
    assert bad.json()["error"]["code"] == "identity_invalid"
    other_user = site.client.post(
        url,
        headers=site.bearer(token),
        json={"user_id": "43", "user_hash": widget.user_hash(secret, "42")},
    )
    assert other_user.json()["error"]["code"] == "identity_invalid"
    # Any text a page sends as the hash is refused, never a server error (found by DAST).
    for odd in ("é" * 64, "\x00\x01", "\U0001f600" * 3):
        strange = site.client.post(
            url, headers=site.bearer(token), json={"user_id": "42", "user_hash": odd}
        )
        assert strange.status_code == 403, strange.text
    good = site.visitor(token, user_id="42", user_hash=widget.user_hash(secret, "42"))
    assert good["verified"] is True
    started = site.client.post(
        f"{W}/conversations", headers=site.bearer(token, good["visitor_token"])
    )
    assert started.status_code == 201
    # The same user in another browser gets the same visitor and conversation.
    elsewhere = site.visitor(token, user_id="42", user_hash=widget.user_hash(secret, "42").upper())
    assert elsewhere["verified"] is True
    assert elsewhere["conversation_id"] == started.json()["conversation_id"]


def test_visitor_a_cannot_reach_visitor_b(shop: Site) -> None:
    token = shop.frame_token()
    a, b = shop.visitor(token)["visitor_token"], shop.visitor(token)["visitor_token"]
    events = chat(shop, token, a, QUESTION)
    conversation_id = events[0][1]["conversation_id"]
    answer_id = events[-1][1]["message_id"]
    as_b = shop.bearer(token, b)
    assert shop.client.get(f"{W}/conversation", headers=as_b).json()["conversation"] is None
    refusals = [
        shop.client.post(
            f"{W}/chat", headers=as_b, json={"message": "hi", "conversation_id": conversation_id}
        ),
        shop.client.get(f"{W}/events", headers=as_b, params={"conversation_id": conversation_id}),
        shop.client.post(f"{W}/messages/{answer_id}/feedback", headers=as_b, json={"rating": "up"}),
        shop.client.post(f"{W}/handoff", headers=as_b, json={"conversation_id": conversation_id}),
        shop.client.post(f"{W}/typing", headers=as_b, json={"conversation_id": conversation_id}),
    ]
    for response in refusals:
        assert response.status_code == 404, response.text
    as_a = shop.bearer(token, a)
    rated = shop.client.post(
        f"{W}/messages/{answer_id}/feedback",
        headers=as_a,
        json={"rating": "down", "comment": "slow"},
    )
    assert rated.status_code == 201, rated.text
    messages = shop.client.get(f"{W}/conversation", headers=as_a).json()["messages"]
    assert messages[1]["feedback"] == {"rating": "down", "comment": "slow"}
    typing = shop.client.post(
        f"{W}/typing", headers=as_a, json={"conversation_id": conversation_id}
    )
    assert typing.status_code == 204
    handed = shop.client.post(
        f"{W}/handoff",
        headers=as_a,
        json={"conversation_id": conversation_id, "email": "a@b.example"},
    )
    assert handed.status_code == 201
    assert handed.json() == {"status": "handed_off"}
    detail = shop.client.get(f"/api/v1/conversations/{conversation_id}", headers=shop.admin).json()
    assert detail["status"] == "handed_off"
    assert detail["channel"] == "widget"
    tickets = shop.client.get("/api/v1/handoff-tickets", headers=shop.admin)
    assert tickets.status_code == 200, tickets.text
    assert [t["contact_email"] for t in tickets.json()["items"]] == ["a@b.example"]


def test_nothing_crosses_workspaces(make_site: Any) -> None:
    first, second = make_site(), make_site()
    token_1, token_2 = first.frame_token(), second.frame_token()
    visitor_1 = first.visitor(token_1)["visitor_token"]
    started = first.client.post(f"{W}/conversations", headers=first.bearer(token_1, visitor_1))
    conversation_id = started.json()["conversation_id"]
    # The first workspace's visitor token means nothing with the second workspace's frame.
    as_other = second.bearer(token_2, visitor_1)
    for response in (
        second.client.get(f"{W}/conversation", headers=as_other),
        second.client.post(f"{W}/conversations", headers=as_other),
        second.client.post(
            f"{W}/typing", headers=as_other, json={"conversation_id": conversation_id}
        ),
    ):
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "visitor_invalid"
    visitor_2 = second.visitor(token_2)["visitor_token"]
    as_2 = second.bearer(token_2, visitor_2)
    for response in (
        second.client.post(f"{W}/handoff", headers=as_2, json={"conversation_id": conversation_id}),
        second.client.get(f"{W}/events", headers=as_2, params={"conversation_id": conversation_id}),
        second.client.post(
            f"{W}/chat", headers=as_2, json={"message": "x", "conversation_id": conversation_id}
        ),
    ):
        assert response.status_code == 404, response.text
    assert second.visitor(token_2, visitor_token=visitor_1)["visitor_token"] != visitor_1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/visitors", {"email": "not an email"}),
        ("post", "/visitors", {"page_url": "javascript:x"}),
        ("post", "/visitors", {"unknown": 1}),
        ("post", "/chat", {"message": "   "}),
        ("post", "/chat", {"message": "x" * 4001}),
        ("post", "/messages/abc/feedback", {"rating": "meh"}),
        ("post", "/handoff", {"conversation_id": "c", "email": "nope"}),
        ("post", "/handoff", {}),
        ("post", "/typing", {"conversation_id": ""}),
        ("get", "/events", None),
    ],
)
def test_bad_input_is_422(site: Site, method: str, path: str, body: Any) -> None:
    token = site.frame_token()
    visitor = site.visitor(token)["visitor_token"]
    kwargs: dict[str, Any] = {"headers": site.bearer(token, visitor)}
    if body is not None:
        kwargs["json"] = body
    response = getattr(site.client, method)(f"{W}{path}", **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_visitor_endpoints_need_a_visitor_token_and_a_credential(site: Site) -> None:
    token = site.frame_token()
    assert site.client.get(f"{W}/conversation", headers=site.bearer(token)).status_code == 401
    assert site.client.post(f"{W}/visitors", json={}).status_code == 401


def test_live_events_reach_the_sse_stream(site: Site, runtime: Runtime) -> None:
    token = site.frame_token()
    visitor = site.visitor(token)["visitor_token"]
    started = site.client.post(f"{W}/conversations", headers=site.bearer(token, visitor))
    conversation_id = started.json()["conversation_id"]
    with site.client.stream(
        "GET",
        f"{W}/events",
        headers=site.bearer(token, visitor),
        params={"conversation_id": conversation_id},
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(lines) == ": keep-alive"
        runtime.live.publish(
            conversation_channel(conversation_id),
            LiveEvent("typing", site.workspace_id, conversation_id, {"actor": "agent"}),
        )
        received = [next(lines) for _ in range(3)]
    assert received[1] == "event: typing"
    assert json.loads(received[2].removeprefix("data: ")) == {
        "type": "typing",
        "conversation_id": conversation_id,
        "actor": "agent",
    }


def test_a_conversation_links_back_to_the_page_the_visitor_is_on(site: Site) -> None:
    """An agent's reply mailed after the visitor left opens the chat on that page."""
    token = site.frame_token()
    page = "https://shop.example/phones/aura-5g?ref=ad"
    visitor = site.visitor(token, page_url=page)["visitor_token"]
    events = chat(site, token, visitor, "Can I talk to a person?")
    conversation_id = events[0][1]["conversation_id"]
    detail = site.client.get(f"/api/v1/conversations/{conversation_id}", headers=site.admin)
    assert detail.status_code == 200, detail.text
    assert detail.json()["page_url"] == page
    assert detail.json()["status"] == "handed_off"
