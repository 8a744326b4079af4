"""The ingestion job: stored bytes -> sections -> chunks -> vectors and keyword postings.

Safe to run twice for the same request and safe to interrupt anywhere: chunk ids are
deterministic (document, version, position), vectors are upserted before the database swap,
and the swap of the searchable version is one transaction. A job for a superseded version
(the document was replaced or deleted meanwhile) does nothing.

Documents are processed in batches so that the embedder sees full batches (its throughput
drops sharply with one small document per call); passages are embedded and upserted
``ingestion_embed_batch_passages`` at a time, so a job's memory stays bounded. Each document
is bounded too (``knowledge.bounds``: characters, CSV rows, passages) and fails with the
limit's code when over. Between those steps the job checks ``stop`` (its queue is shutting
down) and leaves with ``JobInterrupted``: the document stays processing and is resumed at
the next start."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.bulk import insert_rows
from customercare.db.engine import transaction
from customercare.errors import AppError, IngestionError, ServiceUnavailable
from customercare.jobs import IngestionRequest, JobInterrupted, JobQueue, RetryableJobError
from customercare.knowledge import service
from customercare.knowledge.bounds import (
    IngestionBounds,
    bounds_for,
    check_passages,
    settings_bounds,
)
from customercare.knowledge.chunking import chunk_document
from customercare.knowledge.detect import detect_content_type
from customercare.knowledge.extractors import extract
from customercare.knowledge.models import ChunkRecord, Document, DocumentStatus
from customercare.observability import metrics
from customercare.search import service as search
from customercare.search.service import (
    ChunkDraft,
    Embedder,
    KeywordDocument,
    VectorRecord,
    VectorStore,
    indexing_text,
)
from customercare.settings import Settings

log = structlog.get_logger(__name__)

__all__ = [
    "IngestionContext",
    "chunk_id",
    "ingest_document",
    "ingest_documents",
    "resume_unfinished",
]


class IngestionContext(Protocol):
    """What the ingestion job uses (the runtime provides it; tests pass flaky embedders)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def embedder(self) -> Embedder: ...
    @property
    def vector_store(self) -> VectorStore: ...


@dataclass
class _Work:
    """One document of a batch, from claim to swap."""

    request: IngestionRequest
    workspace_id: str
    title: str
    filename: str | None
    data: bytes
    attempts: int
    # Stale vectors can exist only if an earlier version was indexed or ran, or an attempt
    # crashed.
    may_have_stale_vectors: bool
    bounds: IngestionBounds
    content_type: str = ""
    page_count: int | None = None
    drafts: list[ChunkDraft] | None = None
    texts: list[str] | None = None


def chunk_id(document_id: str, version: int, position: int) -> str:
    return f"{document_id}:{version}:{position}"


def ingest_document(
    context: IngestionContext,
    request: IngestionRequest,
    *,
    stop: threading.Event | None = None,
) -> None:
    ingest_documents(context, [request], stop=stop)


def ingest_documents(
    context: IngestionContext,
    requests: Sequence[IngestionRequest],
    *,
    stop: threading.Event | None = None,
) -> None:
    batch = _claim(context, requests)
    prepared = []
    for work in batch:
        _check_stop(stop, batch)
        if _prepare(context, work):
            prepared.append(work)
    if not prepared:
        return
    texts = [text for work in prepared for text in work.texts or []]
    try:
        _embed_and_upsert(context, prepared, stop=stop)
    except JobInterrupted:
        raise
    except Exception as error:
        _give_up_or_retry(context, prepared, error)
        return
    _check_stop(stop, prepared)
    committed = _swap_in(context, prepared)
    for work in prepared:
        if work.request.document_id not in committed:
            # Superseded or deleted meanwhile: remove this job's vectors only. The indexed
            # version's stay searchable, and a newer job's may already be indexed.
            context.vector_store.delete_document(
                workspace_id=work.workspace_id,
                document_id=work.request.document_id,
                version=work.request.version,
            )
        elif work.may_have_stale_vectors:
            context.vector_store.delete_document(
                workspace_id=work.workspace_id,
                document_id=work.request.document_id,
                older_than=work.request.version,
            )
    log.info("ingest.ready", documents=len(committed), chunks=len(texts))


