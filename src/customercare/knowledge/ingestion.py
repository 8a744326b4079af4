"""The ingestion job: stored bytes -> sections -> chunks -> vectors and keyword postings.

Safe to run twice for the same request and safe to interrupt anywhere: chunk ids are
deterministic (document, version, position), vectors are upserted before the database swap,
and the swap of the searchable version is one transaction. A job for a superseded version
(the document was replaced or deleted meanwhile) does nothing."""

from __future__ import annotations

import structlog
from sqlalchemy import insert, select

from customercare.db.engine import transaction
from customercare.errors import IngestionError, ServiceUnavailable
from customercare.jobs.base import IngestionRequest, RetryableJobError
from customercare.knowledge import service
from customercare.knowledge.chunking import chunk_document
from customercare.knowledge.detect import detect_content_type
from customercare.knowledge.extractors import ExtractionLimits, extract
from customercare.knowledge.models import ChunkRecord, Document, DocumentStatus
from customercare.runtime import Runtime
from customercare.search.keyword import index as keyword_index
from customercare.search.keyword.index import KeywordDocument
from customercare.search.types import ChunkDraft, indexing_text
from customercare.search.vectorstore.base import VectorRecord

log = structlog.get_logger(__name__)


def chunk_id(document_id: str, version: int, position: int) -> str:
    return f"{document_id}:{version}:{position}"


def ingest_document(runtime: Runtime, request: IngestionRequest) -> None:
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        document = session.get(Document, request.document_id)
        if document is None or document.version != request.version:
            log.info("ingest.superseded", document_id=request.document_id)
            return
        document.status = DocumentStatus.processing
        document.attempts += 1
        attempts = document.attempts
        workspace_id, title, filename = document.workspace_id, document.title, document.filename
        data = service.document_content(session, document_id=document.id)
    try:
        content_type = detect_content_type(data, filename)
        extracted = extract(
            data, content_type, limits=ExtractionLimits(max_pages=settings.max_pages)
        )
        drafts = chunk_document(
            extracted,
            size_words=settings.chunk_size_words,
            overlap_words=settings.chunk_overlap_words,
        )
        title = title if title != filename or not extracted.title else extracted.title[:500]
        texts = [indexing_text(title=title, heading=d.heading, text=d.text) for d in drafts]
        vectors = runtime.embedder.embed(texts)
        records = [
            VectorRecord(
                chunk_id(request.document_id, request.version, d.position),
                request.document_id,
                request.version,
            )
            for d in drafts
        ]
        runtime.vector_store.upsert(workspace_id=workspace_id, records=records, vectors=vectors)
    except IngestionError as error:
        with transaction(runtime.sessions) as session:
            service.mark_failed(
                session, document_id=request.document_id, version=request.version, error=error
            )
        log.info("ingest.failed", document_id=request.document_id, code=error.code)
        return
    except Exception as error:
        _give_up_or_retry(runtime, request, attempts, error)
        return
    committed = _swap_in(
        runtime,
        request,
        workspace_id,
        title,
        content_type,
        drafts,
        texts,
        page_count=extracted.page_count,
    )
    keep = request.version if committed else None
    runtime.vector_store.delete_document(
        workspace_id=workspace_id, document_id=request.document_id, keep_version=keep
    )
    if not committed:
        return
    log.info("ingest.ready", document_id=request.document_id, chunks=len(drafts))


def _swap_in(
    runtime: Runtime,
    request: IngestionRequest,
    workspace_id: str,
    title: str,
    content_type: str,
    drafts: list[ChunkDraft],
    texts: list[str],
    *,
    page_count: int | None,
) -> bool:
    """Replace the document's searchable chunks in one transaction; False if superseded."""
    with transaction(runtime.sessions) as session:
        document = session.get(Document, request.document_id, with_for_update=True)
        if document is None or document.version != request.version:
            return False
        service.remove_chunks(session, workspace_id=workspace_id, document_id=document.id)
        ids = [chunk_id(document.id, request.version, d.position) for d in drafts]
        session.execute(
            insert(ChunkRecord),
            [
                {
                    "id": ids[i],
                    "workspace_id": workspace_id,
                    "document_id": document.id,
                    "version": request.version,
                    "position": d.position,
                    "text": d.text,
                    "heading": d.heading,
                    "page": d.page,
                }
                for i, d in enumerate(drafts)
            ],
        )
        keyword_index.add_to_index(
            session,
            (
                KeywordDocument(ids[i], workspace_id, document.id, texts[i])
                for i in range(len(drafts))
            ),
        )
        document.title = title
        document.content_type = content_type
        document.page_count = page_count
        document.chunk_count = len(drafts)
        document.indexed_version = request.version
        document.status = DocumentStatus.ready
        document.failure_code = None
        document.failure_reason = None
    return True


def _give_up_or_retry(
    runtime: Runtime, request: IngestionRequest, attempts: int, error: Exception
) -> None:
    if attempts <= runtime.settings.job_max_retries:
        log.warning("ingest.retry", document_id=request.document_id, attempt=attempts)
        raise RetryableJobError(str(error)) from error
    log.error("ingest.gave_up", document_id=request.document_id, error=str(error))
    with transaction(runtime.sessions) as session:
        service.mark_failed(
            session,
            document_id=request.document_id,
            version=request.version,
            error=ServiceUnavailable(f"ingestion failed after {attempts} attempts: {error}"),
        )


def resume_unfinished(runtime: Runtime) -> int:
    """Re-enqueue documents left pending or processing (an in-process queue lost at a restart)."""
    with runtime.sessions() as session:
        rows = (
            session.execute(
                select(Document.id, Document.version).where(
                    Document.status.in_([DocumentStatus.pending, DocumentStatus.processing])
                )
            )
            .tuples()
            .all()
        )
    for document_id, version in rows:
        runtime.job_queue.enqueue_ingestion(IngestionRequest(document_id, version))
    return len(rows)
