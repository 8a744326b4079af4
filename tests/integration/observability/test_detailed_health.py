"""``GET /api/v1/health/detailed``: every dependency with its status and latency, for
workspace admins only; an optional dependency that fails degrades the report, never
breaks it, and no secret from a connection URL reaches it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.db.engine import transaction
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.tenancy.permissions import Role
from tests.conftest import Tenant
from tests.support.loopback import free_port
from tests.support.mail_server import running_mail_server
from tests.support.tenancy_people import make_member

PATH = "/api/v1/health/detailed"


@contextmanager
def health_client(runtime: Runtime, **changes: Any) -> Iterator[TestClient]:
    settings = runtime.settings.model_copy(update=changes)
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings))
    with TestClient(app) as client:
        yield client


def test_an_admin_sees_every_dependency(runtime: Runtime, tenant: Tenant) -> None:
    reply = tenant.client.get(PATH, headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    report = reply.json()
    checks = report["checks"]
    assert set(checks) == {
        "database",
        "migrations",
        "redis",
        "vector_store",
        "embedder",
        "llm",
        "smtp",
    }
    for name in ("database", "migrations", "vector_store", "embedder"):
        assert checks[name]["status"] == "ok", checks[name]
        assert checks[name]["latency_ms"] >= 0
    assert checks["migrations"]["detail"].startswith("at head ")
    assert checks["llm"]["status"] == "not_configured"  # the offline provider
    expected_redis = "ok" if runtime.settings.redis_url else "not_configured"
    assert checks["redis"]["status"] == expected_redis
    assert report["status"] == "ok"
    assert report["version"]
    assert report["git_revision"]
    assert set(report["ingestion_backlog"]) == {"pending", "processing"}


def test_a_failing_optional_dependency_degrades_without_leaking_its_secret(
    runtime: Runtime, tenant: Tenant
) -> None:
    dead = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"  # pragma: allowlist secret
    with (
        running_mail_server() as mail,
        health_client(runtime, redis_url=dead, **mail.settings()) as client,
    ):
        reply = client.get(PATH, headers=tenant.headers)
    body = reply.json()
    assert reply.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["smtp"]["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert "hunter2" not in reply.text


def test_only_admins_may_read_it(runtime: Runtime, tenant: Tenant) -> None:
    client = tenant.client
    assert client.get(PATH).status_code == 401
    for role in (Role.viewer, Role.agent):
        person = make_member(runtime, workspace_id=tenant.workspace_id, role=role)
        assert client.get(PATH, headers=person.headers(tenant.workspace_id)).status_code == 403
    admin = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.admin)
    assert client.get(PATH, headers=admin.headers(tenant.workspace_id)).status_code == 200
    with transaction(runtime.sessions) as session:
        widget = tenancy.create_api_key(
            session, workspace_id=tenant.workspace_id, name="widget", publishable=True
        )
    refused = client.get(PATH, headers={"Authorization": f"Bearer {widget.secret}"})
    assert refused.status_code == 403
