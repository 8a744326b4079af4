"""Knowledge's public face. Documents of a workspace: register content, replace it,
re-ingest, delete, read; and the passages search reads (``PASSAGES``).

Calling convention (docs/architecture.md): a function works in the caller's ``session`` and
never commits; what must happen only once the change is committed (enqueueing the ingestion,
deleting vectors) is registered with ``after_commit``. Registering content commits in steps
(the failed document must stay recorded when its 4xx is raised), so ``ingest_bytes`` takes
a ``KnowledgeContext`` with the session factory. Every function takes the workspace
explicitly and never reveals a document of another workspace (404)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.engine import after_commit, transaction
from customercare.errors import (
    AppError,
    ConflictError,
    IngestionError,
    NotFoundError,
    ServiceUnavailable,
)
from customercare.jobs import JobQueue
from customercare.knowledge.bounds import IngestionBounds, bounds_for
from customercare.knowledge.models import (
    ChunkRecord,
    Document,
    DocumentContent,
    DocumentStatus,
    DocumentTag,
)
from customercare.knowledge.passages import (
    PASSAGES,
    count_chunks,
    document_ids_matching,
    indexed_chunk_ids,
    load_chunks,
    remove_chunks,
)
from customercare.knowledge.recovery import backlog, enqueue_after_commit, requeue_stale
from customercare.knowledge.schemas import DocumentPublic
from customercare.knowledge.validation import check_size, content_hash, validate_content
from customercare.limits import service as limits
from customercare.search import service as search
from customercare.search.service import VectorStore
from customercare.settings import Settings
from customercare.tenancy import service as tenancy

__all__ = [
    "PASSAGES",
    "DocumentPublic",
    "DocumentStatus",
    "IngestOutcome",
    "IngestionBounds",
    "KnowledgeContext",
    "backlog",
    "bounds_for",
    "check_size",
    "content_hash",
    "count_chunks",
    "delete_all_documents",
    "delete_document",
    "document_content",
    "document_ids_matching",
    "document_usage",
    "get_document",
    "indexed_chunk_ids",
    "ingest_bytes",
    "list_documents",
    "load_chunks",
    "mark_failed",
    "ready_filenames",
    "reingest",
    "remove_chunks",
    "replace_content",
    "requeue_stale",
    "validate_content",
    "wait_until_settled",
]


class KnowledgeContext(Protocol):
    """What registering content uses (the runtime provides it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def job_queue(self) -> JobQueue: ...


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    document: DocumentPublic
    created: bool


def ingest_bytes(
    context: KnowledgeContext,
    *,
    workspace_id: str,
    data: bytes,
    filename: str | None,
    tags: Sequence[str] = (),
    source_url: str | None = None,
) -> IngestOutcome:
    """Register content and queue its ingestion. Identical content in the same workspace is
    not stored twice: the existing document comes back with ``created=False``. Unusable
    content is recorded as a failed document and its ``IngestionError`` is raised."""
    settings = context.settings
    check_size(data, settings=settings)  # too large: refused before anything is stored
    digest = content_hash(data)
    with transaction(context.sessions) as session:
        plan = _lock_for_quota(session, settings, workspace_id=workspace_id)
        existing = session.scalar(
            select(Document).where(
                Document.workspace_id == workspace_id, Document.content_hash == digest
            )
        )
        if existing is None and plan is not None:  # known content adds no document
            limits.check_documents(
                plan,
                usage=document_usage(session, workspace_id=workspace_id),
                adding_bytes=len(data),
            )
        if existing is not None and existing.status != DocumentStatus.failed:
            return IngestOutcome(_public(session, existing), created=False)
        bounds = bounds_for(session, settings, workspace_id=workspace_id)
        if existing is not None:
            document = existing
            _queue_new_version(document)
        else:
            document = Document(
                workspace_id=workspace_id,
                title=filename or source_url or "Untitled",
                filename=filename,
                source_url=source_url,
                content_hash=digest,
                size_bytes=len(data),
            )
            session.add(document)
            session.flush()
            session.add(DocumentContent(document_id=document.id, data=data))
            _set_tags(session, document, tags)
        document_id, version = document.id, document.version
    try:
        extracted = validate_content(data, filename=filename, settings=settings, bounds=bounds)
    except IngestionError as error:
        error.details["document_id"] = document_id
        with transaction(context.sessions) as session:
            mark_failed(session, document_id=document_id, version=version, error=error)
        raise
    with transaction(context.sessions) as session:
        document = _get_or_raise(session, workspace_id=workspace_id, document_id=document_id)
        if extracted.title and document.title in (filename, source_url, "Untitled"):
            document.title = extracted.title[:500]
        public = _public(session, document)
        enqueue_after_commit(session, context.job_queue, document, version)
    return IngestOutcome(public, created=existing is None)


def replace_content(
    session: Session,
    *,
    settings: Settings,
    jobs: JobQueue,
    workspace_id: str,
    document_id: str,
    data: bytes,
    filename: str | None,
) -> DocumentPublic:
    """New content for an existing document. It is validated first: invalid content changes
    nothing, and the old version stays searchable until the new one is indexed."""
    bounds = bounds_for(session, settings, workspace_id=workspace_id)
    validate_content(data, filename=filename, settings=settings, bounds=bounds)
    digest = content_hash(data)
    document = _get_or_raise(session, workspace_id=workspace_id, document_id=document_id)
    clash = session.scalar(
        select(Document.id).where(
            Document.workspace_id == workspace_id,
            Document.content_hash == digest,
            Document.id != document_id,
        )
    )
    if clash is not None:
        raise ConflictError(
            "another document already has this content", details={"document_id": clash}
        )
    content = session.get(DocumentContent, document_id)
    if content is None:
        raise NotFoundError(f"document {document_id} has no stored content")
    content.data = data
    document.content_hash = digest
    document.size_bytes = len(data)
    document.filename = filename or document.filename
    version = _queue_new_version(document)
    public = _public(session, document)
    enqueue_after_commit(session, jobs, document, version)
    return public


def reingest(
    session: Session, *, jobs: JobQueue, workspace_id: str, document_id: str
) -> DocumentPublic:
    """Process the stored content again (after a settings or model change, or a failure)."""
    document = _get_or_raise(session, workspace_id=workspace_id, document_id=document_id)
    version = _queue_new_version(document)
    enqueue_after_commit(session, jobs, document, version)
    return _public(session, document)


def delete_document(
    session: Session,
    *,
    vector_store: VectorStore,
    workspace_id: str,
    actor: tenancy.Actor | None = None,
    document_id: str,
    ip: str | None = None,
) -> None:
    """Remove the document, its chunks, its keyword postings and (once committed) its vectors;
    an actor's deletion is audited in the same transaction."""
    document = _get_or_raise(session, workspace_id=workspace_id, document_id=document_id)
    remove_chunks(session, workspace_id=workspace_id, document_id=document_id)
    session.execute(delete(DocumentTag).where(DocumentTag.document_id == document_id))
    session.execute(delete(DocumentContent).where(DocumentContent.document_id == document_id))
    session.delete(document)
    if actor is not None:
        tenancy.record_audit(
            session,
            actor,
            action="document.deleted",
            target_type="document",
            target_id=document_id,
            ip=ip,
        )
    after_commit(
        session,
        lambda: vector_store.delete_document(workspace_id=workspace_id, document_id=document_id),
    )


def delete_all_documents(session: Session, *, vector_store: VectorStore, workspace_id: str) -> None:
    """Empty a workspace's knowledge in bulk (scratch workspaces, workspace removal)."""
    document_ids = select(Document.id).where(Document.workspace_id == workspace_id)
    search.remove_workspace(session, workspace_id=workspace_id)
    for table in (ChunkRecord, DocumentTag):
        session.execute(delete(table).where(table.workspace_id == workspace_id))
    session.execute(delete(DocumentContent).where(DocumentContent.document_id.in_(document_ids)))
    session.execute(delete(Document).where(Document.workspace_id == workspace_id))
    after_commit(session, lambda: vector_store.delete_workspace(workspace_id=workspace_id))


def document_usage(session: Session, *, workspace_id: str) -> limits.DocumentUsage:
    """How many documents the workspace has and how many bytes they store (for quotas)."""
    count, size = session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.size_bytes), 0)).where(
            Document.workspace_id == workspace_id
        )
    ).one()
    return limits.DocumentUsage(count=int(count), size_bytes=int(size))


