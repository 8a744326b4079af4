"""Rate limits over HTTP: per client IP, per secret key, per widget key (and visitor), per
user; the 429 body and headers; health checks exempt; windows reset; and, with Redis, one
count shared by separate app instances."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from customercare.app import create_app
from customercare.db.engine import transaction
from customercare.errors import RateLimited
from customercare.limits import rate_limits
from customercare.limits.counters import MemoryCounterStore
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Principal

WORKSPACE = "/api/v1/workspace"
ORIGIN = "https://shop.example"


def random_ip() -> str:
    # A fresh address per client: counters in a shared Redis never meet another test's.
    return "10." + ".".join(str(secrets.randbelow(256)) for _ in range(3))


def limited_runtime(runtime: Runtime, *, own_counters: bool = False, **limits: Any) -> Runtime:
    """The session's runtime (same database, stores, queue) with other limit settings; with
    ``own_counters`` it builds its own counter store, as a separate process would."""
    settings = runtime.settings.model_copy(update=limits)
    runtime.counters  # built now, so that the copy shares it  # noqa: B018
    changes: dict[str, Any] = {"settings": settings}
    if own_counters:
        changes["_counters"] = None
    return dataclasses.replace(runtime, **changes)


@contextmanager
def limited_client(
    runtime: Runtime, *, ip: str | None = None, **limits: Any
) -> Iterator[TestClient]:
    app = create_app(runtime=limited_runtime(runtime, **limits))
    with TestClient(app, client=(ip or random_ip(), 50000)) as client:
        yield client


def new_key(runtime: Runtime, *, publishable: bool = False) -> tuple[str, str, str]:
    """(workspace id, key id, secret) of a new workspace's key."""
    with transaction(runtime.sessions) as session:
        workspace = tenancy.create_workspace(session, name="Limits")
        workspace.allowed_domains = [ORIGIN]
        issued = tenancy.create_api_key(
            session, workspace_id=workspace.id, name="limits", publishable=publishable
        )
        return workspace.id, issued.key.id, issued.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_rate_limited(response: Any, *, scope: str, limit: int) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert scope in error["message"]
    details = error["details"]
    assert details["scope"] == scope
    assert details["limit"] == limit
    assert 1 <= details["retry_after"] <= 60
    assert response.headers["Retry-After"] == str(details["retry_after"])
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_ip_limit_counts_every_request_of_one_address(runtime: Runtime) -> None:
    _, _, secret = new_key(runtime)
    ip = random_ip()
    with limited_client(runtime, ip=ip, rate_limit_per_ip_per_minute=3) as client:
        assert client.get(WORKSPACE, headers=bearer(secret)).status_code == 200
        # Unauthenticated requests count too: the IP limit runs before anything else.
        assert client.get(WORKSPACE).status_code == 401
        third = client.get(WORKSPACE, headers=bearer(secret))
        assert third.status_code == 200
        assert third.headers["X-RateLimit-Remaining"] == "0"
        assert_rate_limited(client.get(WORKSPACE, headers=bearer(secret)), scope="ip", limit=3)
    with limited_client(runtime, rate_limit_per_ip_per_minute=3) as other_address:
        assert other_address.get(WORKSPACE, headers=bearer(secret)).status_code == 200


def test_health_checks_are_exempt(runtime: Runtime) -> None:
    with limited_client(runtime, rate_limit_per_ip_per_minute=1) as client:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert "X-RateLimit-Limit" not in client.get("/healthz").headers
        assert client.get("/api/v1/workspace").status_code == 401  # the first counted request
        assert client.get("/api/v1/workspace").status_code == 429
        assert client.get("/healthz").status_code == 200


def test_secret_key_limit_per_key_with_headers_and_body(runtime: Runtime) -> None:
    workspace_id, key_id, secret = new_key(runtime)
    with transaction(runtime.sessions) as session:
        second = tenancy.create_api_key(session, workspace_id=workspace_id, name="second")
    with limited_client(runtime, rate_limit_per_api_key_per_minute=2) as client:
        first = client.get(WORKSPACE, headers=bearer(secret))
        assert first.status_code == 200
        assert first.headers["X-RateLimit-Limit"] == "2"
        assert first.headers["X-RateLimit-Remaining"] == "1"
        assert client.get(WORKSPACE, headers=bearer(secret)).headers["X-RateLimit-Remaining"] == "0"
        refused = client.get(WORKSPACE, headers=bearer(secret))
        assert_rate_limited(refused, scope="api_key", limit=2)
        assert "retry in" in refused.json()["error"]["message"]
        # Another key of the same workspace has its own count.
        assert client.get(WORKSPACE, headers=bearer(second.secret)).status_code == 200
    # Counted under the key's id, never its secret.
    window = runtime.counters.peek(f"rl:api_key:{key_id}", window_seconds=60)
    assert window.count == 3


