"""``/app/knowledge``: the workspace's documents (status, type, size, tags, passages, last
indexed), uploading several files at once, re-indexing, deleting with a confirmation page,
and "test a question" (the ranked passages search returns for it). HTTP only: every decision
is in ``knowledge.service`` and ``search.service``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from customercare.dashboard import session as browser_session
from customercare.dashboard.render import finish, page, redirect
from customercare.dashboard.session import PageError
from customercare.dashboard.web import Browser, CsrfField, as_page, signed_in
from customercare.deps import ClientIp, RuntimeDep, SessionDep, SettingsDep
from customercare.errors import AppError
from customercare.knowledge import service as knowledge
from customercare.search import service as search
from customercare.tenancy.service import Permission

__all__ = ["router"]

router = APIRouter(prefix="/app/knowledge", include_in_schema=False)
MAX_FILES = 20
MAX_QUESTION = 2000
PAGE_SIZE = 100


@router.get("")
def documents(
    request: Request,
    browser: Browser,
    session: SessionDep,
    settings: SettingsDep,
    status: str = "",
) -> Response:
    person = signed_in(browser)
    principal = person.require(Permission.documents_read)
    if status not in ("", *knowledge.DocumentStatus.__members__):
        raise PageError(400, f"unknown status {status!r}")
    items, total = knowledge.list_documents(
        session, workspace_id=principal.workspace_id, status=status or None, limit=PAGE_SIZE
    )
    response = page(
        "knowledge.html",
        browser=person,
        current="knowledge",
        documents=items,
        total=total,
        status=status,
        statuses=list(knowledge.DocumentStatus.__members__),
        results=[],
        error="",
    )
    return finish(request, response, person, settings)


@router.post("/upload")
def upload(
    request: Request,
    browser: Browser,
    runtime: RuntimeDep,
    session: SessionDep,
    csrf_token: CsrfField = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
    tags: Annotated[str, Form()] = "",
) -> Response:
    """Each file is registered and queued on its own; the page lists each one's outcome."""
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    principal = person.require(Permission.documents_write)
    chosen = [f for f in files or [] if f.filename]
    if not chosen:
        raise PageError(400, "choose at least one file to upload")
    if len(chosen) > MAX_FILES:
        raise PageError(400, f"upload at most {MAX_FILES} files at once")
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    results: list[tuple[str, str]] = []
    for upload_file in chosen:
        data = upload_file.file.read(runtime.settings.max_upload_bytes + 1)
        name = upload_file.filename or "upload"
        try:
            outcome = knowledge.ingest_bytes(
                runtime,
                workspace_id=principal.workspace_id,
                data=data,
                filename=name,
                tags=tag_list,
            )
        except AppError as error:
            results.append((name, f"refused: {error.message}"))
        else:
            results.append((name, "queued" if outcome.created else "already uploaded"))
    items, total = knowledge.list_documents(
        session, workspace_id=principal.workspace_id, limit=PAGE_SIZE
    )
    refused = all(outcome.startswith("refused") for _, outcome in results)
    response = page(
        "knowledge.html",
        browser=person,
        current="knowledge",
        status_code=400 if refused else 200,
        documents=items,
        total=total,
        status="",
        statuses=list(knowledge.DocumentStatus.__members__),
        results=results,
        error="",
    )
    return finish(request, response, person, runtime.settings)


@router.get("/{document_id}")
def document(
    request: Request, browser: Browser, session: SessionDep, settings: SettingsDep, document_id: str
) -> Response:
    person = signed_in(browser)
    principal = person.require(Permission.documents_read)
    with as_page():
        item = knowledge.get_document(
            session, workspace_id=principal.workspace_id, document_id=document_id
        )
    response = page("document.html", browser=person, current="knowledge", document=item)
    return finish(request, response, person, settings)


@router.post("/{document_id}/reindex")
def reindex(
    browser: Browser,
    session: SessionDep,
    runtime: RuntimeDep,
    document_id: str,
    csrf_token: CsrfField = None,
) -> Response:
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    principal = person.require(Permission.documents_write)
    with as_page():
        knowledge.reingest(
            session,
            jobs=runtime.job_queue,
            workspace_id=principal.workspace_id,
            document_id=document_id,
        )
    return redirect(f"/app/knowledge/{document_id}")


@router.post("/{document_id}/delete")
def delete(
    request: Request,
    browser: Browser,
    session: SessionDep,
    runtime: RuntimeDep,
    ip: ClientIp,
    document_id: str,
    csrf_token: CsrfField = None,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Without ``confirm=yes`` (the document page's button), a page asks to confirm first."""
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    principal = person.require(Permission.documents_write)
    with as_page():
        item = knowledge.get_document(
            session, workspace_id=principal.workspace_id, document_id=document_id
        )
        if confirm != "yes":
            response = page(
                "confirm_delete.html", browser=person, current="knowledge", document=item
            )
            return finish(request, response, person, runtime.settings)
        knowledge.delete_document(
            session,
            vector_store=runtime.vector_store,
            workspace_id=principal.workspace_id,
            actor=principal,
            document_id=document_id,
            ip=ip,
        )
    return redirect("/app/knowledge")


@router.post("/test")
def ask_question(
    request: Request,
    browser: Browser,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf_token: CsrfField = None,
    question: Annotated[str, Form()] = "",
) -> Response:
    """The passages search ranks for a question, as the bot retrieves them."""
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    principal = person.require(Permission.search)
    question = question.strip()
    error, hits = "", []
    if not question or len(question) > MAX_QUESTION:
        error = f"ask a question of 1 to {MAX_QUESTION} characters"
    else:
        with as_page():
            hits = search.search(
                runtime, session, workspace_id=principal.workspace_id, query=question, limit=8
            ).hits
    response = page(
        "test_question.html",
        browser=person,
        current="knowledge",
        status_code=400 if error else 200,
        question=question[:MAX_QUESTION],
        hits=hits,
        error=error,
    )
    return finish(request, response, person, runtime.settings)
