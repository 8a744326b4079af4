"""The long-lived parts of one process (database, vector store, embedder, job queue, answer
provider, counters, mailer), held together for the entry points: the app and its request
dependencies, the worker and the CLI. ``bootstrap.build_runtime`` builds one.

Services never take the runtime: they take a session and the collaborators they use, which
the entry points hand them from here (docs/architecture.md, "Calling convention")."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from customercare.answers.providers import AnswerProvider, build_provider
from customercare.jobs import JobQueue
from customercare.knowledge.service import PASSAGES
from customercare.limits.counters import CounterStore, build_counter_store
from customercare.live.service import EventBus, build_bus
from customercare.mail import Mailer, build_mailer
from customercare.search.embedding import Embedder, build_embedder
from customercare.search.service import PassageStore, VectorStore
from customercare.settings import Settings

__all__ = ["Runtime"]


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vector_store: VectorStore
    jobs: JobQueue | None = None
    # Search reads passages through knowledge's tables (search never imports knowledge).
    passages: PassageStore = PASSAGES
    _embedder: Embedder | None = None
    _answer_provider: AnswerProvider | None = None
    _counters: CounterStore | None = None
    _mailer: Mailer | None = None
    _live: EventBus | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def embedder(self) -> Embedder:
        # Loaded on first use: commands that never embed do not pay for the model.
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = build_embedder(self.settings)
        return self._embedder

    @property
    def answer_provider(self) -> AnswerProvider:
        if self._answer_provider is None:
            self._answer_provider = build_provider(self.settings, embedder=self.embedder)
        return self._answer_provider

    @property
    def counters(self) -> CounterStore:
        """Rate-limit and throttling counters: Redis when configured, else this process."""
        if self._counters is None:
            self._counters = build_counter_store(self.settings.redis_url)
        return self._counters

    @property
    def mailer(self) -> Mailer:
        """SMTP when a host is configured, else a mailer that only logs."""
        if self._mailer is None:
            self._mailer = build_mailer(self.settings)
        return self._mailer

    @property
    def live(self) -> EventBus:
        """Live events (agent replies, typing, inbox): Redis pub/sub when configured, else
        this process."""
        if self._live is None:
            with self._lock:
                if self._live is None:
                    self._live = build_bus(self.settings)
        return self._live

    @property
    def job_queue(self) -> JobQueue:
        if self.jobs is None:
            raise RuntimeError("this runtime was built without a job queue")
        return self.jobs

    def close(self) -> None:
        if self._live is not None:
            self._live.close()
        if self.jobs is not None:
            self.jobs.close()
        self.engine.dispose()