def test_widget_key_limit_is_separate_from_secret_keys(runtime: Runtime) -> None:
    workspace_id, _, widget = new_key(runtime, publishable=True)
    with transaction(runtime.sessions) as session:
        secret = tenancy.create_api_key(session, workspace_id=workspace_id, name="server").secret
    chat = {"message": "Do you ship to Norway?"}
    visitor = {**bearer(widget), "Origin": ORIGIN}
    with limited_client(
        runtime, rate_limit_per_widget_key_per_minute=2, rate_limit_per_api_key_per_minute=3
    ) as client:
        for _ in range(2):
            response = client.post("/api/v1/chat", json=chat, headers=visitor)
            assert response.status_code == 200, response.text
        assert_rate_limited(
            client.post("/api/v1/chat", json=chat, headers=visitor), scope="widget_key", limit=2
        )
        # The workspace's secret key is not slowed down by its widget's visitors.
        for _ in range(3):
            assert client.get(WORKSPACE, headers=bearer(secret)).status_code == 200
        assert_rate_limited(client.get(WORKSPACE, headers=bearer(secret)), scope="api_key", limit=3)
    # The widget key is public: each visitor address has its own count.
    with limited_client(runtime, rate_limit_per_widget_key_per_minute=2) as another_visitor:
        response = another_visitor.post("/api/v1/chat", json=chat, headers=visitor)
        assert response.status_code == 200, response.text


def test_window_resets(runtime: Runtime) -> None:
    _, _, secret = new_key(runtime)
    with limited_client(
        runtime, rate_limit_window_seconds=1, rate_limit_per_api_key_per_minute=1
    ) as client:
        assert client.get(WORKSPACE, headers=bearer(secret)).status_code == 200
        refused = client.get(WORKSPACE, headers=bearer(secret))
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "1"
        time.sleep(1.3)
        assert client.get(WORKSPACE, headers=bearer(secret)).status_code == 200


def test_zero_disables_a_limit(runtime: Runtime) -> None:
    _, _, secret = new_key(runtime)
    with limited_client(
        runtime, rate_limit_per_ip_per_minute=0, rate_limit_per_api_key_per_minute=0
    ) as client:
        for _ in range(5):
            response = client.get(WORKSPACE, headers=bearer(secret))
            assert response.status_code == 200
            assert "X-RateLimit-Limit" not in response.headers


def test_user_limit_counts_a_person_across_workspaces(runtime: Runtime) -> None:
    limited = dataclasses.replace(
        limited_runtime(runtime, rate_limit_per_user_per_minute=2), _counters=MemoryCounterStore()
    )
    user_id = secrets.token_hex(8)

    def request() -> Request:
        return Request({"type": "http", "client": (random_ip(), 1), "headers": []})

    for workspace_id in ("first", "second"):
        principal = Principal(workspace_id=workspace_id, user_id=user_id)
        rate_limits.enforce_principal(
            request(), limited.counters, limited.settings, principal, ip=None
        )
    with pytest.raises(RateLimited) as refused:
        rate_limits.enforce_principal(
            request(),
            limited.counters,
            limited.settings,
            Principal("third", user_id=user_id),
            ip=None,
        )
    assert refused.value.details["scope"] == "user"


def test_redis_counts_are_shared_by_separate_app_instances(runtime: Runtime) -> None:
    if not runtime.settings.redis_url:
        pytest.skip("needs REDIS_URL (the production backend)")
    _, key_id, secret = new_key(runtime)
    first_runtime = limited_runtime(runtime, own_counters=True, rate_limit_per_api_key_per_minute=3)
    second_runtime = limited_runtime(
        runtime, own_counters=True, rate_limit_per_api_key_per_minute=3
    )
    assert first_runtime.counters is not second_runtime.counters
    statuses: list[int] = []
    with (
        TestClient(create_app(runtime=first_runtime), client=(random_ip(), 1)) as first,
        TestClient(create_app(runtime=second_runtime), client=(random_ip(), 1)) as second,
    ):
        for index in range(8):
            client = first if index % 2 == 0 else second
            statuses.append(client.get(WORKSPACE, headers=bearer(secret)).status_code)
    assert statuses.count(200) == 3
    assert statuses.count(429) == 5
    assert statuses[:3] == [200, 200, 200]
    window = second_runtime.counters.peek(f"rl:api_key:{key_id}", window_seconds=60)
    assert window.count == 8


def test_each_websocket_message_counts_against_the_widget_key(runtime: Runtime) -> None:
    _, _, secret = new_key(runtime, publishable=True)
    with (
        limited_client(runtime, rate_limit_per_widget_key_per_minute=1) as client,
        client.websocket_connect(
            f"/api/v1/chat/ws?key={secret}", headers={"Origin": ORIGIN}
        ) as socket,
    ):
        socket.send_json({"message": "hello there, how do refunds work?"})
        events = []
        while not events or events[-1]["type"] not in ("done", "error"):
            events.append(socket.receive_json())
        assert events[-1]["type"] == "done"
        socket.send_json({"message": "and a second question?"})
        refused = socket.receive_json()
        assert refused["type"] == "error"
        assert refused["error"]["code"] == "rate_limited"
        assert refused["error"]["details"]["retry_after"] >= 1
        # The socket stays usable: the customer can try again after the window.
        socket.send_json({"message": "still there?"})
        assert socket.receive_json()["error"]["code"] == "rate_limited"