def ready_filenames(session: Session, *, workspace_id: str) -> dict[str, str]:
    """Document id -> file name of the workspace's ready documents."""
    rows = session.execute(
        select(Document.id, Document.filename).where(
            Document.workspace_id == workspace_id, Document.status == DocumentStatus.ready
        )
    ).tuples()
    return {document_id: filename or "" for document_id, filename in rows}


def mark_failed(session: Session, *, document_id: str, version: int, error: AppError) -> None:
    document = session.get(Document, document_id)
    if document is None or document.version != version:
        return
    document.status = DocumentStatus.failed
    document.failure_code = error.code
    document.failure_reason = error.message


def get_document(session: Session, *, workspace_id: str, document_id: str) -> DocumentPublic:
    return _public(
        session, _get_or_raise(session, workspace_id=workspace_id, document_id=document_id)
    )


def wait_until_settled(
    sessions: sessionmaker[Session],
    *,
    workspace_id: str,
    document_ids: Sequence[str],
    timeout_seconds: float | None = None,
    poll_seconds: float = 0.2,
    on_settled: Callable[[DocumentPublic], None] | None = None,
) -> list[DocumentPublic]:
    """Poll until every document is ready or failed (a worker may be doing the work)."""
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    remaining = list(dict.fromkeys(document_ids))
    settled: dict[str, DocumentPublic] = {}
    while remaining:
        with sessions() as session:
            for document_id in list(remaining):
                document = get_document(session, workspace_id=workspace_id, document_id=document_id)
                if document.status in (DocumentStatus.ready, DocumentStatus.failed):
                    remaining.remove(document_id)
                    settled[document_id] = document
                    if on_settled:
                        on_settled(document)
        if remaining:
            if deadline is not None and time.monotonic() > deadline:
                raise ServiceUnavailable(
                    f"{len(remaining)} documents still indexing after {timeout_seconds} s",
                    details={"document_ids": remaining},
                )
            time.sleep(poll_seconds)
    return [settled[document_id] for document_id in dict.fromkeys(document_ids)]


