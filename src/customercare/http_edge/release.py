"""The release this process runs, on every response (``X-CCGPT-Version``), and the chat fault
switch the deployment tests use to build a release that fails after the switch
(``CCGPT_FAULT_CHAT_5XX``, docs/deployment.md): its chat routes answer 500 to requests that
came through the proxy (they carry ``X-Forwarded-For``), so the release passes the smoke tests
on its own port and fails with real traffic, like a bug that only production traffic finds.
A pure ASGI middleware: streaming-safe."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["VERSION_HEADER", "ReleaseMiddleware"]

VERSION_HEADER = "x-ccgpt-version"
CHAT_PREFIXES = ("/api/v1/chat", "/v1/chat/completions")


class ReleaseMiddleware:
    def __init__(self, app: ASGIApp, *, version: str, fail_chat: bool = False) -> None:
        self.app = app
        self.version = version.encode()
        self.fail_chat = fail_chat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            self.fail_chat
            and str(scope.get("path", "")).startswith(CHAT_PREFIXES)
            and any(name == b"x-forwarded-for" for name, _ in scope.get("headers", []))
        ):
            body = json.dumps(
                {"error": {"code": "internal_error", "message": "chat fault switch is on"}}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (VERSION_HEADER.encode(), self.version),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (VERSION_HEADER.encode(), self.version)]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_version)
