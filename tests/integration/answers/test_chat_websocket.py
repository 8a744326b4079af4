"""``/api/v1/chat/ws``: many turns over one socket, authentication by ``?key=`` or header, and
bad frames answered with an error event on a socket that stays usable."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

FACT = "Parcels to Iceland are delivered by Fjord Express within 6 business days."
GIFTS = "Gift wrapping with a handwritten card is available at checkout for 4 euros."
SHIPPING = (
    b"# Shipping guide\n\n## Iceland\n\n" + FACT.encode() + b"\n\n"
    b"## Gift wrapping\n\n" + GIFTS.encode() + b"\n"
)
QUESTION = "How long does delivery to Iceland take?"


@pytest.fixture
def shop(tenant: Any) -> Any:
    tenant.document = tenant.ingest("shipping.md", SHIPPING)
    response = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": 0.0}
    )
    assert response.status_code == 200, response.text
    return tenant


def receive_turn(socket: WebSocketTestSession) -> list[dict[str, Any]]:
    """The events of one reply, up to and including ``done``."""
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] not in ("done", "error"):
        events.append(socket.receive_json())
    return events


def assert_in_order(events: list[dict[str, Any]]) -> None:
    kinds = [event["type"] for event in events]
    assert kinds[0] == "conversation"
    assert kinds[-3:] == ["citations", "decision", "done"]
    assert "token" in kinds[1:-3]
    assert set(kinds[1:-3]) <= {"token", "replace"}


def test_two_turns_on_one_socket_share_a_conversation(shop: Any) -> None:
    with shop.client.websocket_connect(f"/api/v1/chat/ws?key={shop.api_key}") as socket:
        socket.send_json({"message": QUESTION, "visitor_id": "v-1"})
        first = receive_turn(socket)
        assert_in_order(first)
        conversation_id = first[0]["conversation_id"]
        assert FACT in first[-1]["answer"]
        assert first[-3]["citations"][0]["document_id"] == shop.document["id"]

        socket.send_json(
            {"message": "Can you gift wrap my order?", "conversation_id": conversation_id}
        )
        second = receive_turn(socket)
        assert_in_order(second)
        assert second[0]["conversation_id"] == conversation_id
        assert second[-1]["conversation_id"] == conversation_id
        assert GIFTS in second[-1]["answer"]
    detail = shop.client.get(
        f"/api/v1/conversations/{conversation_id}", headers=shop.headers
    ).json()
    assert detail["channel"] == "widget"
    assert detail["visitor_id"] == "v-1"
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"] * 2
    assert detail["messages"][1]["id"] == first[-1]["message_id"]
    assert detail["messages"][3]["id"] == second[-1]["message_id"]
    assert all(m["status"] == "complete" for m in detail["messages"])


def test_the_key_may_come_in_the_authorization_header(shop: Any) -> None:
    with shop.client.websocket_connect("/api/v1/chat/ws", headers=shop.headers) as socket:
        socket.send_json({"message": QUESTION})
        events = receive_turn(socket)
    assert_in_order(events)
    assert FACT in events[-1]["answer"]


@pytest.mark.parametrize("query", ["?key=ccgpt_0000_wrong", "", "?key="])
def test_a_bad_or_missing_key_gets_an_error_and_close_4401(client: Any, query: str) -> None:
    with client.websocket_connect(f"/api/v1/chat/ws{query}") as socket:
        body = socket.receive_json()
        assert body["error"]["code"] == "unauthenticated"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "hi", "contact_email": "not-an-email"}, "contact_email"),
        ({"text": "hello"}, "message"),
        (["hello"], None),
        ("not json at all", None),
        (b"\xff\xfe\x00", None),
    ],
)
def test_an_invalid_frame_gets_an_error_and_the_socket_still_answers(
    shop: Any, frame: Any, field: str | None
) -> None:
    with shop.client.websocket_connect(f"/api/v1/chat/ws?key={shop.api_key}") as socket:
        if isinstance(frame, str):
            socket.send_text(frame)
        elif isinstance(frame, bytes):
            socket.send_bytes(frame)
        else:
            socket.send_json(frame)
        error = socket.receive_json()
        assert error["type"] == "error"
        assert error["error"]["code"] == "invalid_request"
        if field is not None:
            locations = [item["loc"] for item in error["error"]["details"]["errors"]]
            assert [field] in locations
        socket.send_json({"message": QUESTION})
        events = receive_turn(socket)
    assert_in_order(events)
    assert FACT in events[-1]["answer"]
    conversations = shop.client.get("/api/v1/conversations", headers=shop.headers).json()
    assert conversations["total"] == 1  # the invalid frame stored nothing


def test_an_unknown_conversation_is_an_error_event_not_a_closed_socket(
    make_tenant: Any, shop: Any
) -> None:
    other = make_tenant("Other")
    response = other.client.patch(
        "/api/v1/workspace", headers=other.headers, json={"answer_threshold": 1.0}
    )
    assert response.status_code == 200
    foreign = other.client.post(
        "/api/v1/chat", headers=other.headers, json={"message": "Where is my parcel?"}
    ).json()["conversation_id"]
    with shop.client.websocket_connect(f"/api/v1/chat/ws?key={shop.api_key}") as socket:
        for conversation_id in ("0" * 32, foreign):
            socket.send_json({"message": QUESTION, "conversation_id": conversation_id})
            error = socket.receive_json()
            assert error["type"] == "error"
            assert error["error"]["code"] == "not_found"
        socket.send_json({"message": QUESTION})
        assert_in_order(receive_turn(socket))
    foreign_detail = other.client.get(
        f"/api/v1/conversations/{foreign}", headers=other.headers
    ).json()
    assert len(foreign_detail["messages"]) == 2


def test_a_handoff_over_the_socket_opens_a_ticket(shop: Any) -> None:
    with shop.client.websocket_connect(f"/api/v1/chat/ws?key={shop.api_key}") as socket:
        socket.send_json(
            {"message": "I want to talk to a human", "contact_email": "sam@example.com"}
        )
        events = receive_turn(socket)
    decision = next(event for event in events if event["type"] == "decision")
    assert decision["decision"] == "handoff"
    tickets = shop.client.get("/api/v1/handoff-tickets", headers=shop.headers).json()["items"]
    assert [(t["conversation_id"], t["contact_email"]) for t in tickets] == [
        (events[0]["conversation_id"], "sam@example.com")
    ]
