"""``/api/v1/widget/ws``: a hello, then a turn streams its tokens, and a live event published
on the visitor's conversation arrives on the socket; bad credentials close with 44xx."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from customercare.live.service import LiveEvent, conversation_channel
from customercare.runtime import Runtime
from tests.integration.widget.conftest import QUESTION, Site
from tests.integration.widget.test_visitors import shop  # noqa: F401 (fixture)

WS = "/api/v1/widget/ws"


def receive_until(socket: Any, kind: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] != kind:
        events.append(socket.receive_json())
    return events


def test_a_turn_streams_and_live_events_arrive(shop: Site, runtime: Runtime) -> None:  # noqa: F811
    token = shop.frame_token()
    visitor = shop.visitor(token)["visitor_token"]
    with shop.client.websocket_connect(WS, subprotocols=["ccgpt.bearer", token]) as socket:
        assert socket.accepted_subprotocol == "ccgpt.bearer"
        socket.send_json({"type": "hello", "visitor_token": visitor, "conversation_id": None})
        assert socket.receive_json() == {"type": "ready", "conversation_id": None}
        socket.send_json({"type": "message", "message": QUESTION, "conversation_id": None})
        events = receive_until(socket, "done")
        kinds = [event["type"] for event in events]
        assert kinds[0] == "conversation"
        assert "token" in kinds
        conversation_id = events[0]["conversation_id"]
        agent = {"id": "m1", "role": "agent", "content": "Hello, Ana here", "author_name": "Ana"}
        runtime.live.publish(
            conversation_channel(conversation_id),
            LiveEvent("agent_message", shop.workspace_id, conversation_id, {"message": agent}),
        )
        assert socket.receive_json() == {
            "type": "agent_message",
            "conversation_id": conversation_id,
            "message": agent,
        }
        socket.send_json({"type": "typing", "conversation_id": conversation_id})
        assert socket.receive_json()["actor"] == "visitor"  # its conversation's live event
        socket.send_json({"type": "nonsense"})
        error = socket.receive_json()
        assert error["type"] == "error"
        assert error["error"]["code"] == "invalid_request"
    # The conversation became the visitor's current one.
    current = shop.client.get("/api/v1/widget/conversation", headers=shop.bearer(token, visitor))
    assert current.json()["conversation"]["id"] == conversation_id


def test_typing_over_the_socket_is_a_live_event_of_the_conversation(
    site: Site, runtime: Runtime
) -> None:
    token = site.frame_token()
    visitor = site.visitor(token)["visitor_token"]
    started = site.client.post("/api/v1/widget/conversations", headers=site.bearer(token, visitor))
    conversation_id = started.json()["conversation_id"]
    with site.client.websocket_connect(WS, subprotocols=["ccgpt.bearer", token]) as socket:
        socket.send_json({"type": "hello", "visitor_token": visitor})
        assert socket.receive_json()["conversation_id"] == conversation_id
        socket.send_json({"type": "typing", "conversation_id": conversation_id})
        # The socket forwards its own conversation's live events: the visitor's typing too.
        event = socket.receive_json()
    assert event == {"type": "typing", "conversation_id": conversation_id, "actor": "visitor"}


@pytest.mark.parametrize(
    ("credential", "hello", "code"),
    [
        ("ccwf1_forged.token", None, 4401),
        ("secret", None, 4401),
        ("frame", {"type": "hello", "visitor_token": "ccwv_nope"}, 4401),
        ("frame", {"type": "message", "message": "hi"}, 4401),
    ],
)
def test_bad_credentials_close_the_socket(
    site: Site, credential: str, hello: dict[str, Any] | None, code: int
) -> None:
    token = {"frame": site.frame_token(), "secret": "ccgpt_nope"}.get(credential, credential)
    with site.client.websocket_connect(WS, subprotocols=["ccgpt.bearer", token]) as socket:
        if hello is not None:
            socket.send_json(hello)
        body = socket.receive_json()
        assert body["error"]["code"] in ("unauthenticated", "visitor_invalid")
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == code


def test_a_frame_token_from_a_foreign_origin_is_4403(site: Site) -> None:
    token = site.frame_token()
    with site.client.websocket_connect(
        WS, subprotocols=["ccgpt.bearer", token], headers={"Origin": "https://shop.example"}
    ) as socket:
        assert socket.receive_json()["error"]["code"] == "forbidden"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4403


def test_another_workspaces_visitor_cannot_say_hello(make_site: Any) -> None:
    first, second = make_site(), make_site()
    visitor = first.visitor(first.frame_token())["visitor_token"]
    token = second.frame_token()
    with second.client.websocket_connect(WS, subprotocols=["ccgpt.bearer", token]) as socket:
        socket.send_json({"type": "hello", "visitor_token": visitor})
        assert socket.receive_json()["error"]["code"] == "visitor_invalid"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401
