"""The OpenAI-compatible answer provider against a real chat-completions server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from customercare.answers.prompt import build_messages
from customercare.answers.providers import openai_compatible
from customercare.answers.providers.base import GenerationRequest, Passage, ProviderError
from customercare.answers.providers.openai_compatible import OpenAICompatibleProvider
from customercare.search.types import Chunk
from customercare.settings import Settings
from tests.support.llm_server import (
    DEFAULT_REPLY,
    LLMServer,
    cut,
    hang,
    malformed,
    no_done,
    pieces,
    reply,
    running_llm_server,
    slow,
    status,
)

API_KEY = "sk-test-secret-4242"  # pragma: allowlist secret


def make_request(question: str = "How long do refunds take?") -> GenerationRequest:
    chunk = Chunk(
        id="c1",
        workspace_id="w1",
        document_id="d1",
        version=1,
        position=0,
        text="Refunds are paid within 14 days.",
        title="Refund policy",
    )
    return GenerationRequest(question=question, passages=[Passage(1, chunk, 0.9)])


@pytest.fixture
def llm() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


def make_provider(server: LLMServer, **options: Any) -> OpenAICompatibleProvider:
    settings: dict[str, Any] = {
        "base_url": server.base_url,
        "api_key": API_KEY,
        "model": "test-chat",
        "temperature": 0.2,
        "max_tokens": 128,
        "timeout_seconds": 2.0,
        "max_retries": 2,
        "backoff_seconds": 0.01,
    }
    settings.update(options)
    return OpenAICompatibleProvider(**settings)


def collect(provider: OpenAICompatibleProvider, into: list[str] | None = None) -> list[str]:
    deltas = [] if into is None else into
    for delta in provider.stream(make_request()):
        deltas.append(delta)
    return deltas


def test_streamed_reply_is_reassembled(llm: LLMServer) -> None:
    text = "Refunds are paid within 14 days [1]."
    llm.script(reply(text, chunk_chars=3))
    deltas = collect(make_provider(llm))
    assert "".join(deltas) == text
    assert deltas == pieces(text, 3)
    assert llm.request_count == 1


def test_request_carries_key_model_stream_flag_and_prompt(llm: LLMServer) -> None:
    collect(make_provider(llm))
    (sent,) = llm.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.body["model"] == "test-chat"
    assert sent.body["stream"] is True
    assert sent.body["temperature"] == 0.2
    assert sent.body["max_tokens"] == 128
    assert sent.messages == build_messages(make_request())


def test_no_authorization_header_without_a_key(llm: LLMServer) -> None:
    assert "".join(collect(make_provider(llm, api_key=None))) == DEFAULT_REPLY
    assert "authorization" not in llm.requests[0].headers


def test_built_from_settings(llm: LLMServer) -> None:
    settings = Settings(
        answer_provider="openai_compatible",
        llm_base_url=llm.base_url + "/",
        llm_api_key="sk-from-settings",  # pragma: allowlist secret
        llm_model="settings-model",
        llm_max_tokens=64,
    )
    provider = OpenAICompatibleProvider.from_settings(settings)
    try:
        assert provider.name == "openai_compatible"
        assert "".join(collect(provider)) == DEFAULT_REPLY
    finally:
        provider.close()
    (sent,) = llm.requests
    assert sent.body["model"] == "settings-model"
    assert sent.body["max_tokens"] == 64
    assert sent.headers["authorization"] == "Bearer sk-from-settings"


def test_an_injected_client_is_used_and_left_open(llm: LLMServer) -> None:
    seen: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(str(r.url))]}) as client:
        provider = make_provider(llm, client=client)
        assert "".join(collect(provider)) == DEFAULT_REPLY
        provider.close()
        assert not client.is_closed
    assert seen == [llm.base_url + "/chat/completions"]


def test_rate_limit_is_retried_after_retry_after(llm: LLMServer) -> None:
    llm.script(status(429, retry_after="1"), reply("After the wait [1]."))
    started = time.monotonic()
    assert "".join(collect(make_provider(llm, backoff_seconds=0.01))) == "After the wait [1]."
    assert time.monotonic() - started >= 0.9
    assert llm.request_count == 2


def test_rate_limit_without_retry_after_backs_off_exponentially(llm: LLMServer) -> None:
    llm.script(status(429), status(429), reply("Third time [1]."))
    started = time.monotonic()
    assert "".join(collect(make_provider(llm, backoff_seconds=0.1))) == "Third time [1]."
    assert time.monotonic() - started >= 0.1 + 0.2 - 0.02
    assert llm.request_count == 3


def test_retry_after_is_capped(llm: LLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_compatible, "RETRY_AFTER_CAP_SECONDS", 0.1)
    llm.script(status(429, retry_after="3600"), reply("Soon [1]."))
    started = time.monotonic()
    assert "".join(collect(make_provider(llm))) == "Soon [1]."
    assert time.monotonic() - started < 5


def test_server_error_then_success_is_retried(llm: LLMServer) -> None:
    llm.script(status(500), status(503), reply("Recovered [1]."))
    assert "".join(collect(make_provider(llm))) == "Recovered [1]."
    assert llm.request_count == 3


def test_persistent_server_error_fails_after_every_retry(llm: LLMServer) -> None:
    llm.script(*[status(500)] * 5)
    with capture_logs() as logs, pytest.raises(ProviderError, match="HTTP 500"):
        collect(make_provider(llm, max_retries=2))
    assert llm.request_count == 3
    assert [log["event"] for log in logs] == ["llm.retry", "llm.retry"]
    assert API_KEY not in repr(logs)


def test_no_retries_means_one_attempt(llm: LLMServer) -> None:
    llm.script(status(502), reply())
    with pytest.raises(ProviderError, match="1 attempts"):
        collect(make_provider(llm, max_retries=0))
    assert llm.request_count == 1


def test_client_error_fails_at_once(llm: LLMServer) -> None:
    llm.script(status(400, message="model 'test-chat' does not exist"), reply())
    with pytest.raises(ProviderError, match="HTTP 400") as raised:
        collect(make_provider(llm))
    assert "does not exist" in str(raised.value)
    assert llm.request_count == 1


def test_malformed_chunk_fails(llm: LLMServer) -> None:
    llm.script(malformed("A long enough answer [1].", after=2), reply())
    deltas: list[str] = []
    with pytest.raises(ProviderError, match="malformed"):
        collect(make_provider(llm), deltas)
    assert deltas == pieces("A long enough answer [1].", 4)[:2]
    assert llm.request_count == 1


def test_malformed_first_chunk_is_not_retried(llm: LLMServer) -> None:
    llm.script(malformed(after=0), reply())
    with pytest.raises(ProviderError, match="malformed"):
        collect(make_provider(llm))
    assert llm.request_count == 1


def test_slow_reply_within_the_timeout_works(llm: LLMServer) -> None:
    llm.script(slow("Slow but sure [1].", first_byte_delay=0.15, chunk_delay=0.05))
    provider = make_provider(llm, timeout_seconds=0.5, max_retries=0)
    assert "".join(collect(provider)) == "Slow but sure [1]."


def test_hanging_server_times_out(llm: LLMServer) -> None:
    llm.script(hang(), hang())
    provider = make_provider(llm, timeout_seconds=0.3, max_retries=1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="2 attempts: ReadTimeout"):
        collect(provider)
    assert time.monotonic() - started < 4
    assert llm.request_count == 2


def test_failure_after_the_first_token_is_not_retried(llm: LLMServer) -> None:
    text = "Part of an answer that stalls [1]."
    llm.script(hang(text, after=2), reply())
    deltas: list[str] = []
    with pytest.raises(ProviderError, match="mid-answer"):
        collect(make_provider(llm, timeout_seconds=0.3), deltas)
    assert deltas == pieces(text, 4)[:2]
    assert llm.request_count == 1


def test_connection_cut_mid_answer_is_not_retried(llm: LLMServer) -> None:
    llm.script(cut("An answer cut short [1].", after=3), reply())
    deltas: list[str] = []
    with pytest.raises(ProviderError, match="mid-answer"):
        collect(make_provider(llm), deltas)
    assert len(deltas) == 3
    assert llm.request_count == 1


def test_connection_cut_before_any_text_is_retried(llm: LLMServer) -> None:
    llm.script(cut(after=0), reply("Second try [1]."))
    assert "".join(collect(make_provider(llm))) == "Second try [1]."
    assert llm.request_count == 2


def test_stream_finished_without_done_is_accepted(llm: LLMServer) -> None:
    llm.script(no_done("Complete [1].", finish_reason="stop"))
    assert "".join(collect(make_provider(llm))) == "Complete [1]."


def test_stream_ending_early_without_done_fails(llm: LLMServer) -> None:
    llm.script(no_done("Trunc", finish_reason=None))
    with pytest.raises(ProviderError, match=r"before \[DONE\]"):
        collect(make_provider(llm))


def test_empty_answer_fails(llm: LLMServer) -> None:
    llm.script(reply(""))
    with pytest.raises(ProviderError, match="no text"):
        collect(make_provider(llm))
    assert llm.request_count == 1


def test_unreachable_endpoint_fails_after_retries() -> None:
    with running_llm_server() as server:
        provider = make_provider(server)
    with pytest.raises(ProviderError, match="3 attempts: ConnectError"):
        collect(provider)
    provider.close()


def test_api_key_never_appears_in_errors(llm: LLMServer) -> None:
    llm.script(
        status(400, message=f"bad request from key {API_KEY}"),
        status(401, message=f"Incorrect API key provided: {API_KEY}"),
        status(500),
        status(500),
        status(500),
    )
    messages: list[str] = []
    for _ in range(3):
        with pytest.raises(ProviderError) as raised:
            collect(make_provider(llm))
        messages.append(str(raised.value))
        if raised.value.__cause__ is not None:
            messages.append(str(raised.value.__cause__))
    assert messages[0].startswith("chat completions endpoint returned HTTP 400")
    assert messages[1] == "chat completions endpoint returned HTTP 401"
    assert all(API_KEY not in message for message in messages)


def test_wrong_key_is_refused_without_retry() -> None:
    with running_llm_server(api_key="sk-right") as server:  # pragma: allowlist secret
        with pytest.raises(ProviderError, match="HTTP 401"):
            collect(make_provider(server, api_key="sk-wrong"))  # pragma: allowlist secret
        assert server.request_count == 1


def test_fake_server_answers_without_streaming(llm: LLMServer) -> None:
    llm.script(reply("Whole answer [1]."))
    response = httpx.post(
        llm.base_url + "/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False},
    )
    completion = response.json()
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Whole answer [1].",
    }
    assert completion["usage"]["total_tokens"] > 0


def test_fake_server_speaks_the_openai_sdk_protocol(llm: LLMServer) -> None:
    openai = pytest.importorskip("openai")
    llm.script(reply("Streamed [1].", chunk_chars=2), reply("Whole [1]."))
    client = openai.OpenAI(base_url=llm.base_url, api_key="sk-sdk", max_retries=0)
    try:
        chunks = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
        whole = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    finally:
        client.close()
    assert text == "Streamed [1]."
    assert whole.choices[0].message.content == "Whole [1]."


def sse(*events: str) -> Iterator[str]:
    """The lines httpx's ``iter_lines`` gives for these ``data:`` payloads."""
    for event in events:
        yield from [f"data: {event}", ""]


