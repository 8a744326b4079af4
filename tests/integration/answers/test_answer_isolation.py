"""Answers never draw on another workspace's knowledge, whatever the channel, and another
workspace's conversations, messages and tickets read as "not found"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

HIDDEN_FACT = "The Zephyrine loyalty code ZX-4471 gives Globex staff 37 percent off."
HIDDEN_DOC = b"# Staff discounts\n\n## Globex\n\n" + HIDDEN_FACT.encode() + b"\n"
PUBLIC = (
    b"# Discounts\n\n## Students\n\n"
    b"Students get 10 percent off every order with a valid student card.\n"
)
QUESTIONS = [
    "What discount does the Zephyrine loyalty code ZX-4471 give Globex staff?",
    "Globex staff discount",
    "ZX-4471",
    "discount",
]
SECRET_WORDS = ("Zephyrine", "ZX-4471", "Globex", "37 percent")


@pytest.fixture
def owner(make_tenant: Any) -> Any:
    tenant = make_tenant("Owner")
    tenant.document = tenant.ingest("staff.md", HIDDEN_DOC)
    set_threshold(tenant, 0.0)
    return tenant


@pytest.fixture
def other(make_tenant: Any) -> Any:
    tenant = make_tenant("Other")
    tenant.document = tenant.ingest("discounts.md", PUBLIC)
    set_threshold(tenant, 0.0)
    return tenant


@pytest.fixture
def http_client(client: TestClient) -> Iterator[TestClient]:
    own = TestClient(client.app)
    yield own
    own.close()


def set_threshold(tenant: Any, value: float) -> None:
    response = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": value}
    )
    assert response.status_code == 200, response.text


def assert_clean(answer: str, citations: list[dict[str, Any]], owner: Any, other: Any) -> None:
    for word in SECRET_WORDS:
        assert word not in answer
    for citation in citations:
        assert citation["document_id"] == other.document["id"]
        assert citation["document_id"] != owner.document["id"]
        assert "Globex" not in citation["snippet"]


def test_the_owner_is_answered_from_its_own_document(owner: Any) -> None:
    response = owner.client.post(
        "/api/v1/chat", headers=owner.headers, json={"message": QUESTIONS[0]}
    )
    body = response.json()
    assert HIDDEN_FACT in body["answer"]
    assert body["citations"][0]["document_id"] == owner.document["id"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_json_and_sse_answers_stay_in_the_workspace(owner: Any, other: Any, question: str) -> None:
    body = other.client.post(
        "/api/v1/chat", headers=other.headers, json={"message": question}
    ).json()
    assert_clean(body["answer"], body["citations"], owner, other)

    streamed = other.client.post(
        "/api/v1/chat", headers=other.headers, json={"message": question, "stream": True}
    )
    assert streamed.status_code == 200
    for word in SECRET_WORDS:
        assert word not in streamed.text  # not in any event: tokens, citations, decision
    events = [
        json.loads(line.removeprefix("data: "))
        for line in streamed.text.splitlines()
        if line.startswith("data: ")
    ]
    done, citations = events[-1], events[-3]["citations"]
    assert_clean(done["answer"], citations, owner, other)


def test_websocket_answers_stay_in_the_workspace(owner: Any, other: Any) -> None:
    with other.client.websocket_connect(f"/api/v1/chat/ws?key={other.api_key}") as socket:
        for question in QUESTIONS:
            socket.send_json({"message": question})
            events: list[dict[str, Any]] = []
            while not events or events[-1]["type"] != "done":
                events.append(socket.receive_json())
            for word in SECRET_WORDS:
                assert word not in json.dumps(events)
            citations = next(e for e in events if e["type"] == "citations")["citations"]
            assert_clean(events[-1]["answer"], citations, owner, other)


def test_openai_facade_answers_stay_in_the_workspace(
    owner: Any, other: Any, http_client: TestClient
) -> None:
    bot = openai.OpenAI(
        base_url=f"{http_client.base_url}/v1",
        api_key=other.api_key,
        http_client=http_client,
        max_retries=0,
    )
    for question in QUESTIONS:
        completion = bot.chat.completions.create(
            model="customercare", messages=[{"role": "user", "content": question}]
        )
        answer = completion.choices[0].message.content or ""
        assert_clean(answer, (completion.model_extra or {})["citations"], owner, other)
        stream = bot.chat.completions.create(
            model="customercare", messages=[{"role": "user", "content": question}], stream=True
        )
        chunks = list(stream)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
        assert_clean(text, (chunks[-1].model_extra or {})["citations"], owner, other)


def test_another_workspaces_conversations_read_as_not_found(owner: Any, other: Any) -> None:
    reply = owner.client.post(
        "/api/v1/chat",
        headers=owner.headers,
        json={"message": QUESTIONS[0], "visitor_id": "owner-visitor"},
    ).json()
    cid, mid = reply["conversation_id"], reply["message_id"]
    handoff = owner.client.post(
        f"/api/v1/conversations/{cid}/handoff", headers=owner.headers, json={}
    )
    assert handoff.status_code == 201

    def status(method: str, path: str, body: dict[str, Any] | None = None) -> int:
        response = other.client.request(method, path, headers=other.headers, json=body)
        if response.status_code == 404:
            assert response.json()["error"]["code"] == "not_found"
        return response.status_code

    assert status("GET", f"/api/v1/conversations/{cid}") == 404
    assert (
        status("POST", f"/api/v1/conversations/{cid}/messages/{mid}/feedback", {"rating": "down"})
        == 404
    )
    assert (
        status("POST", f"/api/v1/conversations/{cid}/handoff", {"contact_email": "x@example.com"})
        == 404
    )
    assert status("POST", "/api/v1/chat", {"message": "hi", "conversation_id": cid}) == 404

    listing = other.client.get("/api/v1/conversations", headers=other.headers).json()
    assert cid not in {item["id"] for item in listing["items"]}
    for params in ({"visitor_id": "owner-visitor"}, {"status": "handed_off"}):
        filtered = other.client.get("/api/v1/conversations", headers=other.headers, params=params)
        assert filtered.json() == {"items": [], "total": 0}
    assert other.client.get("/api/v1/handoff-tickets", headers=other.headers).json() == {
        "items": []
    }

    # The owner's data is untouched by the attempts.
    detail = owner.client.get(f"/api/v1/conversations/{cid}", headers=owner.headers).json()
    assert detail["message_count"] == 2
    assert detail["messages"][1]["feedback"] is None
    tickets = owner.client.get("/api/v1/handoff-tickets", headers=owner.headers).json()["items"]
    assert [(t["conversation_id"], t["contact_email"]) for t in tickets] == [(cid, None)]