def list_documents(
    session: Session,
    *,
    workspace_id: str,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[DocumentPublic], int]:
    conditions = [Document.workspace_id == workspace_id]
    if status:
        conditions.append(Document.status == status)
    total = session.scalar(select(func.count()).select_from(Document).where(*conditions)) or 0
    documents = session.scalars(
        select(Document)
        .where(*conditions)
        .order_by(Document.created_at.desc(), Document.id)
        .limit(limit)
        .offset(offset)
    )
    return [_public(session, document) for document in documents], total


def document_content(session: Session, *, document_id: str) -> bytes:
    content = session.get(DocumentContent, document_id)
    if content is None:
        raise NotFoundError(f"document {document_id} has no stored content")
    return content.data


def _lock_for_quota(
    session: Session, settings: Settings, *, workspace_id: str
) -> limits.Plan | None:
    """The plan whose document quotas apply, with the workspace locked so that the count and
    the insert are one step; None when quotas are off (then nothing is locked)."""
    if not settings.quotas_enabled:
        return None
    plan = tenancy.lock_workspace(session, workspace_id=workspace_id)
    return limits.enforced_plan(settings, plan)


def _queue_new_version(document: Document) -> int:
    document.version += 1
    document.status = DocumentStatus.pending
    document.attempts = 0  # each version has its own retry budget
    document.failure_code = None
    document.failure_reason = None
    return document.version


def _get_or_raise(session: Session, *, workspace_id: str, document_id: str) -> Document:
    document = session.get(Document, document_id)
    # Another workspace's document is reported exactly like a missing one.
    if document is None or document.workspace_id != workspace_id:
        raise NotFoundError(f"document {document_id} not found")
    return document


def _set_tags(session: Session, document: Document, tags: Sequence[str]) -> None:
    for tag in sorted({tag.strip().lower() for tag in tags if tag.strip()}):
        session.add(
            DocumentTag(document_id=document.id, tag=tag[:100], workspace_id=document.workspace_id)
        )


def _public(session: Session, document: Document) -> DocumentPublic:
    session.flush()
    tags = session.scalars(
        select(DocumentTag.tag)
        .where(DocumentTag.document_id == document.id)
        .order_by(DocumentTag.tag)
    )
    return DocumentPublic.model_validate(document).model_copy(update={"tags": list(tags)})