def chunk_json(content: str | None = None, finish: str | None = None) -> str:
    delta = {} if content is None else {"content": content}
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


def test_parser_skips_comments_usage_chunks_and_role_deltas() -> None:
    lines = [
        ": keep-alive",
        "",
        "event: message",
        'data: {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}',
        "",
        'data:{"choices": [], "usage": {"total_tokens": 3}}',
        "",
        *sse(chunk_json("Hel"), chunk_json("lo"), chunk_json(finish="stop"), "[DONE]"),
        *sse(chunk_json("after done is ignored")),
    ]
    assert list(openai_compatible._deltas(iter(lines))) == ["Hel", "lo"]


def test_parser_joins_multi_line_data() -> None:
    lines = ['data: {"choices": [{"index": 0,', 'data:  "delta": {"content": "Hi"}}]}', ""]
    lines += list(sse("[DONE]"))
    assert list(openai_compatible._deltas(iter(lines))) == ["Hi"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ('{"id": "x"}', "malformed"),
        ('{"choices": ["text"]}', "malformed"),
        ("[1, 2]", "malformed"),
        ('{"error": {"message": "overloaded"}}', "reported an error"),
    ],
)
def test_parser_refuses_bad_chunks(event: str, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        list(openai_compatible._deltas(sse(chunk_json("ok"), event, "[DONE]")))
