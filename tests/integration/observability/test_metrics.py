"""``/metrics``: Prometheus text with bounded labels, protected (a token, else loopback
clients that no proxy stands in front of), and one answer for every API process."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from customercare.app import create_app
from customercare.runtime import Runtime
from customercare.settings import Settings
from tests.conftest import Tenant
from tests.support.served import ccgpt_serve

LOOPBACK = ("127.0.0.1", 50123)


@contextmanager
def metrics_client(
    runtime: Runtime, *, peer: tuple[str, int] = LOOPBACK, token: str | None = None
) -> Iterator[TestClient]:
    settings = runtime.settings.model_copy(
        update={"metrics_token": SecretStr(token) if token else None}
    )
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings))
    with TestClient(app, client=peer) as client:
        yield client


def sample(body: str, name: str, **labels: str) -> float | None:
    """The value of one series in the text format, or None when it is absent."""
    for line in body.splitlines():
        matched = re.fullmatch(re.escape(name) + r"(?:\{(.*)\})? (\S+)", line)
        if matched is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', matched.group(1) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(matched.group(2))
    return None


def test_requests_are_counted_by_route_template_not_path(runtime: Runtime, tenant: Tenant) -> None:
    missing = uuid.uuid4().hex
    with metrics_client(runtime) as client:
        before = client.get("/metrics").text
        labels = {"method": "GET", "route": "/api/v1/documents/{document_id}", "status": "4xx"}
        counted = sample(before, "ccgpt_http_requests_total", **labels) or 0.0
        for _ in range(3):
            reply = client.get(f"/api/v1/documents/{missing}", headers=tenant.headers)
            assert reply.status_code == 404
        client.get("/no/such/page")
        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    body = scraped.text
    assert sample(body, "ccgpt_http_requests_total", **labels) == counted + 3
    assert sample(body, "ccgpt_http_requests_total", route="unmatched", status="4xx")
    # Nothing unbounded in a label: no ids, no raw paths, no workspace.
    assert missing not in body
    assert "/no/such/page" not in body
    assert tenant.workspace_id not in body
    assert sample(body, "ccgpt_http_request_duration_seconds_count", route="/metrics") is not None


def test_the_ingestion_backlog_and_pool_gauges_are_exported(runtime: Runtime) -> None:
    with metrics_client(runtime) as client:
        body = client.get("/metrics").text
    assert sample(body, "ccgpt_ingestion_backlog", status="pending") is not None
    assert sample(body, "ccgpt_ingestion_backlog", status="processing") is not None
    assert sample(body, "ccgpt_db_pool_checked_out") is not None
    assert (sample(body, "ccgpt_process_resident_memory_bytes") or 0) > 0


def test_a_remote_or_proxied_client_is_refused_without_a_token(runtime: Runtime) -> None:
    with metrics_client(runtime, peer=("10.20.30.40", 50000)) as remote:
        refused = remote.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    with metrics_client(runtime) as local:
        proxied = local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


def test_with_a_token_only_the_token_may_scrape(runtime: Runtime) -> None:
    token = "scrape-" + uuid.uuid4().hex  # pragma: allowlist secret
    with metrics_client(runtime, peer=("10.20.30.40", 50000), token=token) as client:
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        good = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200
    assert "ccgpt_http_requests_total" in good.text


@pytest.mark.production
def test_every_api_process_is_counted(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Two workers, one scrape: the requests of both processes are in it."""
    if not settings.database_url:
        pytest.skip("several API processes need the production backend")
    environment = {
        "CCGPT_DATA_DIR": str(tmp_path_factory.mktemp("metrics")),
        "CCGPT_LOG_LEVEL": "WARNING",
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "CHROMA_URL": settings.chroma_url or "",
        "CCGPT_JOB_QUEUE_NAME": settings.job_queue_name,
    }
    with ccgpt_serve(environment, ready_path="/readyz", arguments=["--workers", "2"]) as url:
        requests = 40
        for _ in range(requests):  # a new connection each: the kernel spreads them
            assert httpx.get(f"{url}/api/v1/search?q=x", timeout=10).status_code == 401
        body = httpx.get(f"{url}/metrics", timeout=10).text
    route = {"method": "GET", "route": "/api/v1/search", "status": "4xx"}
    assert sample(body, "ccgpt_http_requests_total", **route) == requests
    pids = set(re.findall(r'ccgpt_process_resident_memory_bytes\{pid="(\d+)"', body))
    assert len(pids) == 2, body


def test_chat_turns_are_counted_by_decision_with_their_stage_times(
    runtime: Runtime, tenant: Tenant
) -> None:
    tenant.ingest(
        "returns.md",
        b"# Returns\n\nYou can return a phone within 30 days of delivery for a full refund.\n",
    )
    with metrics_client(runtime) as client:
        before = client.get("/metrics").text
        answered = sample(before, "ccgpt_chat_turns_total", decision="answered") or 0.0
        stages = sample(before, "ccgpt_answer_stage_seconds_count", stage="first_token") or 0.0
        reply = client.post(
            "/api/v1/chat",
            json={"message": "How long do I have to return a phone?"},
            headers=tenant.headers,
        )
        assert reply.json()["decision"] == "answered", reply.text
        after = client.get("/metrics").text
    assert sample(after, "ccgpt_chat_turns_total", decision="answered") == answered + 1
    assert sample(after, "ccgpt_answer_stage_seconds_count", stage="first_token") == stages + 1
    assert {"retrieve", "decide", "first_token", "total"} <= set(reply.json()["timings_ms"])
    assert sample(after, "ccgpt_answer_stage_seconds_count", stage="decide") is not None