def _embed_and_upsert(
    context: IngestionContext, batch: Sequence[_Work], *, stop: threading.Event | None
) -> None:
    """Embed and store the batch's passages a slice at a time: the embedder never gets more
    than ``ingestion_embed_batch_passages`` texts, and only one slice of vectors is held."""
    passages = [(work, draft, text) for work in batch for draft, text in _pairs(work)]
    step = context.settings.ingestion_embed_batch_passages
    for start in range(0, len(passages), step):
        _check_stop(stop, batch)
        piece = passages[start : start + step]
        with metrics.observe_seconds(metrics.embedder_seconds, purpose="passages"):
            vectors = context.embedder.embed([text for _, _, text in piece])
        by_workspace: dict[str, list[int]] = {}
        for index, (work, _, _) in enumerate(piece):
            by_workspace.setdefault(work.workspace_id, []).append(index)
        for workspace_id, indices in by_workspace.items():
            records = []
            for i in indices:
                work, draft, _ = piece[i]
                request = work.request
                records.append(
                    VectorRecord(
                        chunk_id(request.document_id, request.version, draft.position),
                        request.document_id,
                        request.version,
                    )
                )
            context.vector_store.upsert(
                workspace_id=workspace_id, records=records, vectors=vectors[indices]
            )


def _pairs(work: _Work) -> list[tuple[ChunkDraft, str]]:
    return list(zip(work.drafts or [], work.texts or [], strict=True))


def _check_stop(stop: threading.Event | None, batch: Sequence[_Work]) -> None:
    if stop is not None and stop.is_set():
        # Left processing on purpose: resume_unfinished re-queues them at the next start.
        log.info("ingest.interrupted", documents=[w.request.document_id for w in batch])
        raise JobInterrupted("the job queue is shutting down")


def _claim(context: IngestionContext, requests: Sequence[IngestionRequest]) -> list[_Work]:
    """Mark each current request processing; drop superseded or deleted ones."""
    batch: list[_Work] = []
    with transaction(context.sessions) as session:
        for request in requests:
            document = session.get(Document, request.document_id)
            if document is None or document.version != request.version:
                log.info("ingest.superseded", document_id=request.document_id)
                continue
            if document.status == DocumentStatus.failed:
                continue  # given up on by an earlier attempt of this same version
            document.status = DocumentStatus.processing
            document.attempts += 1
            batch.append(
                _Work(
                    request=request,
                    workspace_id=document.workspace_id,
                    title=document.title,
                    filename=document.filename,
                    data=service.document_content(session, document_id=document.id),
                    attempts=document.attempts,
                    may_have_stale_vectors=document.indexed_version is not None
                    or document.attempts > 1
                    or document.version > 1,
                    bounds=_bounds(session, context.settings, document.workspace_id),
                )
            )
    return batch


def _bounds(session: Session, settings: Settings, workspace_id: str) -> IngestionBounds:
    try:
        return bounds_for(session, settings, workspace_id=workspace_id)
    except AppError as error:  # a broken plans file must not leave documents stuck
        log.error("ingest.plan_limits_unavailable", workspace_id=workspace_id, error=str(error))
        return settings_bounds(settings)


def _prepare(context: IngestionContext, work: _Work) -> bool:
    """Extract and chunk; a document that cannot be used is marked failed here."""
    settings = context.settings
    try:
        content_type = detect_content_type(work.data, work.filename)
        extracted = extract(work.data, content_type, limits=work.bounds.extraction)
        work.drafts = chunk_document(
            extracted,
            size_words=settings.chunk_size_words,
            overlap_words=settings.chunk_overlap_words,
        )
        check_passages(len(work.drafts), work.bounds)
    except IngestionError as error:
        with transaction(context.sessions) as session:
            service.mark_failed(
                session,
                document_id=work.request.document_id,
                version=work.request.version,
                error=error,
            )
        log.info("ingest.failed", document_id=work.request.document_id, code=error.code)
        return False
    if extracted.title and work.title == work.filename:
        work.title = extracted.title[:500]
    work.content_type = content_type
    work.page_count = extracted.page_count
    work.texts = [
        indexing_text(title=work.title, heading=d.heading, text=d.text) for d in work.drafts
    ]
    return True


