"""Repairs that run in the background of a process, at start and then periodically: what an
outage left half done is finished once the database or the queue is back.

- the API process: questions whose answer could not be stored get a failed answer
  (``conversations.repair_unanswered``);
- ``ccgpt worker``: documents whose job was lost are queued again
  (``knowledge.requeue_stale``).

An entry point starts them; a sweep that fails (the database is still down) is logged and
tried again at the next interval."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from customercare.conversations import service as conversations
from customercare.db.engine import transaction
from customercare.ids import utcnow
from customercare.jobs import JobQueue
from customercare.knowledge import service as knowledge

log = structlog.get_logger(__name__)

__all__ = ["Periodic", "repair_answers", "requeue_documents"]


class Periodic:
    """Runs ``task`` on a daemon thread at start and then every ``interval`` seconds."""

    def __init__(self, name: str, task: Callable[[], object], *, interval: float) -> None:
        self._name, self._task, self._interval = name, task, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ccgpt-{name}", daemon=True)

    def start(self) -> Periodic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._task()
            except Exception as error:  # the database or the queue may still be down
                log.warning("sweep.failed", sweep=self._name, error=repr(error))
            self._stop.wait(self._interval)


def repair_answers(sessions: sessionmaker[Session], *, after_seconds: float) -> int:
    """Record a failed answer for every question unanswered for ``after_seconds``."""
    with transaction(sessions) as session:
        repaired = conversations.repair_unanswered(
            session, older_than=utcnow() - timedelta(seconds=after_seconds)
        )
    if repaired:
        log.warning("answers.repaired_unanswered", questions=repaired)
    return repaired


def requeue_documents(
    sessions: sessionmaker[Session], jobs: JobQueue, *, stale_seconds: float
) -> int:
    return knowledge.requeue_stale(sessions, jobs, stale_seconds=stale_seconds)
