"""The widget's HTTP API (docs/widget.md, sections 2 and 4): the frame page, the built
assets, the widget settings, and the visitor-scoped chat endpoints. Visitor calls carry the
frame token (``Authorization: Bearer``) and the visitor's token (``X-Visitor-Token``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from customercare.answers import service as answers
from customercare.db.engine import transaction
from customercare.deps import (
    ChatAccess,
    ClientIp,
    RuntimeDep,
    SessionDep,
    WorkspaceWrite,
    credential,
    resolve_principal,
)
from customercare.errors import AppError, PermissionDenied
from customercare.http_edge.client_ip import client_ip
from customercare.limits import service as limits
from customercare.runtime import Runtime
from customercare.tenancy.service import Permission, Principal
from customercare.widget import service as widget
from customercare.widget.schemas import (
    ConversationStarted,
    CurrentConversation,
    FeedbackCreate,
    FeedbackRecorded,
    HandoffCreate,
    HandoffCreated,
    IdentitySecretCreated,
    TypingCreate,
    VisitorCreate,
    VisitorCreated,
    WidgetChat,
    WidgetSettingsPublic,
    WidgetSettingsUpdate,
)

router = APIRouter(tags=["widget"])
api = APIRouter(prefix="/api/v1/widget", tags=["widget"])

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
VisitorToken = Annotated[str | None, Header(alias="X-Visitor-Token", max_length=200)]


def settings_reader(request: Request, runtime: RuntimeDep) -> Principal:
    """A publishable key from an allowed origin, a frame token, or anyone who may read the
    workspace (a member, a secret key with ``admin``)."""
    principal = resolve_principal(
        runtime,
        secret=credential(request),
        workspace_header=request.headers.get("x-workspace-id"),
        origin=request.headers.get("origin"),
        host=request.headers.get("host"),
    )
    limits.enforce_principal(
        request, runtime.counters, runtime.settings, principal, ip=client_ip(request)
    )
    if not (principal.publishable or principal.can(Permission.workspace_read)):
        raise PermissionDenied(
            "this credential does not allow reading the widget settings",
            details={"permission": Permission.workspace_read.value},
        )
    request.state.principal = principal
    return principal


SettingsReader = Annotated[Principal, Depends(settings_reader)]


# --- the frame and the built files -------------------------------------------------------


@router.get("/widget/frame", response_class=HTMLResponse, include_in_schema=False)
def frame(
    request: Request,
    runtime: RuntimeDep,
    key: Annotated[str, Query(max_length=200)] = "",
    origin: Annotated[str, Query(max_length=300)] = "",
    lang: Annotated[str, Query(max_length=35)] = "en",
) -> HTMLResponse:
    """The chat frame for the page at ``origin``; refused (403 HTML) for a key that is not a
    live publishable key, an origin the workspace does not allow, or a top-level visit."""
    if request.headers.get("sec-fetch-dest", "").lower() == "document":
        return _refusal("The chat only opens inside the website that embeds it.")
    try:
        with transaction(runtime.sessions) as session:
            opened = widget.open_frame(session, runtime.settings, key=key, origin=origin)
    except AppError:
        return _refusal("This chat is not available on this page.")
    base = str(request.base_url).rstrip("/")
    language = widget.safe_lang(lang)
    config = {
        "api": base,
        "token": opened.token,
        "parent_origin": opened.origin,
        "lang": language,
        "settings": opened.settings.model_dump(mode="json"),
        "version": 1,
    }
    page = widget.frame_page(config, lang=language, title=opened.settings.title)
    headers = {
        "Content-Security-Policy": widget.frame_csp(opened.origin),
        # It holds a token: never cached, never sent on as a referrer.
        "Cache-Control": "no-store",
    }
    return HTMLResponse(page, headers=headers)


def _refusal(message: str) -> HTMLResponse:
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(widget.error_page(message), status_code=403, headers=headers)


def _asset(request: Request, name: str) -> Response:
    asset = widget.read_asset(name)
    headers = {"ETag": asset.etag, "Cache-Control": widget.CACHE_CONTROL}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/widget.js", include_in_schema=False)
def loader(request: Request) -> Response:
    return _asset(request, "widget.js")


@router.get("/widget/frame.js", include_in_schema=False)
def frame_script(request: Request) -> Response:
    return _asset(request, "frame.js")


@router.get("/widget/frame.css", include_in_schema=False)
def frame_style(request: Request) -> Response:
    return _asset(request, "frame.css")


# --- settings ----------------------------------------------------------------------------


@api.get("/settings", response_model=WidgetSettingsPublic)
def read_settings(session: SessionDep, principal: SettingsReader) -> WidgetSettingsPublic:
    return widget.public_settings(widget.get_settings(session, workspace_id=principal.workspace_id))


@api.put("/settings", response_model=WidgetSettingsPublic)
def replace_settings(
    body: WidgetSettingsUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: WorkspaceWrite,
    ip: ClientIp,
) -> WidgetSettingsPublic:
    row = widget.update_settings(
        session,
        runtime.settings,
        workspace_id=principal.workspace_id,
        values=body.model_dump(),
        actor=principal,
        ip=ip,
    )
    return widget.public_settings(row)


@api.post("/identity-secret", response_model=IdentitySecretCreated, status_code=201)
def rotate_identity_secret(
    session: SessionDep, principal: WorkspaceWrite, ip: ClientIp
) -> IdentitySecretCreated:
    issued = widget.rotate_identity_secret(
        session, workspace_id=principal.workspace_id, actor=principal, ip=ip
    )
    return IdentitySecretCreated(identity_secret=issued.secret, rotated_at=issued.rotated_at)


# --- visitors and their conversations ----------------------------------------------------


def _visitor(session: Session, principal: Principal, token: str | None) -> widget.WidgetVisitor:
    return widget.get_visitor_by_token_or_raise(
        session, workspace_id=principal.workspace_id, token=token
    )


@api.post("/visitors", response_model=VisitorCreated, status_code=201)
def create_visitor(
    body: VisitorCreate, session: SessionDep, principal: ChatAccess
) -> VisitorCreated:
    registered = widget.register_visitor(
        session,
        workspace_id=principal.workspace_id,
        visitor_token=body.visitor_token,
        user_id=body.user_id,
        user_hash=body.user_hash,
        email=body.email,
        name=body.name,
        page_url=str(body.page_url) if body.page_url else None,
    )
    return VisitorCreated(
        visitor_token=registered.token,
        verified=registered.verified,
        conversation_id=registered.visitor.current_conversation_id,
    )


@api.get("/conversation", response_model=CurrentConversation)
def read_conversation(
    session: SessionDep, principal: ChatAccess, visitor_token: VisitorToken = None
) -> CurrentConversation:
    visitor = _visitor(session, principal, visitor_token)
    return widget.current_conversation(session, visitor=visitor)


@api.post("/conversations", response_model=ConversationStarted, status_code=201)
def new_conversation(
    session: SessionDep, principal: ChatAccess, visitor_token: VisitorToken = None
) -> ConversationStarted:
    visitor = _visitor(session, principal, visitor_token)
    return ConversationStarted(conversation_id=widget.start_conversation(session, visitor=visitor))


def begin_turn(
    runtime: Runtime,
    principal: Principal,
    visitor_token: str | None,
    *,
    message: str,
    conversation_id: str | None,
) -> answers.TurnContext:
    """Store the visitor's message in its conversation (the given one, else its current one,
    else a new one that becomes current). Short transactions: the turn commits on its own."""
    with transaction(runtime.sessions) as session:
        visitor = _visitor(session, principal, visitor_token)
        target = widget.chat_conversation_id(
            session, visitor=visitor, conversation_id=conversation_id
        )
        visitor_id, email = visitor.id, visitor.email
    turn = answers.start_turn(
        runtime,
        workspace_id=principal.workspace_id,
        message=message,
        conversation_id=target,
        channel="widget",
        visitor_id=visitor_id,
        contact_email=email,
    )
    if target != turn.conversation_id:
        with transaction(runtime.sessions) as session:
            visitor = _visitor(session, principal, visitor_token)
            widget.remember_conversation(
                session, visitor=visitor, conversation_id=turn.conversation_id
            )
    return turn


@api.post("/chat", responses={200: {"content": {"text/event-stream": {}}}})
def chat(
    body: WidgetChat, runtime: RuntimeDep, principal: ChatAccess, visitor_token: VisitorToken = None
) -> StreamingResponse:
    """The answer as Server-Sent Events, the same events as ``POST /api/v1/chat``."""
    turn = begin_turn(
        runtime,
        principal,
        visitor_token,
        message=body.message,
        conversation_id=body.conversation_id,
    )
    events = answers.reply(runtime, turn)
    return StreamingResponse(
        answers.as_sse(events), media_type="text/event-stream", headers=SSE_HEADERS
    )


@api.get("/events", responses={200: {"content": {"text/event-stream": {}}}})
async def live_events(
    runtime: RuntimeDep,
    principal: ChatAccess,
    conversation_id: Annotated[str, Query(min_length=1, max_length=64)],
    visitor_token: VisitorToken = None,
) -> StreamingResponse:
    """The conversation's live events (agent messages, typing, status) as Server-Sent Events."""

    def check() -> None:
        with transaction(runtime.sessions) as session:
            visitor = _visitor(session, principal, visitor_token)
            widget.get_owned_conversation_or_raise(
                session, visitor=visitor, conversation_id=conversation_id
            )

    await run_in_threadpool(check)

    async def stream() -> AsyncIterator[str]:
        async for event in widget.conversation_events(runtime.live, conversation_id):
            if event is None:
                yield ": keep-alive\n\n"
            else:
                data = json.dumps(event.as_dict(), separators=(",", ":"))
                yield f"event: {event.type}\ndata: {data}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


