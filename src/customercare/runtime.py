"""The long-lived parts a process needs (database, vector store, embedder, job queue), built
once from the settings. The API, the worker and the CLI each build one; tests build their own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from customercare.answers.providers.base import AnswerProvider
from customercare.db.engine import make_engine, make_session_factory
from customercare.jobs.base import IngestionHandler, IngestionRequest, JobQueue
from customercare.limits.counters import CounterStore, build_counter_store
from customercare.search.embedding import Embedder, build_embedder
from customercare.search.vectorstore.base import VectorStore
from customercare.search.vectorstore.chroma import ChromaVectorStore, make_chroma_client
from customercare.settings import Settings

JobMode = Literal["auto", "inprocess", "inline", "redis"]


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vector_store: VectorStore
    jobs: JobQueue | None = None
    _embedder: Embedder | None = None
    _embedder_lock: threading.Lock = field(default_factory=threading.Lock)
    _answer_provider: AnswerProvider | None = None
    _counters: CounterStore | None = None

    @property
    def embedder(self) -> Embedder:
        # Loaded on first use: commands that never embed do not pay for the model.
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    self._embedder = build_embedder(self.settings)
        return self._embedder

    @property
    def answer_provider(self) -> AnswerProvider:
        if self._answer_provider is None:
            from customercare.answers.providers import build_provider

            self._answer_provider = build_provider(self.settings, embedder=self.embedder)
        return self._answer_provider

    @property
    def counters(self) -> CounterStore:
        """Rate-limit and throttling counters: Redis when configured, else this process."""
        if self._counters is None:
            self._counters = build_counter_store(self.settings.redis_url)
        return self._counters

    @property
    def job_queue(self) -> JobQueue:
        if self.jobs is None:
            raise RuntimeError("this runtime was built without a job queue")
        return self.jobs

    def close(self) -> None:
        if self.jobs is not None:
            self.jobs.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings, *, jobs: JobMode | None = "auto", embedder: Embedder | None = None
) -> Runtime:
    engine = make_engine(settings.resolved_database_url)
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
        from customercare.jobs.redis_queue import RedisJobQueue

        if not settings.redis_url:
            raise RuntimeError("REDIS_URL is required for the Redis job queue")
        return RedisJobQueue(
            settings.redis_url,
            queue_name=settings.job_queue_name,
            heartbeat_timeout_ms=settings.job_heartbeat_timeout_ms,
        )
    from customercare.jobs.inprocess import InlineJobQueue, InProcessJobQueue

    queue = InlineJobQueue if mode == "inline" else InProcessJobQueue
    return queue(ingestion_handler(runtime), max_retries=settings.job_max_retries)


def ingestion_handler(runtime: Runtime) -> IngestionHandler:
    from customercare.knowledge.ingestion import ingest_document

    def handler(request: IngestionRequest) -> None:
        ingest_document(runtime, request)

    return handler
