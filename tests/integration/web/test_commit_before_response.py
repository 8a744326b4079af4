"""A 2xx means committed: a client that acts on a response at once, over a real connection to
``ccgpt serve``, sees the change. Before the request's transaction committed before the
response, revoked keys and signed-out sessions still worked for a moment and fresh accounts,
workspaces and keys were refused (tens of failures in a few hundred tries)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from customercare.settings import Settings
from tests.support.served import ccgpt_serve

TRIES = 200
PASSWORD = "Correct-Horse-Battery-42"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[str]:
    """The real server on the test run's backend (its PostgreSQL, Redis and Chroma when the
    backend is production), with cheap password hashing: hashing is not what is tested."""
    environment = {
        "CCGPT_DATA_DIR": str(tmp_path_factory.mktemp("served")),
        "CCGPT_LOG_LEVEL": "WARNING",
        "CCGPT_ARGON2_TIME_COST": "1",
        "CCGPT_ARGON2_MEMORY_COST": "8192",
        "CCGPT_ARGON2_PARALLELISM": "1",
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
        "CCGPT_RATE_LIMIT_PER_USER_PER_MINUTE": "0",
        "CCGPT_RATE_LIMIT_PER_API_KEY_PER_MINUTE": "0",
    }
    if settings.database_url:
        environment.update(
            DATABASE_URL=settings.database_url,
            REDIS_URL=settings.redis_url or "",
            CHROMA_URL=settings.chroma_url or "",
            CCGPT_JOB_QUEUE_NAME=settings.job_queue_name,
        )
    with ccgpt_serve(environment, ready_path="/readyz") as url:
        yield url


def _person(api: httpx.Client) -> dict[str, str]:
    """Sign up and sign in at once: the 201 must mean the account exists."""
    email = f"p-{uuid.uuid4().hex[:12]}@example.com"
    created = api.post("/api/v1/auth/sign-up", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    signed_in = api.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def test_accounts_and_workspaces_are_usable_at_once(server: str) -> None:
    failures: list[str] = []
    with httpx.Client(base_url=server, timeout=30) as api:
        for _ in range(40):
            headers = _person(api)
            workspace = api.post("/api/v1/workspaces", headers=headers, json={"name": "Shop"})
            assert workspace.status_code == 201, workspace.text
            scoped = {**headers, "X-Workspace-Id": workspace.json()["id"]}
            if (read := api.get("/api/v1/workspace", headers=scoped)).status_code != 200:
                failures.append(f"new workspace: {read.status_code}")
            if api.post("/api/v1/auth/sign-out", headers=headers).status_code != 204:
                failures.append("sign-out refused")
            if (me := api.get("/api/v1/auth/me", headers=headers)).status_code != 401:
                failures.append(f"signed-out token: {me.status_code}")
    assert failures == []


def test_keys_work_at_once_and_stop_at_once(server: str) -> None:
    failures: list[str] = []
    with httpx.Client(base_url=server, timeout=30) as api:
        headers = _person(api)
        workspace = api.post("/api/v1/workspaces", headers=headers, json={"name": "Keys"})
        admin = {**headers, "X-Workspace-Id": workspace.json()["id"]}
        for _ in range(TRIES):
            created = api.post(
                "/api/v1/api-keys", headers=admin, json={"name": "k", "scopes": ["documents:read"]}
            )
            assert created.status_code == 201, created.text
            key = {"Authorization": f"Bearer {created.json()['secret']}"}
            if (used := api.get("/api/v1/documents", headers=key)).status_code != 200:
                failures.append(f"new key: {used.status_code}")
            revoked = api.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=admin)
            assert revoked.status_code == 204
            if (after := api.get("/api/v1/documents", headers=key)).status_code != 401:
                failures.append(f"revoked key: {after.status_code}")
    assert failures == []
