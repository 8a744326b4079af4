"""What a client sees when a dependency does not answer: a JSON 503 with Retry-After (the
database, the job queue), and a JSON 500 for anything unexpected; never Starlette's plain
text "Internal Server Error". The database here is a PostgreSQL URL nothing listens on."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.db.engine import make_engine, make_session_factory
from customercare.runtime import Runtime
from tests.support.loopback import free_port


@pytest.fixture
def database_down(runtime: Runtime) -> Iterator[TestClient]:
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    down = dataclasses.replace(
        runtime, engine=engine, sessions=make_session_factory(engine), jobs=None
    )
    app = create_app(runtime=down)

    def broken() -> None:
        raise RuntimeError("a bug")

    def queue_down() -> None:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1")

    app.add_api_route("/test-only/bug", broken)
    app.add_api_route("/test-only/queue-down", queue_down)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    engine.dispose()


def assert_json_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code
    return body


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/api/v1/documents", None),
        ("POST", "/api/v1/chat", {"message": "Where is my parcel?"}),
        ("POST", "/api/v1/auth/sign-in", {"email": "a@example.com", "password": "x" * 12}),
    ],
)
def test_a_database_that_does_not_answer_is_a_json_503_with_retry_after(
    database_down: TestClient, tenant: Any, method: str, path: str, payload: Any
) -> None:
    response = database_down.request(method, path, headers=tenant.headers, json=payload)
    assert_json_error(response, 503, "database_unavailable")
    assert int(response.headers["retry-after"]) > 0


def test_readyz_says_the_database_is_down(database_down: TestClient) -> None:
    response = database_down.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


def test_a_queue_that_does_not_answer_is_a_json_503(database_down: TestClient) -> None:
    response = database_down.get("/test-only/queue-down")
    assert_json_error(response, 503, "queue_unavailable")
    assert int(response.headers["retry-after"]) > 0


def test_an_unexpected_error_is_a_json_500(database_down: TestClient) -> None:
    body = assert_json_error(database_down.get("/test-only/bug"), 500, "internal_error")
    assert "a bug" not in str(body)  # nothing of the exception leaks
