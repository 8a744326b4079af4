"""A real OpenAI-compatible embeddings server on loopback, for tests of remote embedders.

``POST /embeddings`` with ``{"model": ..., "input": [...]}`` answers like the OpenAI API with
deterministic vectors: a hashed bag of words in ``dimension`` dimensions (not normalised, so
similar texts get similar vectors and the client must normalise). Its behaviour is
controllable from the test:

- ``fail_next(n)``: the next ``n`` requests get HTTP 500 (or another status);
- ``malformed_next(n)``: the next ``n`` requests get a 200 whose body is not JSON;
- ``stall()`` / ``release()``: requests block until released, like a slow provider;
  ``wait_for_stalled()`` waits until a request is blocked;
- ``shuffle``: ``data`` comes back in another order than the input (``index`` is right);
- ``api_key``: a request without ``Authorization: Bearer <api_key>`` gets 401.

Use it as a context manager; leaving it releases stalled requests and joins every thread."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackService

WORD = re.compile(r"\w+")


def hashed_vector(text: str, dimension: int) -> list[float]:
    """Bag of words hashed into ``dimension`` buckets with a +/-1 sign per word."""
    vector = [0.0] * dimension
    for word in WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "big") % dimension
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    if not any(vector):
        vector[0] = 1.0  # no words: still a usable (non-zero) vector
    return vector


class EmbeddingServer(LoopbackService):
    thread_name = "embedding-server"

    def __init__(
        self,
        *,
        dimension: int = 64,
        api_key: str | None = None,
        shuffle: bool = False,
        stall_timeout_seconds: float = 30.0,
    ) -> None:
        super().__init__()
        self.dimension = dimension
        self.api_key = api_key
        self.shuffle = shuffle
        self.stall_timeout_seconds = stall_timeout_seconds
        self.requests: list[dict[str, Any]] = []  # every parsed body, in arrival order
        self.authorizations: list[str | None] = []
        self._lock = threading.Lock()
        self._failures: list[int] = []  # statuses of the next failing requests
        self._malformed = 0
        self._released = threading.Event()
        self._released.set()
        self._stalled = 0
        self._stalled_changed = threading.Condition(self._lock)

    # -- control ---------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def stalled_count(self) -> int:
        """Requests blocked right now."""
        with self._lock:
            return self._stalled

    def fail_next(self, count: int, *, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def malformed_next(self, count: int) -> None:
        with self._lock:
            self._malformed += count

    def stall(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_for_stalled(self, timeout: float) -> bool:
        """True once at least one request is blocked by ``stall()``."""
        with self._stalled_changed:
            return self._stalled_changed.wait_for(lambda: self._stalled > 0, timeout=timeout)

    # -- lifecycle (LoopbackService: ``with EmbeddingServer() as server``) -------------------

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_class(self)

    # -- request handling (called on the server's threads) ---------------------------------

    def _answer(self, body: bytes, authorization: str | None) -> tuple[int, bytes]:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with self._lock:
            self.requests.append(payload if isinstance(payload, dict) else {"raw": body})
            self.authorizations.append(authorization)
            failure = self._failures.pop(0) if self._failures else None
            malformed = self._malformed > 0
            self._malformed -= int(malformed)
        if not self._released.is_set():
            with self._stalled_changed:
                self._stalled += 1
                self._stalled_changed.notify_all()
            try:
                if not self._released.wait(self.stall_timeout_seconds):
                    return 503, _error("stalled too long")
            finally:
                with self._stalled_changed:
                    self._stalled -= 1
        if self.api_key is not None and authorization != f"Bearer {self.api_key}":
            return 401, _error("invalid api key")
        if failure is not None:
            return failure, _error("internal error")
        if malformed:
            return 200, b'{"object": "list", "data": [ this is not json'
        inputs = payload.get("input") if isinstance(payload, dict) else None
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(item, str) for item in inputs):
            return 400, _error("input must be a string or a list of strings")
        return 200, json.dumps(self._embeddings(payload.get("model"), inputs)).encode()

    def _embeddings(self, model: object, inputs: Sequence[str]) -> dict[str, Any]:
        data = [
            {"object": "embedding", "index": i, "embedding": hashed_vector(text, self.dimension)}
            for i, text in enumerate(inputs)
        ]
        if self.shuffle and len(data) > 1:
            # Deterministic, and never the identity order: reversed, then rotated by one.
            data = data[::-1]
            data = data[1:] + data[:1]
        tokens = sum(len(WORD.findall(text)) for text in inputs)
        return {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "server_error"}}).encode()


def _handler_class(server: EmbeddingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no thread idles on a kept-alive socket.
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/embeddings":
                self._send(404, _error("not found"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status, response = server._answer(body, self.headers.get("Authorization"))
            self._send(status, response)

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client went away (a killed worker): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
