"""Liveness, readiness and the JSON error shape of routes that do not exist."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.runtime import Runtime
from tests.support.loopback import free_port
from tests.support.private_servers import private_redis


def test_healthz_answers_without_a_key(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_vector_store(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    expected = {"database": "ok", "vector_store": "ok"}
    if client.app.state.runtime.settings.redis_url:
        expected["redis"] = "ok"
    assert body["checks"] == expected


def with_redis(runtime: Runtime, url: str) -> TestClient:
    settings = runtime.settings.model_copy(update={"redis_url": url})
    return TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings)))


def test_readyz_reports_redis_when_it_is_configured(runtime: Runtime) -> None:
    with private_redis() as server, with_redis(runtime, server.url) as client:
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["checks"]["redis"] == "ok"
        server.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["redis"].startswith("error")
        assert response.json()["status"] == "unavailable"


def test_readyz_without_redis_does_not_mention_it(runtime: Runtime) -> None:
    if runtime.settings.redis_url:
        return
    assert "redis" not in TestClient(create_app(runtime=runtime)).get("/readyz").json()["checks"]


def test_readyz_with_redis_unreachable_is_unavailable(runtime: Runtime) -> None:
    with with_redis(runtime, f"redis://127.0.0.1:{free_port()}/0") as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def test_unknown_route_is_a_json_404(client: Any) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"]
    assert error["details"] == {}


def test_wrong_method_is_a_json_405(client: Any) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/json")
    assert "GET" in response.headers["allow"]
    error = response.json()["error"]
    assert error["code"] == "method_not_allowed"
    assert error["message"]
    assert error["details"] == {}


def test_wrong_method_on_an_api_route_is_a_json_405(tenant: Any) -> None:
    response = tenant.client.patch("/api/v1/documents", headers=tenant.headers)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
