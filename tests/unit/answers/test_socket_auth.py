"""Where the chat WebSocket's credential comes from: the ``ccgpt.bearer`` subprotocol pair
first, then ``?key=``, then ``Authorization: Bearer``."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocket

from customercare.answers.socket_auth import SocketCredential, socket_credential


def socket(*, subprotocols: list[str], query: bytes = b"", headers: Any = ()) -> WebSocket:
    scope = {
        "type": "websocket",
        "path": "/api/v1/chat/ws",
        "query_string": query,
        "headers": list(headers),
        "subprotocols": subprotocols,
    }

    async def receive() -> Any:
        raise AssertionError("not used")

    async def send(_: Any) -> None:
        raise AssertionError("not used")

    return WebSocket(scope, receive, send)


@pytest.mark.parametrize(
    ("subprotocols", "query", "headers", "expected"),
    [
        (["ccgpt.bearer", "tok-1"], b"key=other", (), SocketCredential("tok-1", "ccgpt.bearer")),
        (["chat", "ccgpt.bearer", "tok-2"], b"", (), SocketCredential("tok-2", "ccgpt.bearer")),
        (["ccgpt.bearer"], b"", (), SocketCredential(None, "ccgpt.bearer")),
        ([], b"key=k-3", (), SocketCredential("k-3", None)),
        ([], b"", [(b"authorization", b"Bearer h-4")], SocketCredential("h-4", None)),
        ([], b"", (), SocketCredential(None, None)),
    ],
)
def test_socket_credential(
    subprotocols: list[str], query: bytes, headers: Any, expected: SocketCredential
) -> None:
    assert socket_credential(socket(subprotocols=subprotocols, query=query, headers=headers)) == (
        expected
    )
