"""Shared fixtures. One runtime per test session on the backend chosen by CCGPT_TEST_BACKEND:

- ``embedded`` (default): SQLite file, embedded Chroma, in-process jobs.
- ``production``: a fresh PostgreSQL database, a Chroma server and Redis with a Dramatiq
  worker thread, from CCGPT_TEST_DATABASE_URL, CCGPT_TEST_CHROMA_URL, CCGPT_TEST_REDIS_URL.

Tests isolate themselves by creating their own workspaces."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from customercare.app import create_app
from customercare.bootstrap import build_runtime, ingestion_handler
from customercare.db.engine import transaction
from customercare.db.migrate import upgrade
from customercare.runtime import Runtime
from customercare.search.embedding import Embedder, build_embedder
from customercare.settings import Settings
from customercare.tenancy import service as tenancy

# No test reads or writes the real per-user data directory (platformdirs' user data dir, or a
# CCGPT_DATA_DIR of the developer's): the process and every server it starts get scratch ones.
# (The model cache stays the machine's: tests read the installed model, never download it.)
_SCRATCH = Path(tempfile.mkdtemp(prefix="ccgpt-tests-"))
os.environ["XDG_DATA_HOME"] = str(_SCRATCH / "xdg-data")
os.environ["CCGPT_DATA_DIR"] = str(_SCRATCH / "data")
for _name in ("CCGPT_API_URL", "CCGPT_API_KEY"):
    os.environ.pop(_name, None)
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

BACKEND = os.environ.get("CCGPT_TEST_BACKEND", "embedded")
TERMINAL_STATUSES = {"ready", "failed"}


def production_urls() -> dict[str, str]:
    names = ("CCGPT_TEST_DATABASE_URL", "CCGPT_TEST_REDIS_URL", "CCGPT_TEST_CHROMA_URL")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise pytest.UsageError(f"backend 'production' needs {', '.join(missing)}")
    return {name: os.environ[name] for name in names}


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    if BACKEND != "production":
        yield None
        return
    admin_url = production_urls()["CCGPT_TEST_DATABASE_URL"]
    name = f"ccgpt_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        Settings(DATABASE_URL=admin_url).resolved_database_url, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = Settings(DATABASE_URL=admin_url).resolved_database_url.rpartition("/")
    yield f"{base}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path_factory.mktemp("data"),
        "crawl_allow_private_addresses": True,
        "job_queue_name": f"ccgpt-test-{uuid.uuid4().hex[:8]}",
        "job_heartbeat_timeout_ms": 3000,
        # Limits: generous, so that no other test meets them (test_rate_limits/test_quotas
        # set their own); quotas off except where test_quotas turns them on.
        "rate_limit_per_ip_per_minute": 1_000_000,
        "rate_limit_per_api_key_per_minute": 1_000_000,
        "rate_limit_per_widget_key_per_minute": 1_000_000,
        "rate_limit_per_user_per_minute": 1_000_000,
        "quotas_enabled": False,
    }
    if postgres_database:
        urls = production_urls()
        values |= {
            "DATABASE_URL": postgres_database,
            "REDIS_URL": urls["CCGPT_TEST_REDIS_URL"],
            "CHROMA_URL": urls["CCGPT_TEST_CHROMA_URL"],
        }
    return Settings(**values)


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> Embedder:
    # Loaded once per session; tests never download (the model is prepared beforehand).
    return build_embedder(settings, allow_download=False)


@pytest.fixture(scope="session")
def runtime(settings: Settings, embedder: Embedder) -> Iterator[Runtime]:
    upgrade(settings.resolved_database_url)
    runtime = build_runtime(settings, embedder=embedder)
    stop = threading.Event()
    worker: threading.Thread | None = None
    if settings.redis_url:
        from customercare.jobs.redis_queue import run_worker

        worker = threading.Thread(
            target=run_worker,
            kwargs={
                "url": settings.redis_url,
                "queue_name": settings.job_queue_name,
                "handler": ingestion_handler(runtime),
                "heartbeat_timeout_ms": settings.job_heartbeat_timeout_ms,
                "max_retries": settings.job_max_retries,
                "threads": settings.worker_threads,
                "stop": stop,
            },
            daemon=True,
        )
        worker.start()
    yield runtime
    stop.set()
    if worker is not None:
        worker.join(timeout=30)
    runtime.close()


@pytest.fixture(scope="session")
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@dataclass
class Tenant:
    workspace_id: str
    api_key: str
    client: TestClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def upload(self, name: str, data: bytes, *, tags: list[str] | None = None) -> httpx.Response:
        form = {"tags": tags} if tags else None
        return self.client.post(
            "/api/v1/documents", headers=self.headers, files={"file": (name, data)}, data=form
        )

    def wait_until_done(self, document_id: str, *, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = self.client.get(f"/api/v1/documents/{document_id}", headers=self.headers)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if body["status"] in TERMINAL_STATUSES:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"document still {body['status']} after {timeout}s")
            time.sleep(0.05)

    def ingest(self, name: str, data: bytes, **kwargs: Any) -> dict[str, Any]:
        response = self.upload(name, data, **kwargs)
        assert response.status_code in (200, 202), response.text
        return self.wait_until_done(response.json()["document"]["id"])

    def search(self, query: str, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/search", headers=self.headers, params={"q": query, **params}
        )
        assert response.status_code == 200, response.text
        hits: list[dict[str, Any]] = response.json()["hits"]
        return hits


@pytest.fixture
def make_tenant(runtime: Runtime, client: TestClient) -> Any:
    def factory(name: str = "Test workspace") -> Tenant:
        with transaction(runtime.sessions) as session:
            workspace = tenancy.create_workspace(session, name=name)
            issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="test")
        return Tenant(workspace.id, issued.secret, client)

    return factory


@pytest.fixture
def tenant(make_tenant: Any) -> Tenant:
    tenant: Tenant = make_tenant()
    return tenant


FIXTURES = Path(__file__).parent / "fixtures"
