"""The widget key's per-visitor rate limit covers every widget endpoint, the frame token and
the WebSocket (each message) included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from customercare.runtime import Runtime
from tests.integration.limits.test_rate_limits import limited_client
from tests.integration.widget.conftest import Site, new_site

LIMIT = 3


@pytest.fixture
def limited(runtime: Runtime) -> Iterator[Site]:
    with limited_client(runtime, rate_limit_per_widget_key_per_minute=LIMIT) as client:
        yield new_site(runtime, client)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/widget/settings", None),
        ("post", "/api/v1/widget/visitors", {}),
        ("get", "/api/v1/widget/conversation", None),
        ("post", "/api/v1/widget/conversations", None),
        ("post", "/api/v1/widget/typing", {"conversation_id": "c"}),
    ],
)
def test_widget_endpoints_answer_429_over_the_limit(
    limited: Site, method: str, path: str, body: dict[str, str] | None
) -> None:
    headers = limited.bearer()  # the frame page is not counted: it is not an API call
    statuses = []
    for _ in range(LIMIT + 1):
        kwargs = {"headers": headers, **({"json": body} if body is not None else {})}
        statuses.append(getattr(limited.client, method)(path, **kwargs).status_code)
    assert statuses[-1] == 429
    assert 429 not in statuses[:-1]


def test_socket_messages_count_against_the_limit(limited: Site) -> None:
    token = limited.frame_token()
    visitor = limited.visitor(token)["visitor_token"]  # one request
    with limited.client.websocket_connect(
        "/api/v1/widget/ws", subprotocols=["ccgpt.bearer", token]
    ) as socket:
        socket.send_json({"type": "hello", "visitor_token": visitor})
        socket.receive_json()
        for _ in range(LIMIT - 1):
            socket.send_json({"type": "nonsense"})
            assert socket.receive_json()["error"]["code"] == "invalid_request"
        socket.send_json({"type": "nonsense"})
        assert socket.receive_json()["error"]["code"] == "rate_limited"
