"""The conversations API (list, read, rate, hand off, tickets) and the workspace settings API."""

from __future__ import annotations

from typing import Any

import pytest

FACT = "Parcels to Iceland are delivered by Fjord Express within 6 business days."
SHIPPING = b"# Shipping guide\n\n## Iceland\n\n" + FACT.encode() + b"\n"
QUESTION = "How long does delivery to Iceland take?"


def set_threshold(tenant: Any, value: float | None) -> None:
    response = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": value}
    )
    assert response.status_code == 200, response.text


def chat(tenant: Any, message: str, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        "/api/v1/chat", headers=tenant.headers, json={"message": message, **fields}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def get(tenant: Any, path: str, **params: Any) -> dict[str, Any]:
    response = tenant.client.get(path, headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def feedback(tenant: Any, conversation_id: str, message_id: str, **body: Any) -> Any:
    return tenant.client.post(
        f"/api/v1/conversations/{conversation_id}/messages/{message_id}/feedback",
        headers=tenant.headers,
        json=body,
    )


def hand_off(tenant: Any, conversation_id: str, **body: Any) -> Any:
    return tenant.client.post(
        f"/api/v1/conversations/{conversation_id}/handoff", headers=tenant.headers, json=body
    )


@pytest.fixture
def shop(tenant: Any) -> Any:
    tenant.document = tenant.ingest("shipping.md", SHIPPING)
    set_threshold(tenant, 0.0)
    return tenant


# -- listing and reading --------------------------------------------------------------------


def test_list_is_newest_first_with_total_and_filters(tenant: Any) -> None:
    set_threshold(tenant, 1.0)
    first = chat(tenant, "Where is my parcel?", visitor_id="alice")
    second = chat(tenant, "Do you ship to Norway?", visitor_id="bob")
    third = chat(tenant, "Can I pay by invoice?", visitor_id="alice")
    assert hand_off(tenant, second["conversation_id"]).status_code == 201

    listing = get(tenant, "/api/v1/conversations")
    ids = [item["id"] for item in listing["items"]]
    assert ids == [third["conversation_id"], second["conversation_id"], first["conversation_id"]]
    assert listing["total"] == 3
    assert all(item["workspace_id"] == tenant.workspace_id for item in listing["items"])
    assert all(item["message_count"] == 2 for item in listing["items"])

    # A new message moves a conversation to the top.
    chat(tenant, "Still waiting for it", conversation_id=first["conversation_id"])
    ids = [item["id"] for item in get(tenant, "/api/v1/conversations")["items"]]
    assert ids[0] == first["conversation_id"]

    alice = get(tenant, "/api/v1/conversations", visitor_id="alice")
    assert alice["total"] == 2
    assert {item["id"] for item in alice["items"]} == {
        first["conversation_id"],
        third["conversation_id"],
    }
    handed_off = get(tenant, "/api/v1/conversations", status="handed_off")
    assert [item["id"] for item in handed_off["items"]] == [second["conversation_id"]]
    assert handed_off["total"] == 1
    assert get(tenant, "/api/v1/conversations", status="open")["total"] == 2

    page = get(tenant, "/api/v1/conversations", limit=1, offset=1)
    assert page["total"] == 3
    assert [item["id"] for item in page["items"]] == [third["conversation_id"]]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"status": "closed"}]
)
def test_list_rejects_bad_parameters(tenant: Any, params: dict[str, Any]) -> None:
    response = tenant.client.get("/api/v1/conversations", headers=tenant.headers, params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_get_returns_messages_in_order_with_citations(shop: Any) -> None:
    first = chat(shop, QUESTION, visitor_id="v-9")
    second = chat(shop, "Thanks, and who delivers it?", conversation_id=first["conversation_id"])
    detail = get(shop, f"/api/v1/conversations/{first['conversation_id']}")
    assert detail["id"] == first["conversation_id"]
    assert detail["channel"] == "api"
    assert detail["visitor_id"] == "v-9"
    assert detail["status"] == "open"
    assert detail["message_count"] == 4
    messages = detail["messages"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", QUESTION),
        ("assistant", first["answer"]),
        ("user", "Thanks, and who delivers it?"),
        ("assistant", second["answer"]),
    ]
    assert [m["id"] for m in messages][1::2] == [first["message_id"], second["message_id"]]
    created = [m["created_at"] for m in messages]
    assert created == sorted(created)
    answer = messages[1]
    assert answer["decision"] == "answered"
    assert answer["provider"] == "offline"
    assert answer["citations"] == first["citations"]
    assert answer["citations"][0]["document_id"] == shop.document["id"]
    assert answer["latency_ms"] > 0
    assert answer["feedback"] is None
    question = messages[0]
    assert question["citations"] == []
    assert question["decision"] is None


def test_get_unknown_conversation_is_404(tenant: Any) -> None:
    response = tenant.client.get(f"/api/v1/conversations/{'0' * 32}", headers=tenant.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# -- feedback --------------------------------------------------------------------------------


def test_rating_again_replaces_the_feedback(shop: Any) -> None:
    reply = chat(shop, QUESTION)
    cid, mid = reply["conversation_id"], reply["message_id"]
    up = feedback(shop, cid, mid, rating="up")
    assert up.status_code == 200, up.text
    assert up.json()["rating"] == "up"
    assert up.json()["message_id"] == mid
    down = feedback(shop, cid, mid, rating="down", comment="The date was wrong")
    assert down.status_code == 200, down.text
    assert (down.json()["rating"], down.json()["comment"]) == ("down", "The date was wrong")
    messages = get(shop, f"/api/v1/conversations/{cid}")["messages"]
    assert messages[0]["feedback"] is None
    rated = messages[1]["feedback"]
    assert rated["rating"] == "down"
    assert rated["comment"] == "The date was wrong"
    # Rating without a comment clears the earlier comment.
    assert feedback(shop, cid, mid, rating="up").status_code == 200
    rated = get(shop, f"/api/v1/conversations/{cid}")["messages"][1]["feedback"]
    assert (rated["rating"], rated["comment"]) == ("up", None)


def test_feedback_on_the_customers_own_message_is_422(shop: Any) -> None:
    reply = chat(shop, QUESTION)
    cid = reply["conversation_id"]
    user_message = get(shop, f"/api/v1/conversations/{cid}")["messages"][0]
    response = feedback(shop, cid, user_message["id"], rating="up")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("body", [{"rating": "meh"}, {}, {"rating": "up", "comment": "x" * 2001}])
def test_invalid_feedback_is_422(shop: Any, body: dict[str, Any]) -> None:
    reply = chat(shop, QUESTION)
    response = feedback(shop, reply["conversation_id"], reply["message_id"], **body)
    assert response.status_code == 422
    assert (
        get(shop, f"/api/v1/conversations/{reply['conversation_id']}")["messages"][1]["feedback"]
        is None
    )


def test_feedback_needs_the_message_in_that_conversation(shop: Any) -> None:
    first, second = chat(shop, QUESTION), chat(shop, QUESTION)
    response = feedback(shop, second["conversation_id"], first["message_id"], rating="up")
    assert response.status_code == 404
    response = feedback(shop, first["conversation_id"], "0" * 32, rating="up")
    assert response.status_code == 404


def test_feedback_on_another_workspaces_message_is_404(make_tenant: Any) -> None:
    owner, other = make_tenant("Owner"), make_tenant("Other")
    set_threshold(owner, 1.0)
    reply = chat(owner, "Where is my parcel?")
    response = feedback(other, reply["conversation_id"], reply["message_id"], rating="down")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    messages = get(owner, f"/api/v1/conversations/{reply['conversation_id']}")["messages"]
    assert messages[1]["feedback"] is None


# -- handoff and tickets ---------------------------------------------------------------------


def test_handoff_opens_one_ticket_and_a_second_call_adds_the_email(tenant: Any) -> None:
    set_threshold(tenant, 1.0)
    reply = chat(tenant, "My parcel never arrived")
    cid = reply["conversation_id"]
    created = hand_off(tenant, cid)
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert ticket["conversation_id"] == cid
    assert ticket["status"] == "open"
    assert ticket["reason"] == "customer_request"
    assert ticket["contact_email"] is None

    again = hand_off(tenant, cid, contact_email="kim@example.com")
    assert again.status_code == 201
    assert again.json()["id"] == ticket["id"]
    assert again.json()["contact_email"] == "kim@example.com"
    # A later call without an email keeps the one given.
    assert hand_off(tenant, cid).json()["contact_email"] == "kim@example.com"

    tickets = get(tenant, "/api/v1/handoff-tickets")["items"]
    assert [(t["id"], t["contact_email"]) for t in tickets] == [(ticket["id"], "kim@example.com")]
    assert get(tenant, "/api/v1/handoff-tickets", status="open")["items"] == tickets
    assert get(tenant, "/api/v1/handoff-tickets", status="closed")["items"] == []
    assert get(tenant, f"/api/v1/conversations/{cid}")["status"] == "handed_off"


def test_a_chat_handoff_and_the_endpoint_share_the_ticket(tenant: Any) -> None:
    reply = chat(tenant, "Please connect me to a human agent")
    assert reply["decision"] == "handoff"
    response = hand_off(tenant, reply["conversation_id"], contact_email="lee@example.com")
    assert response.status_code == 201
    tickets = get(tenant, "/api/v1/handoff-tickets")["items"]
    assert len(tickets) == 1
    assert tickets[0]["contact_email"] == "lee@example.com"


def test_handoff_validation_and_unknown_conversation(tenant: Any) -> None:
    set_threshold(tenant, 1.0)
    reply = chat(tenant, "My parcel never arrived")
    bad = hand_off(tenant, reply["conversation_id"], contact_email="nope")
    assert bad.status_code == 422
    assert get(tenant, "/api/v1/handoff-tickets")["items"] == []
    missing = hand_off(tenant, "0" * 32)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_tickets_are_listed_per_workspace_newest_first(make_tenant: Any) -> None:
    owner, other = make_tenant("Owner"), make_tenant("Other")
    for tenant in (owner, other):
        set_threshold(tenant, 1.0)
    first = chat(owner, "First problem")["conversation_id"]
    second = chat(owner, "Second problem")["conversation_id"]
    for cid in (first, second):
        assert hand_off(owner, cid).status_code == 201
    other_cid = chat(other, "Their problem")["conversation_id"]
    assert hand_off(other, other_cid).status_code == 201
    assert hand_off(other, first).status_code == 404

    mine = get(owner, "/api/v1/handoff-tickets")["items"]
    assert [t["conversation_id"] for t in mine] == [second, first]
    theirs = get(other, "/api/v1/handoff-tickets")["items"]
    assert [t["conversation_id"] for t in theirs] == [other_cid]
    assert get(owner, "/api/v1/handoff-tickets", limit=1)["items"] == mine[:1]


# -- workspace settings ---------------------------------------------------------------------


def test_workspace_get_and_patch(tenant: Any) -> None:
    current = get(tenant, "/api/v1/workspace")
    assert current["id"] == tenant.workspace_id
    assert current["answer_threshold"] is None

    patched = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": 0.35}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["answer_threshold"] == 0.35
    assert patched.json()["name"] == current["name"]
    assert get(tenant, "/api/v1/workspace")["answer_threshold"] == 0.35

    renamed = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"name": "  Quokka Coffee  "}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Quokka Coffee"
    assert renamed.json()["answer_threshold"] == 0.35  # fields left out stay

    reset = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": None}
    )
    assert reset.status_code == 200
    assert reset.json()["answer_threshold"] is None
    assert get(tenant, "/api/v1/workspace")["name"] == "Quokka Coffee"


