"""HTTP for documents: upload, web sources, list, read, replace, re-ingest, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from customercare.deps import ClientIp, DocumentsRead, DocumentsWrite, RuntimeDep, SessionDep
from customercare.errors import FileTooLarge
from customercare.knowledge import service, web_sources
from customercare.knowledge.models import DocumentStatus
from customercare.knowledge.schemas import (
    DocumentList,
    DocumentPublic,
    DocumentUploaded,
    WebSourceCreate,
    WebSourceResult,
)

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    # Read one byte past the limit: enough to know it is too large without buffering it all.
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"file is larger than the limit of {limit} bytes", details={"limit_bytes": limit}
    )


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def upload_document(
    runtime: RuntimeDep,
    workspace: DocumentsWrite,
    response: Response,
    file: Annotated[UploadFile, File(description="PDF, DOCX, CSV, Markdown, HTML or text")],
    tags: Annotated[list[str] | None, Form()] = None,
) -> DocumentUploaded:
    data = await _read_limited(file, runtime.settings.max_upload_bytes)
    outcome = await run_in_threadpool(
        lambda: service.ingest_bytes(
            runtime,
            workspace_id=workspace.workspace_id,
            data=data,
            filename=file.filename,
            tags=_split_tags(tags),
        )
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return DocumentUploaded(document=outcome.document, deduplicated=not outcome.created)


@router.post("/web", status_code=status.HTTP_202_ACCEPTED)
def add_web_source(
    runtime: RuntimeDep, workspace: DocumentsWrite, body: WebSourceCreate
) -> WebSourceResult:
    return web_sources.ingest_web_source(runtime, workspace_id=workspace.workspace_id, source=body)


@router.get("")
def list_documents(
    session: SessionDep,
    workspace: DocumentsRead,
    status_filter: Annotated[DocumentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DocumentList:
    items, total = service.list_documents(
        session,
        workspace_id=workspace.workspace_id,
        status=status_filter,
        limit=limit,
        offset=offset,
    )
    return DocumentList(items=items, total=total)


@router.get("/{document_id}")
def get_document(session: SessionDep, workspace: DocumentsRead, document_id: str) -> DocumentPublic:
    return service.get_document(
        session, workspace_id=workspace.workspace_id, document_id=document_id
    )


@router.put("/{document_id}/content", status_code=status.HTTP_202_ACCEPTED)
def replace_document_content(
    runtime: RuntimeDep,
    session: SessionDep,
    workspace: DocumentsWrite,
    document_id: str,
    file: Annotated[UploadFile, File()],
) -> DocumentPublic:
    # A plain function: FastAPI runs it on a worker thread, so parsing never blocks the loop.
    limit = runtime.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return service.replace_content(
        session,
        settings=runtime.settings,
        jobs=runtime.job_queue,
        workspace_id=workspace.workspace_id,
        document_id=document_id,
        data=data,
        filename=file.filename,
    )


@router.post("/{document_id}/reingest", status_code=status.HTTP_202_ACCEPTED)
def reingest_document(
    runtime: RuntimeDep, session: SessionDep, workspace: DocumentsWrite, document_id: str
) -> DocumentPublic:
    return service.reingest(
        session,
        jobs=runtime.job_queue,
        workspace_id=workspace.workspace_id,
        document_id=document_id,
    )


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(
    runtime: RuntimeDep,
    session: SessionDep,
    workspace: DocumentsWrite,
    document_id: str,
    ip: ClientIp,
) -> None:
    service.delete_document(
        session,
        vector_store=runtime.vector_store,
        actor=workspace,
        workspace_id=workspace.workspace_id,
        document_id=document_id,
        ip=ip,
    )


def _split_tags(tags: list[str] | None) -> list[str]:
    # Accept repeated form fields and comma-separated values alike.
    return [tag for value in tags or [] for tag in value.split(",") if tag.strip()]