@api.post("/messages/{message_id}/feedback", response_model=FeedbackRecorded, status_code=201)
def rate(
    message_id: Annotated[str, Path(max_length=64)],
    body: FeedbackCreate,
    session: SessionDep,
    principal: ChatAccess,
    visitor_token: VisitorToken = None,
) -> FeedbackRecorded:
    visitor = _visitor(session, principal, visitor_token)
    widget.rate_message(
        session, visitor=visitor, message_id=message_id, rating=body.rating, comment=body.comment
    )
    return FeedbackRecorded(message_id=message_id, rating=body.rating, comment=body.comment)


@api.post("/handoff", response_model=HandoffCreated, status_code=201)
def handoff(
    body: HandoffCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: ChatAccess,
    visitor_token: VisitorToken = None,
) -> HandoffCreated:
    visitor = _visitor(session, principal, visitor_token)
    widget.hand_off(
        session,
        bus=runtime.live,
        visitor=visitor,
        conversation_id=body.conversation_id,
        email=str(body.email) if body.email else None,
    )
    return HandoffCreated()


@api.post("/typing", status_code=204)
def typing(
    body: TypingCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: ChatAccess,
    visitor_token: VisitorToken = None,
) -> Response:
    visitor = _visitor(session, principal, visitor_token)
    widget.visitor_typing(
        session, bus=runtime.live, visitor=visitor, conversation_id=body.conversation_id
    )
    return Response(status_code=204)


router.include_router(api)
