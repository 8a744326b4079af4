"""Documents whose job was lost: re-queued by a sweep.

A job can be lost between the database and the queue: an upload commits its document and the
enqueue after the commit fails (Redis is down), Redis restarts empty with messages still
queued, or a job dies on a database outage. The document stays ``pending`` or
``processing``; ``requeue_stale`` queues it again once it has not changed for a while.
Jobs are idempotent (a job for a superseded version does nothing, chunk ids are
deterministic, the swap is one transaction), so a document queued twice is indexed once."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.engine import after_commit, transaction
from customercare.ids import utcnow
from customercare.jobs import IngestionRequest, JobQueue
from customercare.knowledge.models import Document, DocumentStatus

log = structlog.get_logger(__name__)

__all__ = ["backlog", "enqueue_after_commit", "requeue_stale"]

UNFINISHED = (DocumentStatus.pending, DocumentStatus.processing)


def requeue_stale(
    sessions: sessionmaker[Session], jobs: JobQueue, *, stale_seconds: float, limit: int = 500
) -> int:
    """Queue again every document pending or processing, unchanged for ``stale_seconds``;
    returns how many. Each is touched so the next sweep waits another ``stale_seconds``.
    A queue that is still down raises and nothing is touched: the next sweep tries again."""
    cutoff = utcnow() - timedelta(seconds=stale_seconds)
    with transaction(sessions) as session:
        rows = (
            session.execute(
                select(Document.id, Document.version)
                .where(Document.status.in_(UNFINISHED), Document.updated_at < cutoff)
                .order_by(Document.updated_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            .tuples()
            .all()
        )
        for document_id, version in rows:
            jobs.enqueue_ingestion(IngestionRequest(document_id, version))
        if rows:
            session.execute(
                update(Document)
                .where(Document.id.in_([document_id for document_id, _ in rows]))
                .values(updated_at=utcnow())
            )
            log.warning("ingest.requeued_stale", documents=len(rows))
    return len(rows)


def enqueue_after_commit(
    session: Session, jobs: JobQueue, document: Document, version: int
) -> None:
    """Queue the document's ingestion once the session commits (a worker that picked the job
    up before the commit would find the old version). The document is committed by then: a
    queue that is down must not turn that into an error (the client would retry a change
    that is there), so the document stays pending and ``requeue_stale`` queues it later."""

    # The workspace is a scheduling hint for the in-process queue (fair turns).
    request = IngestionRequest(document.id, version, workspace_id=document.workspace_id)
    document_id = document.id

    def enqueue() -> None:
        try:
            jobs.enqueue_ingestion(request)
        except Exception as error:
            log.warning("ingest.enqueue_deferred", document_id=document_id, error=repr(error))

    after_commit(session, enqueue)


def backlog(session: Session) -> dict[str, int]:
    """Documents of every workspace waiting for or in ingestion, by status (for metrics)."""
    rows = session.execute(
        select(Document.status, func.count())
        .where(Document.status.in_(UNFINISHED))
        .group_by(Document.status)
    )
    counts = {str(status): 0 for status in UNFINISHED}
    counts.update({str(status): int(count) for status, count in rows})
    return counts
