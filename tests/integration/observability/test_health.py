"""Liveness, readiness and the JSON error shape of routes that do not exist."""

from __future__ import annotations

from typing import Any


def test_healthz_answers_without_a_key(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_vector_store(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "vector_store": "ok"}


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
