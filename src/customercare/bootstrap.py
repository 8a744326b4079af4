"""Builds a process's ``Runtime`` from the settings: the database engine, the vector store,
the job queue and its ingestion handler. Only entry points import this (the app's lifespan,
``ccgpt`` commands, the worker, tests)."""

from __future__ import annotations

import threading
import time
from typing import Literal

from customercare.db.engine import make_engine, make_session_factory
from customercare.jobs import (
    IngestionHandler,
    IngestionRequest,
    InProcessJobQueue,
    JobInterrupted,
    JobQueue,
    RetryableJobError,
)
from customercare.knowledge.ingestion import ingest_document
from customercare.observability import metrics
from customercare.runtime import Runtime
from customercare.search.embedding import Embedder
from customercare.search.vectorstore.chroma import ChromaVectorStore, make_chroma_client
from customercare.settings import Settings

__all__ = ["JobMode", "build_runtime", "ingestion_handler"]

# auto: Redis when REDIS_URL is set, else a background thread; inline: in the caller's
# thread; None: no queue (the worker; or the caller sets a collecting one).
JobMode = Literal["auto", "inprocess", "inline", "redis"]


def build_runtime(
    settings: Settings, *, jobs: JobMode | None = "auto", embedder: Embedder | None = None
) -> Runtime:
    engine = metrics.observe_pool(make_engine(settings.resolved_database_url))
    client = make_chroma_client(url=settings.chroma_url, path=settings.chroma_path)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        vector_store=ChromaVectorStore(client),
        _embedder=embedder,
    )
    if jobs is not None:
        runtime.jobs = _build_job_queue(runtime, jobs)
    return runtime


def _build_job_queue(runtime: Runtime, mode: JobMode) -> JobQueue:
    settings = runtime.settings
    if mode == "redis" or (mode == "auto" and settings.redis_url):
        # Imported here: dramatiq is only needed where Redis is configured.
        from customercare.jobs.redis_queue import RedisJobQueue

        if not settings.redis_url:
            raise RuntimeError("REDIS_URL is required for the Redis job queue")
        return RedisJobQueue(
            settings.redis_url,
            queue_name=settings.job_queue_name,
            heartbeat_timeout_ms=settings.job_heartbeat_timeout_ms,
        )
    stop = threading.Event()  # set by the queue's close(); the job stops at a checkpoint
    return InProcessJobQueue(
        ingestion_handler(runtime, stop=stop),
        mode="inline" if mode == "inline" else "thread",
        max_retries=settings.job_max_retries,
        threads=settings.worker_threads,
        stop=stop,
        shutdown_grace_seconds=settings.job_shutdown_grace_seconds,
    )


def ingestion_handler(runtime: Runtime, *, stop: threading.Event | None = None) -> IngestionHandler:
    def handler(request: IngestionRequest) -> None:
        # Every queue runs jobs through here: one place counts and times them. A retryable
        # failure is counted as "retried" (the queue runs it again), any other as "failed".
        metrics.ingestion_jobs.labels(event="started").inc()
        metrics.ingestion_jobs_running.inc()
        started, outcome = time.perf_counter(), "failed"
        try:
            ingest_document(runtime, request, stop=stop)
            outcome = "succeeded"
        except RetryableJobError:
            outcome = "retried"
            raise
        except JobInterrupted:
            outcome = "interrupted"
            raise
        finally:
            metrics.ingestion_jobs_running.dec()
            metrics.ingestion_jobs.labels(event=outcome).inc()
            metrics.ingestion_job_seconds.labels(outcome=outcome).observe(
                time.perf_counter() - started
            )

    return handler
