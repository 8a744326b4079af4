"""``/app/inbox``: conversations (filtered by state), the handoff queue, a transcript with
citations, confidence, latency and feedback per answer, and the live handoff for agents:
claim, reply, resolve. ``/app/inbox/events`` is the workspace's inbox stream (the same live
channel as ``GET /api/v1/inbox/events``) for the signed-in browser, whose credential is its
cookie (an ``EventSource`` cannot send an ``Authorization`` header); ``static/inbox.js``
refreshes the queue when an event arrives. HTTP only: every decision is in
``conversations.service``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from customercare.conversations import service as conversations
from customercare.dashboard import session as browser_session
from customercare.dashboard.render import finish, page, redirect
from customercare.dashboard.session import BrowserSession, PageError
from customercare.dashboard.web import Browser, CsrfField, as_page, signed_in
from customercare.deps import MailerDep, RuntimeDep, SessionDep, SettingsDep, acting_agent
from customercare.live import service as live
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Permission, Principal

__all__ = ["router"]

router = APIRouter(prefix="/app/inbox", include_in_schema=False)
STATES = ("open", "handed_off", "assigned", "resolved")
QUEUE_STATES = ("handed_off", "assigned")
MAX_REPLY = 4000
PAGE_SIZE = 100
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _queue(session: Session, principal: Principal) -> list[conversations.Conversation]:
    queue: list[conversations.Conversation] = []
    for state in QUEUE_STATES:
        rows, _ = conversations.list_conversations(
            session, workspace_id=principal.workspace_id, status=state, limit=PAGE_SIZE
        )
        queue.extend(rows)
    return queue


@router.get("")
def inbox(
    request: Request,
    browser: Browser,
    session: SessionDep,
    settings: SettingsDep,
    status: str = "",
) -> Response:
    person = signed_in(browser)
    principal = person.require(Permission.conversations_read)
    if status not in ("", *STATES):
        raise PageError(400, f"unknown state {status!r}")
    rows, total = conversations.list_conversations(
        session, workspace_id=principal.workspace_id, status=status or None, limit=PAGE_SIZE
    )
    response = page(
        "inbox.html",
        browser=person,
        current="inbox",
        queue=_queue(session, principal),
        conversations=rows,
        total=total,
        status=status,
        states=STATES,
    )
    return finish(request, response, person, settings)


@router.get("/queue")
def queue_fragment(browser: Browser, session: SessionDep) -> Response:
    """The handoff queue alone: what ``inbox.js`` swaps in when the inbox stream speaks."""
    person = signed_in(browser)
    principal = person.require(Permission.conversations_read)
    return page("inbox_queue.html", browser=person, queue=_queue(session, principal))


@router.get("/events")
async def events(browser: Browser, runtime: RuntimeDep) -> StreamingResponse:
    person = signed_in(browser)
    principal = person.require(Permission.conversations_read)
    return StreamingResponse(
        live.sse_stream(runtime.live, (live.inbox_channel(principal.workspace_id),)),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


@router.get("/{conversation_id}")
def transcript(
    request: Request,
    browser: Browser,
    session: SessionDep,
    settings: SettingsDep,
    conversation_id: str,
) -> Response:
    person = signed_in(browser)
    principal = person.require(Permission.conversations_read)
    return finish(
        request, _transcript(session, person, principal, conversation_id), person, settings
    )


def _transcript(
    session: Session,
    person: BrowserSession,
    principal: Principal,
    conversation_id: str,
    *,
    error: str = "",
    draft: str = "",
    status_code: int = 200,
) -> Response:
    with as_page():
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=principal.workspace_id, conversation_id=conversation_id
        )
    messages = conversations.list_messages(
        session, workspace_id=principal.workspace_id, conversation_id=conversation.id
    )
    feedback = conversations.feedback_for(
        session, workspace_id=principal.workspace_id, message_ids=[m.id for m in messages]
    )
    return page(
        "transcript.html",
        browser=person,
        current="inbox",
        status_code=status_code,
        conversation=conversation,
        messages=messages,
        feedback=feedback,
        mine=conversation.assigned_user_id == principal.user_id,
        error=error,
        draft=draft,
        max_reply=MAX_REPLY,
    )


def _acting(
    browser: BrowserSession | None, csrf_token: str | None
) -> tuple[BrowserSession, Principal]:
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    return person, person.require(Permission.conversations_write)


@router.post("/{conversation_id}/claim")
def claim(
    browser: Browser,
    session: SessionDep,
    runtime: RuntimeDep,
    conversation_id: str,
    csrf_token: CsrfField = None,
    force: Annotated[str, Form()] = "",
) -> Response:
    _, principal = _acting(browser, csrf_token)
    with as_page():
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=principal.workspace_id, conversation_id=conversation_id
        )
        conversations.claim(
            session,
            live=runtime.live,
            conversation=conversation,
            agent=acting_agent(session, principal),
            force=force == "yes",
        )
    return redirect(f"/app/inbox/{conversation_id}")


@router.post("/{conversation_id}/reply")
def reply(
    request: Request,
    browser: Browser,
    session: SessionDep,
    runtime: RuntimeDep,
    mailer: MailerDep,
    conversation_id: str,
    csrf_token: CsrfField = None,
    content: Annotated[str, Form()] = "",
) -> Response:
    person, principal = _acting(browser, csrf_token)
    text = content.strip()
    if not text or len(text) > MAX_REPLY:
        response = _transcript(
            session,
            person,
            principal,
            conversation_id,
            error=f"write a reply of 1 to {MAX_REPLY} characters",
            draft=content[:MAX_REPLY],
            status_code=400,
        )
        return finish(request, response, person, runtime.settings)
    with as_page():
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=principal.workspace_id, conversation_id=conversation_id
        )
        message = conversations.add_agent_message(
            session,
            live=runtime.live,
            conversation=conversation,
            agent=acting_agent(session, principal),
            content=text,
        )
        workspace = tenancy.get_workspace_or_raise(session, workspace_id=principal.workspace_id)
        conversations.mail_reply_if_away(
            session,
            live=runtime.live,
            mailer=mailer,
            conversation=conversation,
            message=message,
            workspace_name=workspace.name,
            public_url=runtime.settings.public_url,
        )
    return redirect(f"/app/inbox/{conversation_id}")


@router.post("/{conversation_id}/resolve")
def resolve(
    browser: Browser,
    session: SessionDep,
    runtime: RuntimeDep,
    conversation_id: str,
    csrf_token: CsrfField = None,
) -> Response:
    _, principal = _acting(browser, csrf_token)
    with as_page():
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=principal.workspace_id, conversation_id=conversation_id
        )
        conversations.resolve(session, live=runtime.live, conversation=conversation)
    return redirect(f"/app/inbox/{conversation_id}")
