"""``POST /api/v1/chat``: cited answers as JSON and as Server-Sent Events, the no-answer and
handoff decisions, follow-ups, errors, and a turn that fails or is abandoned mid-answer.

Decisions are made deterministic with the workspace's ``answer_threshold`` (0: answer from any
passage, 1: never answer), never with the installation's default."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from customercare.answers import engine
from customercare.answers.providers import GenerationRequest
from customercare.runtime import Runtime

FACT = "Parcels to Iceland are delivered by Fjord Express within 6 business days."
SHIPPING = (
    b"# Shipping guide\n\n"
    b"## Iceland\n\n" + FACT.encode() + b" Tracking starts once the parcel leaves Reykjavik.\n\n"
    b"## Gift wrapping\n\n"
    b"Gift wrapping with a handwritten card is available at checkout for 4 euros.\n"
)
QUESTION = "How long does delivery to Iceland take?"
PRICING = (
    b"# Plans and prices\n\n"
    b"## Mobile phone plan\n\n"
    b"The mobile phone plan costs 30 euros per month. "
    b"Paid yearly, the mobile phone plan costs 300 euros.\n\n"
    b"## Home internet\n\n"
    b"Annual plans for home internet cost 400 euros a year and include the router.\n"
)
MARKER = re.compile(r"\[(\d+)\]")


def set_threshold(tenant: Any, value: float | None) -> None:
    response = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": value}
    )
    assert response.status_code == 200, response.text
    assert response.json()["answer_threshold"] == value


def chat(tenant: Any, message: str, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        "/api/v1/chat", headers=tenant.headers, json={"message": message, **fields}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def conversation(tenant: Any, conversation_id: str) -> dict[str, Any]:
    response = tenant.client.get(f"/api/v1/conversations/{conversation_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def conversation_total(tenant: Any) -> int:
    response = tenant.client.get("/api/v1/conversations", headers=tenant.headers)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


@pytest.fixture
def shop(tenant: Any) -> Any:
    """A workspace with the shipping guide that answers from any passage."""
    tenant.document = tenant.ingest("shipping.md", SHIPPING)
    set_threshold(tenant, 0.0)
    return tenant


def assert_event_order(events: list[tuple[str, dict[str, Any]]]) -> None:
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "conversation"
    assert kinds[-3:] == ["citations", "decision", "done"]
    middle = kinds[1:-3]
    assert middle, "no text was streamed"
    assert set(middle) <= {"token", "replace"}
    assert "token" in middle


def streamed_text(events: list[tuple[str, dict[str, Any]]]) -> str:
    """What a client that applies the events shows: tokens appended, a replace swaps it all."""
    text = ""
    for kind, data in events:
        if kind == "token":
            text += data["text"]
        elif kind == "replace":
            text = data["text"]
    return text


def test_json_answer_quotes_and_cites_the_ingested_document(shop: Any) -> None:
    body = chat(shop, QUESTION)
    assert body["decision"] == "answered"
    assert body["handoff_offered"] is False
    assert body["provider"] == "offline"
    assert FACT in body["answer"]
    assert "[1]" in body["answer"]
    assert body["citations"], body
    first = body["citations"][0]
    assert first["number"] == 1
    assert first["document_id"] == shop.document["id"]
    assert first["title"] == "Shipping guide"
    assert first["section"] == "Iceland"
    assert "Fjord Express" in first["snippet"]
    markers = {int(number) for number in MARKER.findall(body["answer"])}
    assert markers == {citation["number"] for citation in body["citations"]}
    assert body["timings_ms"]["total"] > 0
    stored = conversation(shop, body["conversation_id"])["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[0]["content"] == QUESTION
    assert stored[1]["id"] == body["message_id"]
    assert stored[1]["content"] == body["answer"]
    assert stored[1]["decision"] == "answered"
    assert stored[1]["citations"] == body["citations"]


def test_sse_stream_sends_events_in_order(shop: Any) -> None:
    response = shop.client.post(
        "/api/v1/chat", headers=shop.headers, json={"message": QUESTION, "stream": True}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    events = parse_sse(response.text)
    assert_event_order(events)
    data = dict(events)
    started, done = events[0][1], events[-1][1]
    assert done["conversation_id"] == started["conversation_id"]
    assert started["user_message_id"] != done["message_id"]
    if "replace" not in data:
        assert "".join(d["text"] for kind, d in events if kind == "token") == done["answer"]
    assert streamed_text(events) == done["answer"]
    assert FACT in done["answer"]
    assert data["decision"]["decision"] == "answered"
    assert data["decision"]["threshold"] == 0.0
    assert data["citations"]["citations"][0]["document_id"] == shop.document["id"]
    stored = conversation(shop, done["conversation_id"])["messages"]
    assert [(m["role"], m["status"]) for m in stored] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert stored[1]["content"] == done["answer"]


def test_accept_header_asks_for_the_same_stream(shop: Any) -> None:
    response = shop.client.post(
        "/api/v1/chat",
        headers={**shop.headers, "Accept": "text/event-stream"},
        json={"message": QUESTION},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    assert_event_order(events)
    assert FACT in events[-1][1]["answer"]
    assert streamed_text(events) == events[-1][1]["answer"]


def test_below_the_threshold_the_bot_offers_a_handoff(tenant: Any) -> None:
    tenant.ingest("shipping.md", SHIPPING)
    set_threshold(tenant, 1.0)
    body = chat(tenant, QUESTION)
    assert body["decision"] == "no_answer"
    assert body["handoff_offered"] is True
    assert body["citations"] == []
    assert "Fjord Express" not in body["answer"]
    assert body["provider"] == "policy"
    stored = conversation(tenant, body["conversation_id"])
    assert [(m["role"], m["content"]) for m in stored["messages"]] == [
        ("user", QUESTION),
        ("assistant", body["answer"]),
    ]
    assert stored["messages"][1]["decision"] == "no_answer"
    assert stored["status"] == "open"  # offered, not handed off
    tickets = tenant.client.get("/api/v1/handoff-tickets", headers=tenant.headers).json()
    assert tickets["items"] == []


def test_an_empty_workspace_never_answers(tenant: Any) -> None:
    set_threshold(tenant, 0.0)
    body = chat(tenant, QUESTION)
    assert body["decision"] == "no_answer"
    assert body["handoff_offered"] is True
    assert body["citations"] == []


def test_asking_for_a_human_hands_off_at_once(shop: Any) -> None:
    body = chat(shop, "Can I talk to a human agent?", contact_email="kim@example.com")
    assert body["decision"] == "handoff"
    assert body["handoff_offered"] is False
    assert body["citations"] == []
    assert body["provider"] == "policy"
    assert "retrieve" not in body["timings_ms"]  # no retrieval for a handoff
    tickets = shop.client.get("/api/v1/handoff-tickets", headers=shop.headers).json()["items"]
    assert len(tickets) == 1
    assert tickets[0]["conversation_id"] == body["conversation_id"]
    assert tickets[0]["contact_email"] == "kim@example.com"
    assert tickets[0]["reason"] == "customer_request"
    assert tickets[0]["status"] == "open"
    assert conversation(shop, body["conversation_id"])["status"] == "handed_off"


def test_a_short_follow_up_is_answered_from_the_earlier_questions_topic(tenant: Any) -> None:
    tenant.ingest("pricing.md", PRICING)
    set_threshold(tenant, 0.0)
    follow_up = "and for annual plans?"
    # Alone, the follow-up is about home internet: only the conversation says it is not.
    alone = chat(tenant, follow_up)
    assert [c["section"] for c in alone["citations"]][:1] == ["Home internet"]

    first = chat(tenant, "How much is the mobile phone plan per month?")
    assert "30 euros per month" in first["answer"]
    second = chat(tenant, follow_up, conversation_id=first["conversation_id"])
    assert second["conversation_id"] == first["conversation_id"]
    assert second["decision"] == "answered"
    assert "300 euros" in second["answer"]
    assert "400 euros" not in second["answer"]
    assert [c["section"] for c in second["citations"]] == ["Mobile phone plan"]
    assert len(conversation(tenant, first["conversation_id"])["messages"]) == 4


def test_unknown_conversation_is_404_and_nothing_is_stored(shop: Any) -> None:
    response = shop.client.post(
        "/api/v1/chat",
        headers=shop.headers,
        json={"message": QUESTION, "conversation_id": "0" * 32},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert conversation_total(shop) == 0


def test_another_workspaces_conversation_is_404(make_tenant: Any) -> None:
    owner, other = make_tenant("Owner"), make_tenant("Other")
    set_threshold(owner, 1.0)
    started = chat(owner, "Where is my parcel?")
    for stream in (False, True):
        response = other.client.post(
            "/api/v1/chat",
            headers=other.headers,
            json={
                "message": "hello",
                "conversation_id": started["conversation_id"],
                "stream": stream,
            },
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert conversation_total(other) == 0
    assert len(conversation(owner, started["conversation_id"])["messages"]) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   \n\t"}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "hi", "contact_email": "not-an-email"}, "contact_email"),
        ({"message": "hi", "channel": "fax"}, "channel"),
        ({}, "message"),
    ],
)
def test_invalid_requests_are_422_and_store_nothing(
    tenant: Any, body: dict[str, Any], field: str
) -> None:
    response = tenant.client.post("/api/v1/chat", headers=tenant.headers, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert [item["loc"] for item in error["details"]["errors"]] == [["body", field]]
    assert conversation_total(tenant) == 0


def test_the_longest_allowed_message_is_accepted(tenant: Any) -> None:
    set_threshold(tenant, 1.0)
    body = chat(tenant, "x" * 4000)
    assert body["decision"] == "no_answer"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"X-API-Key": "ccgpt_0000_wrong"}]
)
def test_chat_without_a_valid_key_is_401(client: Any, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/chat", headers=headers, json={"message": QUESTION})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


# -- a turn that does not finish: driven through the engine, as the transports drive it ----


class ExplodingProvider:
    """A generator with a bug: some text, then an exception that is not a ProviderError."""

    name = "exploding"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        del request
        yield "Parcels to Iceland arrive in a week. "
        yield "Parcels to"
        raise RuntimeError("generator bug")


def test_a_failing_generator_keeps_the_question_and_marks_the_answer(
    shop: Any, runtime: Runtime
) -> None:
    turn = engine.start_turn(runtime, workspace_id=shop.workspace_id, message=QUESTION)
    seen: list[str] = []

    def consume() -> None:
        for event in engine.reply(runtime, turn, provider=ExplodingProvider()):
            seen.append(event.type)

    with pytest.raises(RuntimeError, match="generator bug"):
        consume()
    assert seen[0] == "conversation"
    assert "done" not in seen
    stored = conversation(shop, turn.conversation_id)
    messages = stored["messages"]
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "complete"),
        ("assistant", "failed"),
    ]
    assert messages[0]["id"] == turn.user_message_id
    assert messages[0]["content"] == QUESTION
    # Only what the customer saw is kept: the unfinished sentence was never released.
    assert messages[1]["content"] == "Parcels to Iceland arrive in a week. "
    assert messages[1]["decision"] is None
    assert messages[1]["provider"] == "exploding"
    assert stored["message_count"] == 2
    # The conversation goes on: the unfinished answer is not fed back as history.
    again = chat(shop, QUESTION, conversation_id=turn.conversation_id)
    assert FACT in again["answer"]


def test_a_client_that_stops_reading_leaves_a_cancelled_answer(shop: Any, runtime: Runtime) -> None:
    turn = engine.start_turn(runtime, workspace_id=shop.workspace_id, message=QUESTION)
    events = engine.reply(runtime, turn)
    first_token = None
    for event in events:
        if event.type == "token":
            first_token = event.data["text"]
            break
    assert first_token
    events.close()  # what the transports do when the client goes away
    messages = conversation(shop, turn.conversation_id)["messages"]
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "complete"),
        ("assistant", "cancelled"),
    ]
    assert messages[1]["content"] == first_token
    assert messages[1]["decision"] is None
    assert messages[1]["citations"] == []


def test_a_client_that_leaves_before_the_first_event_leaves_a_cancelled_answer(
    shop: Any, runtime: Runtime
) -> None:
    turn = engine.start_turn(runtime, workspace_id=shop.workspace_id, message=QUESTION)
    engine.reply(runtime, turn).close()
    messages = conversation(shop, turn.conversation_id)["messages"]
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "complete"),
        ("assistant", "cancelled"),
    ]
