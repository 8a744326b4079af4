"""A real OpenAI-compatible chat-completions server on loopback, for tests of answer providers
and of the answer engine end to end.

``POST /v1/chat/completions`` answers like the OpenAI API, as one JSON completion
(``stream: false``) or as Server-Sent Events of ``chat.completion.chunk`` objects ending in
``data: [DONE]`` (``stream: true``; HTTP/1.1 chunked, like the real API). Each request takes
the next :class:`Behaviour` from a queue filled by ``script(...)``; with the queue empty it
replies :data:`DEFAULT_REPLY`. Builders for the usual behaviours::

    reply("Hello [1].")                     # streamed in small chunks
    slow("Hi", first_byte_delay=0.2)        # a delay before the first byte and/or between chunks
    status(429, retry_after="1")            # an error status, optionally with Retry-After
    malformed(after=2)                      # a chunk that is not JSON after two good ones
    cut(after=1)                            # connection dropped mid-body, no [DONE]
    no_done("Hi", finish_reason=None)       # body ends cleanly but without [DONE]
    hang(after=0)                           # stop sending (for timeouts) until the server stops

``malformed``, ``cut``, ``no_done`` and a non-zero ``hang`` only shape streamed replies.

Every request is recorded (path, headers, JSON body) in ``requests``. With ``api_key`` set, a
request without ``Authorization: Bearer <api_key>`` gets 401.

    with running_llm_server() as llm:
        llm.script(status(500), reply("Answer [1]."))
        provider = OpenAICompatibleProvider(base_url=llm.base_url, ...)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackService

DEFAULT_REPLY = "Scripted answer [1]."
CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Behaviour:
    text: str = DEFAULT_REPLY
    status: int = 200
    retry_after: str | None = None
    error_message: str | None = None  # the error body's message for a non-200 status
    chunk_chars: int = 4  # characters of text per streamed delta
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0
    malformed_after: int | None = None  # content chunks sent before a malformed one
    cut_after: int | None = None  # content chunks sent before the connection drops
    hang_after: int | None = None  # content chunks sent before the server goes silent
    send_done: bool = True
    finish_reason: str | None = "stop"


def reply(text: str = DEFAULT_REPLY, **options: Any) -> Behaviour:
    return Behaviour(text=text, **options)


def slow(
    text: str = DEFAULT_REPLY, *, first_byte_delay: float = 0.0, chunk_delay: float = 0.0
) -> Behaviour:
    return Behaviour(text=text, first_byte_delay=first_byte_delay, chunk_delay=chunk_delay)


def status(code: int, *, retry_after: str | None = None, message: str | None = None) -> Behaviour:
    return Behaviour(status=code, retry_after=retry_after, error_message=message)


def malformed(text: str = DEFAULT_REPLY, *, after: int = 1) -> Behaviour:
    return Behaviour(text=text, malformed_after=after)


def cut(text: str = DEFAULT_REPLY, *, after: int = 1) -> Behaviour:
    return Behaviour(text=text, cut_after=after)


def no_done(text: str = DEFAULT_REPLY, *, finish_reason: str | None = "stop") -> Behaviour:
    return Behaviour(text=text, send_done=False, finish_reason=finish_reason)


def hang(text: str = DEFAULT_REPLY, *, after: int = 0) -> Behaviour:
    return Behaviour(text=text, hang_after=after)


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])


class LLMServer(LoopbackService):
    thread_name = "llm-server"

    def __init__(self, *, api_key: str | None = None, hang_timeout_seconds: float = 30.0) -> None:
        super().__init__()
        self.api_key = api_key
        self.hang_timeout_seconds = hang_timeout_seconds
        self._lock = threading.Lock()
        self._queue: list[Behaviour] = []
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    def script(self, *behaviours: Behaviour | str) -> None:
        """Queue behaviours for the next requests; a plain string is a reply."""
        with self._lock:
            self._queue.extend(reply(b) if isinstance(b, str) else b for b in behaviours)

    # -- lifecycle (LoopbackService: ``with LLMServer() as server``) -------------------------

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_class(self)

    def release(self) -> None:
        self._stopping.set()  # releases hanging handlers

    # -- called on the server's threads ----------------------------------------------------

    def _next(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Behaviour:
        with self._lock:
            self._requests.append(RecordedRequest(path, headers, body))
            behaviour = self._queue.pop(0) if self._queue else Behaviour()
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return replace(behaviour, status=401, retry_after=None, error_message="bad key")
        return behaviour

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _hang(self) -> None:
        self._stopping.wait(self.hang_timeout_seconds)


@contextmanager
def running_llm_server(**options: Any) -> Iterator[LLMServer]:
    with LLMServer(**options) as server:
        yield server


def pieces(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _error_body(code: int, message: str | None) -> bytes:
    kind = "rate_limit_error" if code == 429 else "invalid_request_error"
    if code >= 500:
        kind = "server_error"
    error = {"message": message or f"scripted HTTP {code}", "type": kind, "code": None}
    return json.dumps({"error": error}).encode()


def _handler_class(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                body = {"raw": raw.decode(errors="replace")}
            headers = {name.lower(): value for name, value in self.headers.items()}
            behaviour = server._next(self.path, headers, body)
            try:
                if self.path != CHAT_PATH:
                    self._send_json(404, {"error": {"message": "not found"}})
                else:
                    self._answer(behaviour, body)
            except OSError:
                pass  # the client went away (a timeout): nothing more to send
            self.close_connection = True

        def _answer(self, behaviour: Behaviour, body: dict[str, Any]) -> None:
            model, messages = body.get("model"), body.get("messages")
            server._pause(behaviour.first_byte_delay)
            if behaviour.hang_after == 0:
                server._hang()
                return
            if behaviour.status != 200:
                extra = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
                self._send_raw(
                    behaviour.status, _error_body(behaviour.status, behaviour.error_message), extra
                )
            elif body.get("stream") is True:
                self._stream(behaviour, model)
            else:
                prompt = (
                    [m for m in messages if isinstance(m, dict)]
                    if isinstance(messages, list)
                    else []
                )
                self._send_json(200, _completion(behaviour, model, prompt))

        def _stream(self, behaviour: Behaviour, model: Any) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            created = int(time.time())

            def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
                chunk = {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                return f"data: {json.dumps(chunk)}\n\n".encode()

            self._chunk(event({"role": "assistant", "content": ""}))
            for sent, piece in enumerate(pieces(behaviour.text, behaviour.chunk_chars)):
                if sent == behaviour.malformed_after:
                    self._chunk(b'data: {"id": "chatcmpl-scripted", "choices": [ not json\n\n')
                if sent == behaviour.cut_after:
                    return  # no terminating chunk: the client sees an incomplete body
                if sent == behaviour.hang_after:
                    server._hang()
                    return
                if sent:
                    server._pause(behaviour.chunk_delay)
                self._chunk(event({"content": piece}))
            self._chunk(event({}, behaviour.finish_reason))
            if behaviour.send_done:
                self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _send_json(self, code: int, payload: dict[str, Any]) -> None:
            self._send_raw(code, json.dumps(payload).encode(), {})

        def _send_raw(self, code: int, body: bytes, extra: dict[str, str]) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


def _completion(behaviour: Behaviour, model: Any, prompt: list[Any]) -> dict[str, Any]:
    prompt_tokens = sum(len(str(message.get("content", "")).split()) for message in prompt)
    completion_tokens = len(behaviour.text.split())
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": behaviour.text},
                "finish_reason": behaviour.finish_reason or "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
