"""The job queue is down when a document is uploaded: the document is stored and answered
202 ``pending`` (never a 500 for a change that is committed, never half-registered), and the
sweep queues it once the queue is back; documents whose job was lost are queued again."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.jobs import IngestionRequest
from customercare.runtime import Runtime
from customercare.sweeps import requeue_documents


class DownQueue:
    """A queue whose server does not answer (what redis-py raises when Redis is down)."""

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        return True

    def close(self) -> None:
        pass


@pytest.fixture
def queue_down(runtime: Runtime) -> Iterator[TestClient]:
    down = dataclasses.replace(runtime, jobs=DownQueue())
    with TestClient(create_app(runtime=down), raise_server_exceptions=False) as client:
        yield client


def test_an_upload_while_the_queue_is_down_is_stored_and_queued_later(
    queue_down: TestClient, runtime: Runtime, tenant: Any
) -> None:
    data = b"# Returns\n\nPhones can be returned within 30 days of delivery.\n"
    response = queue_down.post(
        "/api/v1/documents", headers=tenant.headers, files={"file": ("returns.md", data)}
    )
    assert response.status_code == 202, response.text
    document = response.json()["document"]
    assert document["status"] == "pending"
    # Not queued, so it stays pending; the sweep skips it while it is recent...
    assert requeue_documents(runtime.sessions, runtime.job_queue, stale_seconds=3600) == 0
    # ...and queues it once it has not changed for the timeout.
    time.sleep(0.05)
    assert requeue_documents(runtime.sessions, runtime.job_queue, stale_seconds=0.01) >= 1
    done = tenant.wait_until_done(document["id"])
    assert done["status"] == "ready"
    assert done["chunk_count"] == 1


def test_a_queue_still_down_leaves_the_documents_for_the_next_sweep(
    queue_down: TestClient, runtime: Runtime, tenant: Any
) -> None:
    data = b"# Warranty\n\nEvery phone has a two-year warranty.\n"
    response = queue_down.post(
        "/api/v1/documents", headers=tenant.headers, files={"file": ("warranty.md", data)}
    )
    assert response.status_code == 202, response.text
    time.sleep(0.05)
    with pytest.raises(redis.exceptions.ConnectionError):
        requeue_documents(runtime.sessions, DownQueue(), stale_seconds=0.01)
    # Untouched by the failed sweep: the next one queues it at once.
    assert requeue_documents(runtime.sessions, runtime.job_queue, stale_seconds=0.01) >= 1
    assert tenant.wait_until_done(response.json()["document"]["id"])["status"] == "ready"
