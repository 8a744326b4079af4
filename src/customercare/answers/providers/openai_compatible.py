"""Answers streamed from any OpenAI-compatible ``POST {base}/chat/completions`` endpoint.

Connect errors, timeouts, 429 and 5xx are retried with exponential backoff, but only before
the first text delta: once part of the answer has been handed out, a failure raises
:class:`ProviderError` at once and nothing is replayed. The API key never appears in an error
message or a log line."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import structlog

from customercare.answers.prompt import build_messages
from customercare.answers.providers.base import GenerationRequest, ProviderError
from customercare.observability import metrics
from customercare.settings import Settings

log = structlog.get_logger(__name__)

# The longest wait a server's Retry-After can impose between two attempts.
RETRY_AFTER_CAP_SECONDS = 10.0
PROVIDER = "openai_compatible"  # the metrics label
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class _Retryable(Exception):
    """A failure worth another attempt, as long as no text has been yielded yet."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class OpenAICompatibleProvider:
    name = "openai_compatible"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        temperature: float = 0.1,
        max_tokens: int = 512,
        timeout_seconds: float = 30.0,
        max_retries: int = 2,
        backoff_seconds: float = 0.5,
        client: httpx.Client | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key or None
        self._model = model
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._timeout = httpx.Timeout(timeout_seconds, connect=timeout_seconds)
        self._max_retries = max(0, max_retries)
        self._backoff_seconds = max(0.0, backoff_seconds)
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=self._timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatibleProvider:
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            timeout_seconds=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            backoff_seconds=settings.llm_backoff_seconds,
        )

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        body = {
            "model": self._model,
            "messages": build_messages(request),
            "stream": True,
            "temperature": self._temperature,
            "max_tokens": self._max_tokens,
        }
        attempt = 0
        while True:
            started = False
            try:
                with contextlib.closing(self._attempt(body)) as deltas:
                    for delta in deltas:
                        started = True
                        yield delta
                metrics.llm_calls.labels(provider=PROVIDER, outcome="ok").inc()
                return
            except ProviderError:
                metrics.llm_calls.labels(provider=PROVIDER, outcome="error").inc()
                raise
            except _Retryable as failure:
                if started or attempt >= self._max_retries:
                    metrics.llm_calls.labels(provider=PROVIDER, outcome="error").inc()
                if started:
                    raise ProviderError(
                        f"chat completion failed mid-answer: {failure.reason}"
                    ) from failure
                if attempt >= self._max_retries:
                    raise ProviderError(
                        f"chat completion failed after {attempt + 1} attempts: {failure.reason}"
                    ) from failure
                metrics.llm_calls.labels(provider=PROVIDER, outcome="retry").inc()
                delay = self._backoff_seconds * 2**attempt
                if failure.retry_after is not None:
                    delay = max(delay, min(failure.retry_after, RETRY_AFTER_CAP_SECONDS))
                log.warning(
                    "llm.retry", attempt=attempt + 1, reason=failure.reason, delay_seconds=delay
                )
                time.sleep(delay)
                attempt += 1

    def _attempt(self, body: dict[str, Any]) -> Generator[str, None, None]:
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            with self._client.stream(
                "POST", self._url, json=body, headers=headers, timeout=self._timeout
            ) as response:
                if response.status_code != 200:
                    response.read()
                    raise self._status_failure(response)
                yield from _deltas(response.iter_lines())
        except _RETRYABLE_TRANSPORT as error:
            raise _Retryable(type(error).__name__) from error
        except httpx.HTTPError as error:
            raise ProviderError(f"chat completion failed: {type(error).__name__}") from error

    def _status_failure(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429 or status >= 500:
            return _Retryable(f"HTTP {status}", _retry_after(response))
        detail = ""
        if status not in (401, 403):  # auth errors may echo (part of) the key: say nothing
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                detail = str(response.json()["error"]["message"])[:200]
            if self._api_key:
                detail = detail.replace(self._api_key, "***")
        return ProviderError(f"chat completions endpoint returned HTTP {status} {detail}".strip())


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None  # absent, or an HTTP date: plain backoff


def _deltas(lines: Iterator[str]) -> Iterator[str]:
    """The content deltas of a Server-Sent Events body, up to ``data: [DONE]``."""
    content = finished = False
    for data in _events(lines):
        if data == "[DONE]":
            break
        choice = _choice(data)
        if choice is None:
            continue
        finished = finished or bool(choice.get("finish_reason"))
        delta = choice.get("delta") or {}
        text = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(text, str) and text:
            content = True
            yield text
    else:
        if not finished:
            raise ProviderError("chat completion stream ended before [DONE]")
    if not content:
        raise ProviderError("chat completion returned no text")


def _events(lines: Iterator[str]) -> Iterator[str]:
    buffer: list[str] = []
    for line in lines:
        if not line:
            if buffer:
                yield "\n".join(buffer)
                buffer = []
        elif line.startswith("data:"):
            buffer.append(line[5:].removeprefix(" "))
    if buffer:
        yield "\n".join(buffer)


def _choice(data: str) -> dict[str, Any] | None:
    try:
        chunk = json.loads(data)
    except ValueError:
        chunk = None
    if isinstance(chunk, dict) and "error" in chunk:
        raise ProviderError("chat completion stream reported an error")
    usage = chunk.get("usage") if isinstance(chunk, dict) else None
    if isinstance(usage, dict):  # servers that report usage send it in a (last) chunk
        for direction in ("prompt", "completion"):
            count = usage.get(f"{direction}_tokens")
            if isinstance(count, int) and count >= 0:
                metrics.llm_tokens.labels(direction=direction).inc(count)
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    if not isinstance(choices, list) or (choices and not isinstance(choices[0], dict)):
        raise ProviderError("chat completion stream sent a malformed chunk")
    return choices[0] if choices else None  # none: a usage or content-filter chunk