def test_the_threshold_decides_the_next_answer(shop: Any) -> None:
    assert chat(shop, QUESTION)["decision"] == "answered"
    set_threshold(shop, 1.0)
    assert chat(shop, QUESTION)["decision"] == "no_answer"
    set_threshold(shop, 0.0)
    assert chat(shop, QUESTION)["decision"] == "answered"


@pytest.mark.parametrize(
    "body",
    [
        {"answer_threshold": 1.01},
        {"answer_threshold": -0.1},
        {"answer_threshold": "high"},
        {"name": ""},
        {"name": "   "},
        {"name": None},
        {"name": "x" * 201},
    ],
)
def test_invalid_workspace_changes_are_422_and_change_nothing(
    tenant: Any, body: dict[str, Any]
) -> None:
    before = get(tenant, "/api/v1/workspace")
    response = tenant.client.patch("/api/v1/workspace", headers=tenant.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert get(tenant, "/api/v1/workspace") == before


def test_unknown_workspace_fields_are_ignored(tenant: Any) -> None:
    before = get(tenant, "/api/v1/workspace")
    response = tenant.client.patch(
        "/api/v1/workspace",
        headers=tenant.headers,
        json={"id": "0" * 32, "created_at": "2000-01-01T00:00:00Z", "plan": "gold"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == before
    assert get(tenant, "/api/v1/workspace") == before


def test_each_key_sees_and_changes_only_its_workspace(make_tenant: Any) -> None:
    owner, other = make_tenant("Owner"), make_tenant("Other")
    set_threshold(owner, 0.9)
    assert get(other, "/api/v1/workspace")["answer_threshold"] is None
    assert get(other, "/api/v1/workspace")["name"] == "Other"
    assert get(owner, "/api/v1/workspace")["answer_threshold"] == 0.9


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/conversations"),
        ("get", f"/api/v1/conversations/{'0' * 32}"),
        ("get", "/api/v1/handoff-tickets"),
        ("get", "/api/v1/workspace"),
        ("patch", "/api/v1/workspace"),
        ("post", f"/api/v1/conversations/{'0' * 32}/handoff"),
    ],
)
def test_routes_need_a_key(client: Any, method: str, path: str) -> None:
    kwargs: dict[str, Any] = {} if method == "get" else {"json": {}}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