def _swap_in(context: IngestionContext, batch: Sequence[_Work]) -> set[str]:
    """Replace each document's searchable chunks, all in one transaction; returns the ids of
    documents swapped (a document superseded meanwhile is left alone). Rows of the whole batch
    are written together: one locking read, one insert per table."""
    committed: set[str] = set()
    chunk_rows: list[dict[str, object]] = []
    keyword_documents: list[KeywordDocument] = []
    with transaction(context.sessions) as session:
        locked = {
            document.id: document
            for document in session.scalars(
                select(Document)
                .where(Document.id.in_([work.request.document_id for work in batch]))
                .order_by(Document.id)  # one lock order for every writer: no deadlocks
                .with_for_update()
            )
        }
        for work in batch:
            request = work.request
            document = locked.get(request.document_id)
            if document is None or document.version != request.version:
                continue
            drafts, texts = work.drafts or [], work.texts or []
            if work.may_have_stale_vectors:  # the only case with chunks to replace
                service.remove_chunks(
                    session, workspace_id=work.workspace_id, document_id=document.id
                )
            for draft, text in zip(drafts, texts, strict=True):
                passage_id = chunk_id(document.id, request.version, draft.position)
                chunk_rows.append(
                    {
                        "id": passage_id,
                        "workspace_id": work.workspace_id,
                        "document_id": document.id,
                        "version": request.version,
                        "position": draft.position,
                        "text": draft.text,
                        "heading": draft.heading,
                        "page": draft.page,
                    }
                )
                keyword_documents.append(
                    KeywordDocument(passage_id, work.workspace_id, document.id, text)
                )
            document.title = work.title
            document.content_type = work.content_type
            document.page_count = work.page_count
            document.chunk_count = len(drafts)
            document.indexed_version = request.version
            document.status = DocumentStatus.ready
            document.failure_code = None
            document.failure_reason = None
            committed.add(document.id)
        insert_rows(session, ChunkRecord, chunk_rows)
        search.index_chunks(session, keyword_documents)
    return committed


def _give_up_or_retry(context: IngestionContext, batch: Sequence[_Work], error: Exception) -> None:
    """A failure outside the documents themselves (the embedder or vector store is down):
    retry while any document has attempts left; documents out of attempts are failed."""
    exhausted = [work for work in batch if work.attempts > context.settings.job_max_retries]
    if exhausted:
        with transaction(context.sessions) as session:
            for work in exhausted:
                service.mark_failed(
                    session,
                    document_id=work.request.document_id,
                    version=work.request.version,
                    error=ServiceUnavailable(
                        f"ingestion failed after {work.attempts} attempts: {error}"
                    ),
                )
        log.error("ingest.gave_up", documents=len(exhausted), error=str(error))
    if len(exhausted) < len(batch):
        log.warning("ingest.retry", documents=len(batch) - len(exhausted), error=str(error))
        raise RetryableJobError(str(error)) from error


def resume_unfinished(sessions: sessionmaker[Session], jobs: JobQueue) -> int:
    """Re-enqueue documents left pending or processing (an in-process queue lost at a restart)."""
    with sessions() as session:
        rows = (
            session.execute(
                select(Document.id, Document.version, Document.workspace_id)
                .where(Document.status.in_([DocumentStatus.pending, DocumentStatus.processing]))
                .order_by(Document.created_at, Document.id)
            )
            .tuples()
            .all()
        )
    for document_id, version, workspace_id in rows:
        jobs.enqueue_ingestion(IngestionRequest(document_id, version, workspace_id=workspace_id))
    return len(rows)
