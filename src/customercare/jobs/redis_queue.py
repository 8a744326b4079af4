"""Jobs through Redis with Dramatiq: the API enqueues, ``ccgpt worker`` processes consume.

Delivery is at least once: a message stays unacknowledged until its job returns, and when a
worker dies its heartbeat stops, so another worker requeues the message. Jobs are therefore
idempotent (deterministic chunk ids, an atomic swap of the indexed version)."""

from __future__ import annotations

import signal
import threading
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from customercare.jobs.base import IngestionHandler, IngestionRequest, RetryableJobError
from customercare.observability import metrics

ACTOR_NAME = "ingest_document"


def make_broker(url: str, *, heartbeat_timeout_ms: int) -> RedisBroker:
    # Maintenance (requeueing dead workers' messages) runs on a share of commands; a high
    # chance keeps recovery prompt, and its cost is one cheap script call.
    broker: RedisBroker = RedisBroker(  # type: ignore[no-untyped-call]
        url=url, heartbeat_timeout=heartbeat_timeout_ms, maintenance_chance=100_000
    )
    return broker


class RedisJobQueue:
    def __init__(self, url: str, *, queue_name: str, heartbeat_timeout_ms: int) -> None:
        self._broker = make_broker(url, heartbeat_timeout_ms=heartbeat_timeout_ms)
        self._queue_name = queue_name
        self._broker.declare_queue(queue_name)

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=self._queue_name,
            actor_name=ACTOR_NAME,
            args=(request.document_id, request.version),
            kwargs={},
            options={},
        )
        self._broker.enqueue(message)
        metrics.ingestion_jobs.labels(event="queued").inc()

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        return True

    def close(self) -> None:
        self._broker.close()


def run_worker(
    url: str,
    *,
    queue_name: str,
    handler: IngestionHandler,
    heartbeat_timeout_ms: int,
    max_retries: int,
    threads: int = 1,
    stop: threading.Event | None = None,
) -> None:
    """Consume ingestion jobs until SIGINT/SIGTERM (or ``stop`` is set)."""
    broker = make_broker(url, heartbeat_timeout_ms=heartbeat_timeout_ms)
    dramatiq.set_broker(broker)

    def ingest_document(document_id: str, version: int) -> None:
        handler(IngestionRequest(document_id=document_id, version=version))

    dramatiq.Actor(
        ingest_document,
        broker=broker,
        actor_name=ACTOR_NAME,
        queue_name=queue_name,
        priority=0,
        options={
            "max_retries": max_retries,
            "min_backoff": 500,
            "max_backoff": 10_000,
            "retry_when": lambda _retries, error: isinstance(error, RetryableJobError),
            "time_limit": 30 * 60 * 1000,
        },
    )
    worker = dramatiq.Worker(
        broker, queues={queue_name}, worker_threads=threads, worker_timeout=200
    )
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    worker.start()
    try:
        stop.wait()
    finally:
        worker.stop()
        broker.close()
