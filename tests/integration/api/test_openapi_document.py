"""The OpenAPI document declares the errors each operation can answer with (one JSON error
body), the Server-Sent Events of ``POST /api/v1/chat``; and a 405 lists in ``Allow`` every
method of the path, not only those of the first route that matched."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def responses(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][path][method]["responses"]
    return found


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        # 503: every operation but /healthz needs the database (docs/architecture.md, Faults).
        ("get", "/api/v1/documents", {"200", "401", "403", "404", "422", "429", "503"}),
        (
            "get",
            "/api/v1/documents/{document_id}",
            {"200", "401", "403", "404", "422", "429", "503"},
        ),
        (
            "post",
            "/api/v1/documents",
            {"202", "400", "401", "403", "404", "409", "413", "415", "422", "429", "503"},
        ),
        ("post", "/api/v1/auth/sign-in", {"200", "400", "401", "403", "422", "429", "503"}),
        ("post", "/api/v1/auth/sign-up", {"201", "400", "409", "422", "429", "503"}),
        ("get", "/healthz", {"200"}),
        ("get", "/readyz", {"200", "503"}),
    ],
)
def test_each_operation_declares_its_error_statuses(
    document: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    assert set(responses(document, method, path)) == statuses


def test_every_error_response_is_the_json_error_body(document: dict[str, Any]) -> None:
    errors = [
        declared
        for item in document["paths"].values()
        for operation in item.values()
        for status, declared in operation["responses"].items()
        if status >= "400"
    ]
    assert len(errors) > 100
    for declared in errors:
        schema = declared["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    schemas = document["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["error"]
    assert "HTTPValidationError" not in schemas


def test_the_chat_answer_may_be_server_sent_events(document: dict[str, Any]) -> None:
    content = responses(document, "post", "/api/v1/chat")["200"]["content"]
    assert set(content) == {"application/json", "text/event-stream"}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/documents", "GET, POST"),
        ("PATCH", "/api/v1/documents", "GET, POST"),
        ("OPTIONS", "/api/v1/documents/web", "POST"),
        ("OPTIONS", "/api/v1/documents/some-id", "DELETE, GET"),
        ("PUT", "/api/v1/chat", "POST"),
        ("POST", "/healthz", "GET"),
    ],
)
def test_a_405_lists_every_allowed_method(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"
